/**
 * Settings as the built CLI sees them: a corrupt or invalid settings.json is
 * set aside with a warning on stderr and the command still works; a version-0
 * file is migrated; registries.json mirrors and CA files take effect against
 * real registries, and a broken registries.json is reported and ignored.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pushStandardFixtures } from '../rig/fixtures';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli, cliEnv, type CliResult } from '../helpers/cli';

const rig = inject('rig');
const shared = rig.registry.host;
const multi = rig.fixtures.multi;

function configDir(env: NodeJS.ProcessEnv): string {
  const dir = env.REGDESK_CONFIG_DIR!;
  mkdirSync(dir, { recursive: true });
  return dir;
}
const writeSettings = (env: NodeJS.ProcessEnv, text: string): void => writeFileSync(join(configDir(env), 'settings.json'), text);
const writeRegistries = (env: NodeJS.ProcessEnv, value: unknown): void =>
  writeFileSync(join(configDir(env), 'registries.json'), typeof value === 'string' ? value : JSON.stringify(value));
const backupsIn = (env: NodeJS.ProcessEnv): string[] => readdirSync(env.REGDESK_CONFIG_DIR!).filter((f) => /^settings\.corrupt-.+\.json$/.test(f));

const readTags = (env: NodeJS.ProcessEnv, ...more: string[]): Promise<CliResult> => cli(['tags', `${shared}/${multi.repo}`, ...more], { env });

describe('a bad settings.json', () => {
  it.each([
    ['corrupt JSON', '{"version": 1, "copy": {', /the file is not valid JSON/],
    ['an invalid document (copy.concurrency 999)', JSON.stringify({ version: 1, copy: { concurrency: 999 } }), /copy\.concurrency/],
    ['a document from a newer version', JSON.stringify({ version: 7 }), /invalid settings \(version/],
  ])('%s: a warning on stderr, the old file kept aside, the command works', async (_name, text, problem) => {
    const env = cliEnv();
    writeSettings(env, text);
    const res = await readTags(env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('1.0\n');
    const [backup, ...more] = backupsIn(env);
    expect(more).toEqual([]);
    expect(backup).toBeDefined();
    const backupPath = join(env.REGDESK_CONFIG_DIR!, backup!);
    expect(readFileSync(backupPath, 'utf8')).toBe(text);
    expect(res.stderr).toMatch(/^regdesk: Settings were reset to defaults: /m);
    expect(res.stderr).toMatch(problem);
    expect(res.stderr).toContain(backupPath);
    // Moved aside, not replaced: the defaults are used in memory.
    expect(existsSync(join(env.REGDESK_CONFIG_DIR!, 'settings.json'))).toBe(false);

    // Said once: the next run finds no bad file.
    const next = await readTags(env);
    expect(next.code).toBe(0);
    expect(next.stderr).toBe('');
    expect(backupsIn(env)).toHaveLength(1);
  });

  it('with --json, stdout stays one JSON document; with --quiet, nothing is said', async () => {
    const env = cliEnv();
    writeSettings(env, 'garbage');
    const json = await readTags(env, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ name: multi.repo, tags: ['1.0'] });
    expect(json.stderr).toMatch(/Settings were reset/);
    const quietEnv = cliEnv();
    writeSettings(quietEnv, 'garbage');
    const quiet = await readTags(quietEnv, '-q');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(backupsIn(quietEnv)).toHaveLength(1);
  });

  it('a version-0 settings file is read as migrated, silently, and not rewritten (the README: a command that only reads never writes it)', async () => {
    const env = cliEnv();
    const text = JSON.stringify({ registries: { [shared]: { insecure: true } }, copy: { concurrency: 3 } });
    writeSettings(env, text);
    const res = await readTags(env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    expect(backupsIn(env)).toEqual([]);
    expect(readFileSync(join(env.REGDESK_CONFIG_DIR!, 'settings.json'), 'utf8')).toBe(text);
  });

  it('no settings file at all: the command works, says nothing, and writes none', async () => {
    const env = cliEnv();
    const res = await readTags(env);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(existsSync(join(configDir(env), 'settings.json'))).toBe(false);
  });
});

describe('registries.json', () => {
  let tls: RigRegistry;
  beforeAll(async () => {
    tls = await startRegistry({ tls: true });
    await pushStandardFixtures(tls);
  });
  afterAll(async () => {
    await tls?.stop();
  });

  const tlsTags = (env: NodeJS.ProcessEnv): Promise<CliResult> => cli(['tags', `${tls.host}/${multi.repo}`], { env });

  it('a TLS registry with a private CA: refused without it, trusted with registries.json "ca"', async () => {
    const without = await tlsTags(cliEnv());
    expect(without.code).not.toBe(0);
    const env = cliEnv();
    writeRegistries(env, { ca: { [`https://${tls.host}`]: tls.caFile } });
    const res = await tlsTags(env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('1.0\n');
    expect(res.stderr).toBe('');
  });

  it('the CA file of a registry added in settings.json is trusted too', async () => {
    const env = cliEnv();
    writeSettings(env, JSON.stringify({ version: 1, registries: [{ host: tls.host, caFile: tls.caFile }] }));
    const res = await tlsTags(env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('1.0\n');
  });

  it('a CA file for another registry does not apply', async () => {
    const env = cliEnv();
    writeRegistries(env, { ca: { 'other.registry:5000': tls.caFile } });
    expect((await tlsTags(env)).code).not.toBe(0);
  });

  it('a broken registries.json is reported on stderr and ignored', async () => {
    for (const bad of ['{"mirrors": [', { insecure: 'not-a-list' }]) {
      const env = cliEnv();
      writeRegistries(env, bad);
      const res = await readTags(env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toBe('1.0\n');
      expect(res.stderr).toMatch(/^regdesk: registries\.json ignored: /m);
      expect(existsSync(join(env.REGDESK_CONFIG_DIR!, 'registries.json'))).toBe(true);
    }
  });

  it('an invalid registries.json is ignored as a whole: its good CA entry does not apply either', async () => {
    const env = cliEnv();
    writeRegistries(env, { ca: { [tls.host]: tls.caFile }, insecure: 'not-a-list' });
    const res = await tlsTags(env);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/registries\.json ignored/);
    writeRegistries(env, { ca: { [tls.host]: tls.caFile } });
    expect((await tlsTags(env)).code).toBe(0);
  });

  it('a CA file in registries.json that does not exist is reported as a configuration problem, not an internal error', async () => {
    const env = cliEnv();
    const missing = join(env.HOME!, 'no-such-ca.pem');
    writeRegistries(env, { ca: { [tls.host]: missing } });
    const res = await cli(['tags', `${tls.host}/${multi.repo}`, '--json'], { env });
    expect(res.code).not.toBe(0);
    const error = JSON.parse(res.stdout).error;
    expect(error.message).toContain(missing);
    expect(error.code).not.toBe('internal');
  });

  /** Paths that are not a CA file: a named pipe (reading it would wait for a writer forever), an endless device, a directory. */
  const notCaFiles: Array<[string, (env: NodeJS.ProcessEnv) => string, RegExp]> = [
    ['a named pipe', (env) => {
      const path = join(env.HOME!, 'ca.pipe');
      execFileSync('mkfifo', [path]);
      return path;
    }, /is a named pipe \(FIFO\), not a regular file/],
    ['/dev/zero', () => '/dev/zero', /is a device, not a regular file/],
    ['a directory', (env) => env.HOME!, /is a directory, not a regular file/],
  ];

  it.each(notCaFiles)('a CA file in registries.json that is %s: a usage error naming it (exit 2), other registries unaffected', async (_name, make, problem) => {
    const env = cliEnv();
    const path = make(env);
    writeRegistries(env, { ca: { [tls.host]: path } });
    const res = await cli(['tags', `${tls.host}/${multi.repo}`, '--json'], { env });
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'usage', message: expect.stringContaining(`${tls.host}: the CA file ${path} cannot be used: `) });
    expect(JSON.parse(res.stdout).error.message).toMatch(problem);
    const other = await readTags(env);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toBe('1.0\n');
  });

  it.each(notCaFiles)('--ca-file naming %s: a usage error before anything is sent (exit 2)', async (_name, make, problem) => {
    const env = cliEnv();
    const path = make(env);
    const res = await cli(['tags', `${tls.host}/${multi.repo}`, '--ca-file', path], { env });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`the CA file ${path} cannot be used: `);
    expect(res.stderr).toMatch(problem);
    expect(res.stderr).toMatch(/^hint: Give the path of a PEM file with --ca-file\./m);
  });

  it('--ca-file naming the registry\'s CA: trusted', async () => {
    const res = await cli(['tags', `${tls.host}/${multi.repo}`, '--ca-file', tls.caFile!], { env: cliEnv() });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('1.0\n');
  });

  it('mirrors: reads for Docker Hub (any alias key) are answered by the mirror', async () => {
    for (const key of ['docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io']) {
      const env = cliEnv();
      writeRegistries(env, { mirrors: { [key]: [`http://${shared}`] } });
      const res = await cli(['digest', `docker.io/${multi.repo}:${multi.tag}`], { env });
      expect(res.code, `${key}: ${res.stderr}`).toBe(0);
      expect(res.stdout.trim()).toBe(multi.digest);
    }
  });
});
