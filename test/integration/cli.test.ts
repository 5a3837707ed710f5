/**
 * The built CLI as a subprocess against real registries: every command, the
 * --json shapes, exit codes, messages for bad input, and Ctrl-C during cp.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildImage, defaultLayers } from '../../electron/demo/images';
import { pushImage, pushStandardFixtures, type StandardFixtures } from '../rig/fixtures';
import { RigPusher } from '../rig/push';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { cli, cliEnv, startCli } from '../helpers/cli';
import { startGate } from '../helpers/gate';

const rig = inject('rig');
const host = rig.registry.host;
const multi = rig.fixtures.multi;
const VERSION_TAGS = ['0.9', '1.0', '1.0.1', '1.1', '1.10', '2.0', '2.0.0-rc1', '1.1-alpine', '2.0-alpine', 'latest', 'sha-3f2a9c1'];

let basic: RigRegistry;
let basicFixtures: StandardFixtures;

beforeAll(async () => {
  basic = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
  basicFixtures = await pushStandardFixtures(basic);
  const pusher = new RigPusher(basic);
  const image = buildImage();
  await pusher.push('versions/app', image);
  for (const tag of VERSION_TAGS) await pusher.putManifest('versions/app', tag, image);
});
afterAll(() => basic.stop());

const withPassword = (password = DEFAULT_BASIC_USERS.tester) => ({ stdin: `${password}\n` });
const basicArgs = ['-u', 'tester', '--password-stdin'];

describe('read commands', () => {
  it('catalog lists every repository, and as JSON', async () => {
    const text = await cli(['catalog', host]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toContain('a/b/c');
    expect(lines.length).toBeGreaterThanOrEqual(1050);
    const json = await cli(['catalog', host, '--json']);
    expect(JSON.parse(json.stdout).repositories).toEqual(lines);
  });

  it('tags: server order, --sort semver, --json', async () => {
    const res = await cli(['tags', `${basic.host}/versions/app`, '--sort', 'semver', '--json', ...basicArgs], withPassword());
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      name: 'versions/app',
      tags: ['0.9', '1.0', '1.0.1', '1.1', '1.1-alpine', '1.10', '2.0.0-rc1', '2.0', '2.0-alpine', 'latest', 'sha-3f2a9c1'],
    });
    const alpha = await cli(['tags', `${basic.host}/versions/app`, '--sort', 'alpha', ...basicArgs], withPassword());
    expect(alpha.stdout.trim().split('\n')).toEqual([...VERSION_TAGS].sort());
  });

  it('digest of the index, and of one platform', async () => {
    const index = await cli(['digest', `${host}/${multi.repo}:${multi.tag}`]);
    expect(index.stdout.trim()).toBe(multi.digest);
    const arm = await cli(['digest', `${host}/${multi.repo}:${multi.tag}`, '--platform', 'linux/arm64', '--json']);
    expect(JSON.parse(arm.stdout)).toEqual({ digest: multi.children[1]!.digest });
  });

  it('manifest --raw prints exactly the bytes served; config and platforms', async () => {
    const raw = await cli(['manifest', `${host}/${multi.repo}@${multi.digest}`, '--raw']);
    expect(Buffer.from(raw.stdout).toString('base64')).toBe(multi.manifestBase64);
    const config = await cli(['config', `${host}/${multi.repo}:${multi.tag}`, '--platform', 'linux/arm/v7']);
    expect(JSON.parse(config.stdout)).toMatchObject({ os: 'linux', architecture: 'arm', variant: 'v7' });
    const platforms = await cli(['platforms', `${host}/${multi.repo}:${multi.tag}`]);
    expect(platforms.stdout.trim().split('\n')).toEqual([
      `linux/amd64 ${multi.children[0]!.digest}`,
      `linux/arm64/v8 ${multi.children[1]!.digest}`,
      `linux/arm/v7 ${multi.children[2]!.digest}`,
    ]);
    const json = JSON.parse((await cli(['platforms', `${host}/${multi.repo}:${multi.tag}`, '--json'])).stdout);
    expect(json[1]).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8', digest: multi.children[1]!.digest, size: expect.any(Number) });
  });

  it('exists: 0 present, 3 not found, 4 authentication failure', async () => {
    expect((await cli(['exists', `${host}/${multi.repo}:${multi.tag}`, '--json'])).stdout.trim()).toBe('{\n  "exists": true\n}');
    const missing = await cli(['exists', `${host}/${multi.repo}:nope`, '--json']);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout)).toEqual({ exists: false });
    const denied = await cli(['exists', `${basic.host}/${basicFixtures.multi.repo}:1.0`]);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('authentication required');
  });
});

describe('bad input gets a typed error and an exit code', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ['malformed reference', ['digest', 'UPPER/Case:tag'], 2, /must be lower case/],
    ['malformed digest', ['digest', `${host}/x@sha256:../x`], 2, /invalid digest/],
    ['malformed tag', ['digest', `${host}/x:-bad`], 2, /invalid tag/],
    ['malformed platform', ['digest', `${host}/${multi.repo}:1.0`, '--platform', 'linux'], 2, /invalid platform/],
    ['unknown platform', ['digest', `${host}/${multi.repo}:1.0`, '--platform', 'linux/s390x'], 3, /no linux\/s390x image .*available: linux\/amd64/],
    ['missing tag', ['manifest', `${host}/${multi.repo}:missing`], 3, /not found/],
    ['unreachable host', ['tags', '127.0.0.1:1/nothing/here'], 5, /connection refused/],
    ['unknown command', ['frobnicate'], 2, /unknown command/],
    ['unknown option', ['tags', `${host}/x`, '--bogus'], 2, /unknown option --bogus/],
    ['missing argument', ['cp', `${host}/x:1`], 2, /missing DST/],
  ];
  for (const [name, args, code, message] of cases) {
    it(name, async () => {
      const res = await cli(args);
      expect(res.code).toBe(code);
      expect(res.stderr).toMatch(/^regdesk: /);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(res.stdout).toBe('');
    });
  }

  it('a wrong password: exit 4, and the password appears nowhere', async () => {
    const res = await cli(['tags', `${basic.host}/fixtures/multi`, ...basicArgs, '--verbose'], withPassword('wrong-canary-9f3c'));
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/credentials were rejected/);
    expect(res.stderr + res.stdout).not.toContain('wrong-canary-9f3c');
    expect(res.stderr + res.stdout).not.toContain(Buffer.from('tester:wrong-canary-9f3c').toString('base64'));
  });

  it('errors as JSON with --json', async () => {
    const res = await cli(['manifest', `${host}/${multi.repo}:missing`, '--json']);
    expect(res.code).toBe(3);
    expect(JSON.parse(res.stdout)).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('not found') } });
  });
});

describe('cp', () => {
  it('copies all platforms and prints the JSON result', async () => {
    const res = await cli(['cp', `${host}/${multi.repo}:${multi.tag}`, `${basic.host}/cli/multi:v1`, '--json', ...basicArgs], withPassword());
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(Object.keys(out).sort()).toEqual(['blobs', 'bytesTransferred', 'destination', 'digest', 'mounted', 'platforms', 'seconds', 'skipped', 'source']);
    expect(out).toMatchObject({ digest: multi.digest, blobs: multi.blobDigests.length, bytesTransferred: multi.totalBlobBytes, mounted: 0, skipped: 0 });
    expect(out.platforms).toHaveLength(3);
  });

  it('--dry-run writes nothing', async () => {
    const res = await cli(['cp', `${host}/${multi.repo}:${multi.tag}`, `${basic.host}/cli/dry:v1`, '--dry-run', ...basicArgs], withPassword());
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/blobs \d+: \d+ to transfer/);
    const check = await cli(['exists', `${basic.host}/cli/dry:v1`, ...basicArgs], withPassword());
    expect(check.code).toBe(3);
  });

  it('--platform copies that platform only', async () => {
    const res = await cli(['cp', `${host}/${multi.repo}:${multi.tag}`, `${basic.host}/cli/arm:v1`, '--platform', 'linux/arm64', '--json', ...basicArgs], withPassword());
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).digest).toBe(multi.children[1]!.digest);
  });

  describe('Ctrl-C', () => {
    let source: RigRegistry;
    let layers: string[];
    beforeAll(async () => {
      source = await startRegistry();
      const image = buildImage({ layers: defaultLayers({ os: 'linux', architecture: 'amd64' }, 2, 64 * 1024) });
      layers = image.blobs.slice(1).map((b) => b.digest);
      await pushImage(source, 'big/image', 'v1', image);
    });
    afterAll(() => source.stop());

    /**
     * The source's layer downloads held at a gate: once one is held, its upload session at the
     * destination is open (a blob's POST is answered before its source is read) and the copy
     * cannot finish, however slowly the signal arrives.
     */
    const holdLayers = () => startGate(source.url, (req) => req.method === 'GET' && layers.some((d) => req.url?.endsWith(`/blobs/${d}`)));
    const NOTE = /regdesk: cancelling; press Ctrl-C again to quit at once/;

    it('cancels: exit 130, no tag written, the source download given up', async () => {
      const repository = 'cli/interrupted';
      const from = await holdLayers();
      try {
        const run = startCli(['cp', `${from.host}/big/image:v1`, `${basic.host}/${repository}:v1`, '--concurrency', '1', ...basicArgs], { env: cliEnv(), ...withPassword() });
        await from.held(1);
        run.child.kill('SIGINT');
        const res = await run.done;
        expect(res.code, res.stderr.slice(-2000)).toBe(130);
        expect(res.stderr).toMatch(/regdesk: .*cancelled/);
        expect(res.stderr).not.toMatch(NOTE);
        await from.abandoned(1);
        expect((await cli(['exists', `${basic.host}/${repository}:v1`, ...basicArgs], withPassword())).code).toBe(3);
      } finally {
        await from.close();
      }
    });

    it('the same Ctrl-C delivered twice (npm and npx forward it to a child that got it too) still cancels cleanly', async () => {
      // The upload session's DELETE is held, so the second signal arrives while the cancel is cleaning up.
      const from = await holdLayers();
      const to = await startGate(basic.url, (req) => req.method === 'DELETE');
      try {
        const run = startCli(['cp', `${from.host}/big/image:v1`, `${to.host}/cli/twice:v1`, '--concurrency', '1', ...basicArgs], { env: cliEnv(), ...withPassword() });
        await from.held(1);
        run.child.kill('SIGINT');
        await to.held(1);
        run.child.kill('SIGINT');
        await run.printed(NOTE);
        to.release();
        const res = await run.done;
        expect(res.code, res.stderr.slice(-2000)).toBe(130);
        // An immediate exit on the second signal would print no outcome and leave the session open.
        expect(res.stderr).toMatch(/regdesk: .*cancelled/);
        expect(to.abandonedCount()).toBe(0);
        expect(to.requests.filter((r) => r.startsWith('DELETE /v2/cli/twice/blobs/uploads/'))).toHaveLength(1);
      } finally {
        await Promise.all([from.close(), to.close()]);
      }
    });

    it('a third signal quits at once, without waiting for the clean-up', async () => {
      const from = await holdLayers();
      const to = await startGate(basic.url, (req) => req.method === 'DELETE');
      try {
        const run = startCli(['cp', `${from.host}/big/image:v1`, `${to.host}/cli/thrice:v1`, '--concurrency', '1', ...basicArgs], { env: cliEnv(), ...withPassword() });
        await from.held(1);
        run.child.kill('SIGINT');
        await to.held(1);
        run.child.kill('SIGINT');
        await run.printed(NOTE);
        run.child.kill('SIGINT');
        const res = await run.done;
        expect(res.code, res.stderr.slice(-2000)).toBe(130);
        // The DELETE was still held: the process left without its answer, and without reporting an outcome.
        await to.abandoned(1);
        expect(res.stderr).not.toMatch(/regdesk: .*cancelled/);
      } finally {
        await Promise.all([from.close(), to.close()]);
      }
    });
  });
});

describe('help and version', () => {
  it('--help lists the commands; help COMMAND shows one; --version prints the version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['catalog', 'tags', 'digest', 'manifest', 'config', 'platforms', 'exists', 'cp', 'login', 'logout']) expect(help.stdout).toContain(`  ${name}`);
    expect((await cli(['help', 'cp'])).stdout).toMatch(/^usage: regdesk cp SRC DST/);
    expect((await cli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
