/**
 * Update checks on a real registry: version rules on the tag set,
 * digest changes after a re-push, a platform that did not change inside a
 * changed index, and the cost (one HEAD per image for a digest check).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/registry/client';
import { parseReference } from '../../electron/registry/reference';
import { checkUpdates } from '../../electron/registry/update/check';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { buildImage, buildIndex } from '../../electron/demo/images';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli } from '../helpers/cli';

const TAGS = ['0.9', '1.0', '1.0.1', '1.1', '1.10', '2.0', '2.0.0-rc1', '1.1-alpine', '2.0-alpine', 'latest', 'sha-3f2a9c1'];

let registry: RigRegistry;
let proxy: FaultProxy;
let pusher: RigPusher;
const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });
const ref = (text: string) => parseReference(`${proxy.host}/${text}`);

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
  pusher = new RigPusher(registry);
  await pusher.push('watch/app', buildImage(), TAGS);
});
afterAll(async () => {
  await client.close();
  await proxy.close();
  await registry.stop();
});

describe('version updates', () => {
  it('follows the rules on the issue’s tag set', async () => {
    const results = await checkUpdates(client, [
      { image: ref('watch/app:1.0'), rule: 'version' },
      { image: ref('watch/app:1.1-alpine'), rule: 'version' },
      { image: ref('watch/app:2.0'), rule: 'version' },
    ], { explain: true });
    expect(results.map((r) => [r.tag, r.newerVersions, r.latestVersion])).toEqual([
      ['1.0', ['1.1', '1.10', '2.0'], '2.0'],
      ['1.1-alpine', ['2.0-alpine'], '2.0-alpine'],
      ['2.0', [], null],
    ]);
    const why = Object.fromEntries(results[0]!.verdicts!.map((v) => [v.tag, v.reason]));
    expect(why).toMatchObject({ '1.0.1': '3 version parts, 1.0 has 2', '2.0.0-rc1': '3 version parts, 1.0 has 2', '0.9': 'not newer', latest: 'not a version', 'sha-3f2a9c1': 'not a version', '2.0-alpine': 'suffix -alpine differs' });
  });

  it('lists the tags once per repository, however many images of it are watched', async () => {
    proxy.clear();
    await checkUpdates(client, [{ image: ref('watch/app:1.0'), rule: 'version' }, { image: ref('watch/app:2.0'), rule: 'version' }]);
    expect(proxy.requests.filter((r) => r.path.includes('/tags/list'))).toHaveLength(1);
  });
});

describe('digest updates', () => {
  it('reports a tag that moved after a re-push, and nothing before', async () => {
    await pusher.push('watch/moving', buildImage(), ['latest']);
    const [first] = await checkUpdates(client, [{ image: ref('watch/moving:latest'), rule: 'digest' }]);
    expect(first!.digestChanged).toBe(false);
    const recorded = first!.remoteDigest!;
    const [same] = await checkUpdates(client, [{ image: ref('watch/moving:latest'), digest: recorded, rule: 'digest' }]);
    expect(same!.digestChanged).toBe(false);

    const next = buildImage();
    await pusher.push('watch/moving', next, ['latest']);
    const [moved] = await checkUpdates(client, [{ image: ref('watch/moving:latest'), digest: recorded, rule: 'digest' }]);
    expect(moved).toMatchObject({ digestChanged: true, currentDigest: recorded, remoteDigest: next.digest });
  });

  it('an index that changed while the watched platform did not is no update for that platform', async () => {
    const amd64 = buildImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const arm64 = buildImage({ platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const before = buildIndex([amd64, arm64]);
    await pusher.push('watch/multi', before, ['latest']);
    const armNew = buildImage({ platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const after = buildIndex([amd64, armNew]);
    await pusher.push('watch/multi', after, ['latest']);

    const results = await checkUpdates(client, [
      { image: ref('watch/multi:latest'), platform: { os: 'linux', architecture: 'amd64' }, digest: amd64.digest, rule: 'digest' },
      { image: ref('watch/multi:latest'), platform: { os: 'linux', architecture: 'arm64' }, digest: arm64.digest, rule: 'digest' },
      { image: ref('watch/multi:latest'), digest: before.digest, rule: 'digest' },
    ]);
    expect(results.map((r) => r.digestChanged)).toEqual([false, true, true]);
    expect(results[1]!.remoteDigest).toBe(armNew.digest);
  });

  it('costs exactly one HEAD per image for a digest-only check', async () => {
    const names = ['one', 'two', 'three', 'four', 'five'];
    for (const n of names) await pusher.push(`watch/${n}`, buildImage(), ['1.0']);
    const fresh = new RegistryClient();
    await fresh.ping(proxy.host); // settle the http/https question first: not part of a check
    proxy.clear();
    const results = await checkUpdates(fresh, names.map((n) => ({ image: ref(`watch/${n}:1.0`), rule: 'digest' as const })));
    await fresh.close();
    expect(results.every((r) => r.remoteDigest && !r.error)).toBe(true);
    expect(proxy.requests.map((r) => r.method)).toEqual(names.map(() => 'HEAD'));
  });

  it('an unknown image is an error in its result, not a failed run', async () => {
    const results = await checkUpdates(client, [{ image: ref('watch/app:1.0'), rule: 'digest' }, { image: ref('watch/missing:1.0'), rule: 'digest' }]);
    expect(results[0]!.error).toBeUndefined();
    expect(results[1]!.remoteDigest).toBeNull();
    expect(results[1]!.error).toMatchObject({ code: 'not_found' });
  });
});

describe('regdesk check', () => {
  it('prints the JSON shape and exits 0 with or without updates', async () => {
    const res = await cli(['check', `${registry.host}/watch/app:1.0`, '--digest', `sha256:${'0'.repeat(64)}`, '--json']);
    expect(res.code).toBe(0);
    const [result] = JSON.parse(res.stdout);
    expect(Object.keys(result).sort()).toEqual(['currentDigest', 'digestChanged', 'image', 'latestVersion', 'newerVersions', 'platform', 'remoteDigest', 'tag']);
    expect(result).toMatchObject({ tag: '1.0', currentDigest: `sha256:${'0'.repeat(64)}`, digestChanged: true, newerVersions: ['1.1', '1.10', '2.0'], latestVersion: '2.0', platform: null });
    const text = await cli(['check', `${registry.host}/watch/app:2.0`]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim()).toBe(`${registry.host}/watch/app:2.0: up to date`);
  });
});
