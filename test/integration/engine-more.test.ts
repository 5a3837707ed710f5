/**
 * More of the engine against real registries: delete (and registries that
 * refuse it), tags sharing a digest, referrers through the tag schema,
 * mirrors, Docker Hub rate-limit headers, tag pagination through Link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import { RegistryClient } from '../../electron/registry/client';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage, type PushedImage } from '../rig/fixtures';
import { buildImage, MT, sha256 } from '../../electron/demo/images';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';

let registry: RigRegistry;
let image: PushedImage;
const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });

beforeAll(async () => {
  registry = await startRegistry();
  image = await pushImage(registry, 'app/one', 'v1', buildImage());
  const pusher = new RigPusher(registry);
  const manifest = { bytes: Buffer.from(image.manifestBase64, 'base64'), mediaType: image.mediaType };
  await pusher.putManifest('app/one', 'v1-alias', manifest);
  await pusher.putManifest('app/one', 'stable', manifest);
  await pusher.push('app/one', buildImage(), ['other']);
});
afterAll(async () => {
  await client.close();
  await registry.stop();
});

describe('delete', () => {
  it('lists every tag sharing the digest, then deletes by digest', async () => {
    const repo = { registry: registry.host, repository: 'app/one' };
    expect(await client.tagsForDigest(repo, image.digest)).toEqual(['stable', 'v1', 'v1-alias']);
    await client.deleteManifest({ ...repo, reference: image.digest });
    expect(await client.headManifest({ ...repo, reference: 'v1' }, { fresh: true })).toBeUndefined();
    expect(await client.headManifest({ ...repo, reference: 'other' }, { fresh: true })).toBeDefined();
  });

  it('refuses a tag (deletion is by digest) before sending anything', async () => {
    const err = await client.deleteManifest({ registry: registry.host, repository: 'app/one', reference: 'other' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'invalid_reference')).toBe(true);
  });

  it('reports a registry that does not allow deletes as unsupported', async () => {
    const locked = await startRegistry({ deleteEnabled: false });
    try {
      const pushed = await pushImage(locked, 'app/locked', 'v1', buildImage());
      const err = await client.deleteManifest({ registry: locked.host, repository: 'app/locked', reference: pushed.digest }).catch((e: unknown) => e);
      expect(isRegistryError(err, 'unsupported')).toBe(true);
      expect((err as Error).message).toMatch(/does not allow deleting/);
    } finally {
      await locked.stop();
    }
  });
});

describe('referrers', () => {
  it('finds a signature through the sha256-<hex> tag schema and filters by artifactType', async () => {
    const subject = await pushImage(registry, 'app/signed', 'v1', buildImage());
    const pusher = new RigPusher(registry);
    const empty = Buffer.from('{}');
    const signature = Buffer.from('not really a signature');
    await pusher.pushBlob('app/signed', empty, sha256(empty));
    await pusher.pushBlob('app/signed', signature, sha256(signature));
    const artifactType = 'application/vnd.dev.cosign.artifact.sig.v1+json';
    const artifact = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: sha256(signature), size: signature.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: Buffer.from(subject.manifestBase64, 'base64').length },
    }));
    await pusher.putManifest('app/signed', sha256(artifact), { bytes: artifact, mediaType: MT.ociManifest });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, digest: sha256(artifact), size: artifact.length, artifactType }] }));
    await pusher.putManifest('app/signed', `sha256-${subject.digest.slice(7)}`, { bytes: index, mediaType: MT.ociIndex });

    const found = await client.referrers({ registry: registry.host, repository: 'app/signed', digest: subject.digest });
    expect(found.source).toBe('tag-schema');
    expect(found.referrers.map((d) => d.digest)).toEqual([sha256(artifact)]);
    const filtered = await client.referrers({ registry: registry.host, repository: 'app/signed', digest: subject.digest }, { artifactType: 'application/spdx+json' });
    expect(filtered.referrers).toEqual([]);
    const none = await client.referrers({ registry: registry.host, repository: 'app/one', digest: image.digest });
    expect(none).toEqual({ referrers: [], source: 'none' });
  });
});

describe('mirrors', () => {
  let origin: FaultProxy;
  let mirrorRegistry: RigRegistry;
  let mirror: FaultProxy;
  beforeAll(async () => {
    mirrorRegistry = await startRegistry();
    await pushImage(mirrorRegistry, 'app/mirrored', 'v1', buildImage());
    await pushImage(registry, 'app/mirrored', 'v1', buildImage());
    await pushImage(registry, 'app/origin-only', 'v1', buildImage());
    [origin, mirror] = await Promise.all([startFaultProxy(registry.url), startFaultProxy(mirrorRegistry.url)]);
  });
  afterAll(async () => {
    await Promise.all([origin.close(), mirror.close()]);
    await mirrorRegistry.stop();
  });

  it('reads from the mirror first, falls back to the origin, and writes to the origin only', async () => {
    const mirrored = new RegistryClient({ hostConfig: (host) => (host === origin.host ? { mirrors: [mirror.url] } : undefined), cache: false });
    try {
      const fromMirror = await mirrored.getManifest({ registry: origin.host, repository: 'app/mirrored', reference: 'v1' });
      expect(mirror.requests.some((r) => r.path === '/v2/app/mirrored/manifests/v1')).toBe(true);
      expect(origin.requests.some((r) => r.path.includes('/manifests/'))).toBe(false);

      await mirrored.getManifest({ registry: origin.host, repository: 'app/origin-only', reference: 'v1' });
      expect(origin.requests.some((r) => r.path === '/v2/app/origin-only/manifests/v1')).toBe(true);

      await mirrored.putManifest({ registry: origin.host, repository: 'app/mirrored', reference: 'copy' }, fromMirror.bytes, fromMirror.mediaType).catch(() => undefined);
      expect(mirror.requests.some((r) => r.method === 'PUT')).toBe(false);
      expect(origin.requests.some((r) => r.method === 'PUT' && r.path === '/v2/app/mirrored/manifests/copy')).toBe(true);
    } finally {
      await mirrored.close();
    }
  });
});

describe('headers the registry sends', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(registry.url);
  });
  afterAll(() => proxy.close());

  it('reads Docker Hub rate-limit headers', async () => {
    proxy.add({ path: /\/manifests\//, action: { kind: 'header', headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' } } });
    const c = new RegistryClient();
    await c.headManifest({ registry: proxy.host, repository: 'app/one', reference: 'other' });
    expect(c.rateLimit(proxy.host)).toMatchObject({ limit: 100, remaining: 76, windowSeconds: 21600 });
    await c.close();
  });

  it('follows tag pagination through Link headers to the end', async () => {
    // Debian's distribution does not paginate tags; the proxy answers page one with a Link to page two.
    await new RigPusher(registry).push('app/paged', buildImage(), ['a1', 'a2', 'b1', 'b2']);
    proxy.add({
      path: /\/v2\/app\/paged\/tags\/list\?n=/,
      action: { kind: 'status', status: 200, body: JSON.stringify({ name: 'app/paged', tags: ['a1', 'a2'] }), headers: { link: '</v2/app/paged/tags/list?last=a2&page=2>; rel="next"' } },
    });
    proxy.add({ path: /page=2/, action: { kind: 'status', status: 200, body: JSON.stringify({ name: 'app/paged', tags: ['b1', 'b2'] }) } });
    const c = new RegistryClient({ cache: false });
    const pages: string[][] = [];
    for await (const page of c.tagPages({ registry: proxy.host, repository: 'app/paged' }, { pageSize: 2 })) pages.push(page);
    await c.close();
    expect(pages).toEqual([['a1', 'a2'], ['b1', 'b2']]);
  });
});
