/**
 * `tags.details` over `regdesk serve` against a real registry behind the fault
 * proxy: digest, platforms, size and age per tag from one manifest read each
 * (and the config for the age); a malformed manifest and a missing tag answer
 * their own typed errors while the other tags are read; a cancel stops the
 * reads; more tags than a screenful are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TAG_DETAILS, type TagDetailResult } from '../../shared/contract';
import { buildImage, buildMultiPlatform, type RigManifest } from '../../electron/demo/images';
import { tagDetails } from '../../electron/ipc/tag-details';
import { RegistryClient } from '../../electron/registry/client';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { startServe, type Serve } from '../helpers/cli';

const REPO = 'team/details';
const single = buildImage({ created: '2026-03-04T05:06:07Z' });
const multi = buildMultiPlatform('oci');

let registry: RigRegistry;
let proxy: FaultProxy;
let serve: Serve;

/** Config plus layers, as a pull transfers them. */
const imageSize = (m: RigManifest): number => {
  const manifest = JSON.parse(m.bytes.toString('utf8')) as { config: { size: number }; layers: Array<{ size: number }> };
  return manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
};

const manifestReads = (tag: string) => proxy.requests.filter((r) => r.path === `/v2/${REPO}/manifests/${tag}`);

beforeAll(async () => {
  registry = await startRegistry();
  const pusher = new RigPusher(registry);
  await pusher.push(REPO, single, ['1.0']);
  await pusher.push(REPO, multi, ['2.0', 'latest']);
  proxy = await startFaultProxy(registry.url);
  // A manifest no parser can read, served as if it were an image manifest.
  proxy.add({ method: 'GET', path: /\/manifests\/broken$/, action: { kind: 'status', status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: '{"schemaVersion": 2, "config": [' } });
  serve = await startServe(['--registry', proxy.host]);
});
afterAll(async () => {
  await serve?.stop();
  await proxy?.close();
  await registry?.stop();
});

describe('tags.details', () => {
  it('answers digest, platforms, size and age per tag; a malformed or missing tag answers its own typed error', async () => {
    const answer = await serve.rpc('tags.details', { registry: proxy.host, repository: REPO, tags: ['1.0', 'broken', '2.0', 'missing', 'latest'] });
    expect(answer.ok).toBe(true);
    const details = answer.result.details as TagDetailResult[];
    const byTag = new Map(details.map((d) => [d.tag, d]));
    expect(details.map((d) => d.tag)).toEqual(['1.0', 'broken', '2.0', 'missing', 'latest']);

    expect(byTag.get('1.0')).toEqual({
      tag: '1.0', digest: single.digest, mediaType: single.mediaType, platforms: ['linux/amd64'],
      size: { min: imageSize(single), max: imageSize(single) }, created: '2026-03-04T05:06:07Z',
    });
    const sizes = multi.children.slice(0, 3).map(imageSize);
    const expectedMulti = {
      digest: multi.digest, mediaType: multi.mediaType, platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
      size: { min: Math.min(...sizes), max: Math.max(...sizes) }, created: '2026-01-02T03:04:05Z',
    };
    expect(byTag.get('2.0')).toEqual({ tag: '2.0', ...expectedMulti });
    expect(byTag.get('latest')).toEqual({ tag: 'latest', ...expectedMulti });

    const broken = byTag.get('broken') as { error: { code: string; message: string; registry?: string } };
    expect(broken.error.code).toBe('protocol');
    expect(broken.error.message).toContain(proxy.host);
    const missing = byTag.get('missing') as { error: { code: string } };
    expect(missing.error.code).toBe('not_found');

    // One manifest read per tag, never a HEAD besides it.
    for (const tag of ['1.0', 'broken', '2.0', 'missing', 'latest']) expect(manifestReads(tag).map((r) => r.method)).toEqual(['GET']);
  });

  it('refuses more tags than a screenful, and a malformed tag name is that tag\'s error', async () => {
    const many = Array.from({ length: MAX_TAG_DETAILS + 1 }, (_, i) => `t${i}`);
    const refused = await serve.rpc('tags.details', { registry: proxy.host, repository: REPO, tags: many });
    expect(refused.ok).toBe(false);
    expect(refused.error?.code).toBe('usage');
    expect(refused.error?.message).toContain('tags');

    const answer = await serve.rpc('tags.details', { registry: proxy.host, repository: REPO, tags: ['bad tag/..', '1.0'] });
    const [bad, good] = answer.result.details as TagDetailResult[];
    expect(bad).toMatchObject({ tag: 'bad tag/..', error: { code: 'invalid_reference' } });
    expect(good).toMatchObject({ tag: '1.0', digest: single.digest });
  });

  it('a cancel stops the reads: the call rejects as cancelled, not with each tag\'s error', async () => {
    const client = new RegistryClient({ cache: false });
    // The stalled manifest never arrives: only the cancel can end the call.
    proxy.add({ method: 'GET', path: /\/manifests\/stalled$/, action: { kind: 'stall', afterBytes: 0 } });
    try {
      const controller = new AbortController();
      const call = tagDetails(client, { registry: proxy.host, repository: REPO, tags: ['1.0', 'stalled'] }, controller.signal);
      await expect.poll(() => manifestReads('stalled').length).toBe(1);
      controller.abort();
      await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      await client.close();
    }
  });
});
