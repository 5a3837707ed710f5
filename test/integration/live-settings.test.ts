/**
 * A registry's settings edited while the app runs take effect at once: its CA,
 * its insecure flag (plain HTTP allowed), and mirrors in a hand-edited
 * registries.json. Through `regdesk serve` (the built CLI: the same handler
 * table and the same settings wiring as the desktop app's main process), with
 * real registries; nothing is restarted between the edits.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../electron/demo/images';
import { startFaultProxy } from '../rig/fault-proxy';
import { networkAddress } from '../rig/network-address';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cliEnv, startServe, type Serve } from '../helpers/cli';

let tls: RigRegistry;
let plain: RigRegistry;
let serve: Serve;
let configDir: string;
let home: string;

beforeAll(async () => {
  [tls, plain] = await Promise.all([startRegistry({ tls: true }), startRegistry()]);
  await new RigPusher(plain).push('team/app', buildImage(), ['v1']);
  const env = cliEnv();
  configDir = env.REGDESK_CONFIG_DIR!;
  home = env.HOME!;
  serve = await startServe([], { env });
});
afterAll(async () => {
  await serve?.stop();
  await Promise.all([tls?.stop(), plain?.stop()]);
});

const rpc = (channel: string, body: unknown): Promise<any> => serve.rpc(channel, body);

describe('registry settings edited while serve runs', () => {
  it('a CA file added to a TLS registry is used at once, and dropped with the registry', async () => {
    const before = await rpc('registries.ping', { host: tls.host });
    expect(before).toMatchObject({ ok: false, error: { code: 'network', message: expect.stringMatching(/TLS certificate not trusted/) } });

    expect(await rpc('registries.add', { host: tls.host, caFile: tls.caFile })).toMatchObject({ ok: true });
    expect(await rpc('registries.ping', { host: tls.host })).toEqual({ ok: true, result: { ok: true } });

    expect(await rpc('registries.remove', { host: tls.host })).toMatchObject({ ok: true, result: { removed: true } });
    expect(await rpc('registries.ping', { host: tls.host })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/TLS certificate not trusted/) } });
  });

  it.each([
    ['a named pipe', (): string => {
      const path = join(home, 'ca.pipe');
      execFileSync('mkfifo', [path]);
      return path;
    }, /is a named pipe \(FIFO\), not a regular file/],
    ['/dev/zero', (): string => '/dev/zero', /is a device, not a regular file/],
    ['a directory', (): string => home, /is a directory, not a regular file/],
  ])('a CA file that is %s is refused at once when the registry is added, and nothing is saved', async (_name, make, problem) => {
    const path = make();
    const added = await rpc('registries.add', { host: tls.host, caFile: path });
    expect(added).toMatchObject({ ok: false, error: { code: 'usage', registry: tls.host, message: expect.stringContaining(`${tls.host}: the CA file ${path} cannot be used: `) } });
    expect(added.error.message).toMatch(problem);
    const listed = await rpc('registries.list', {});
    expect(listed.ok).toBe(true);
    expect(listed.result.map((r: { host: string }) => r.host)).not.toContain(tls.host);
  });

  // Plain HTTP is always allowed to loopback; a registry on this machine's network address shows the insecure flag at work.
  it('the insecure flag switched on allows plain HTTP at once; switched off, the remembered http is forgotten', async () => {
    const onNetwork = await startFaultProxy(plain.url, { address: networkAddress() });
    try {
      const host = onNetwork.host;
      expect(await rpc('registries.ping', { host })).toMatchObject({ ok: false, error: { code: 'network' } });
      expect(await rpc('registries.add', { host, insecure: true })).toMatchObject({ ok: true, result: { insecure: true } });
      expect(await rpc('registries.ping', { host })).toEqual({ ok: true, result: { ok: true } });
      expect(await rpc('tags.list', { registry: host, repository: 'team/app' })).toEqual({ ok: true, result: { tags: ['v1'] } });
      const plainRequests = onNetwork.requests.length;
      expect(plainRequests).toBeGreaterThan(0);

      expect(await rpc('registries.update', { host, insecure: false })).toMatchObject({ ok: true, result: { insecure: false } });
      expect(await rpc('registries.ping', { host })).toMatchObject({ ok: false, error: { code: 'network' } });
      // Nothing more went over plain HTTP once the flag was off.
      expect(onNetwork.requests.length).toBe(plainRequests);
    } finally {
      await onNetwork.close();
    }
  });

  it('mirrors written to registries.json by hand are used without a restart', async () => {
    const mirror = await startFaultProxy(plain.url);
    try {
      expect(await rpc('tags.list', { registry: plain.host, repository: 'team/app' })).toMatchObject({ ok: true });
      expect(mirror.requests).toEqual([]);
      writeFileSync(join(configDir, 'registries.json'), JSON.stringify({ mirrors: { [plain.host]: [`http://${mirror.host}`] } }));
      // The file is noticed by a watcher: ask (each time for a listing not cached yet) until the mirror is asked
      // (no count or deadline of its own: the test's timeout bounds a watcher that never notices).
      for (let i = 0; mirror.requests.length === 0; i++) {
        await rpc('tags.list', { registry: plain.host, repository: `team/probe${i}` });
        if (mirror.requests.length === 0) await sleep(25);
      }
      expect(mirror.requests.map((r) => r.path)).toContainEqual(expect.stringMatching(/^\/v2\/team\/probe\d+\/tags\/list/));
    } finally {
      await mirror.close();
    }
  });
});
