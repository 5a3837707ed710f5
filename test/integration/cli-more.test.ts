/** The built CLI as a subprocess: export, import, extract, and login/logout through a real gnome-keyring. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pushStandardFixtures } from '../rig/fixtures';
import { startKeyring, type KeyringSession } from '../rig/keyring';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { cli, cliEnv } from '../helpers/cli';

const run = promisify(execFile);
const rig = inject('rig');
const multi = rig.fixtures.multi;

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('export, import, extract', () => {
  let destination: RigRegistry;
  beforeAll(async () => {
    destination = await startRegistry();
  });
  afterAll(() => destination.stop());

  it('export to a .tar, import it elsewhere: identical digests', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'regdesk-export-')), 'multi.tar');
    const exported = await cli(['export', `${rig.registry.host}/${multi.repo}:${multi.tag}`, out, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ digest: multi.digest });
    const imported = await cli(['import', out, `${destination.host}/imported/multi:1.0`, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const digest = await cli(['digest', `${destination.host}/imported/multi:1.0`]);
    expect(digest.stdout.trim()).toBe(multi.digest);
  });

  it('extract writes the flattened filesystem of one platform', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'regdesk-extract-')), 'fs.tar');
    const res = await cli(['extract', `${rig.registry.host}/${multi.repo}:${multi.tag}`, out, '--platform', 'linux/arm64']);
    expect(res.code, res.stderr).toBe(0);
    const { stdout } = await run('tar', ['-tf', out]);
    expect(stdout).toMatch(/etc\/layer-0/);
    expect(stdout).toMatch(/etc\/layer-1/);
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });

  it('refuses an import from a folder that is not a layout', async () => {
    const res = await cli(['import', mkdtempSync(join(tmpdir(), 'regdesk-empty-')), `${destination.host}/x/y:1`]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/^regdesk: /);
  });
});

describe('login and logout with the OS keychain', () => {
  let registry: RigRegistry;
  let keyring: KeyringSession;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
    await pushStandardFixtures(registry);
    keyring = await startKeyring();
    const base = cliEnv();
    env = { ...base, DBUS_SESSION_BUS_ADDRESS: keyring.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: keyring.env.XDG_RUNTIME_DIR, XDG_DATA_HOME: keyring.env.XDG_DATA_HOME };
  });
  afterAll(async () => {
    await keyring.stop();
    await registry.stop();
  });

  it('login stores, a new process reads with it, logout deletes; the password is in no file and no output', async () => {
    const password = DEFAULT_BASIC_USERS.tester;
    const wrong = await cli(['login', registry.host, '-u', 'tester', '--password-stdin'], { env, stdin: 'not-it\n' });
    expect(wrong.code).toBe(4);
    expect((await cli(['tags', `${registry.host}/fixtures/multi`], { env })).code).toBe(4);

    const login = await cli(['login', registry.host, '-u', 'tester', '--password-stdin'], { env, stdin: `${password}\n` });
    expect(login.code, login.stderr).toBe(0);
    const read = await cli(['tags', `${registry.host}/fixtures/multi`, '--verbose'], { env });
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout.trim()).toBe('1.0');

    for (const file of files(env.HOME!)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(password), file).toBe(false);
      expect(bytes.includes(Buffer.from(`tester:${password}`).toString('base64')), file).toBe(false);
    }
    for (const out of [wrong, login, read]) expect(out.stdout + out.stderr).not.toContain(password);

    const logout = await cli(['logout', registry.host], { env });
    expect(logout.stdout).toMatch(/signed out/);
    expect((await cli(['tags', `${registry.host}/fixtures/multi`], { env })).code).toBe(4);
  });

  it('without a D-Bus session: login says the keychain is unavailable, reads still work from the environment', async () => {
    const noBus = cliEnv();
    const login = await cli(['login', registry.host, '-u', 'tester', '--password-stdin'], { env: noBus, stdin: `${DEFAULT_BASIC_USERS.tester}\n` });
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/keychain is not available/);
    const key = registry.host.replace(/[^0-9A-Za-z]/g, '_').toUpperCase();
    const read = await cli(['tags', `${registry.host}/fixtures/multi`], { env: { ...noBus, [`REGISTRY_${key}_USERNAME`]: 'tester', [`REGISTRY_${key}_PASSWORD`]: DEFAULT_BASIC_USERS.tester } });
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout.trim()).toBe('1.0');
  });
});
