/**
 * Mirrors answer reads, never a destination's existence checks: a copy or a
 * sync INTO a registry that has a mirror asks the registry itself whether it
 * holds each blob and manifest, even when the mirror holds them all (a mirror's
 * "yes" would make the copy skip what the destination lacks). Real registries:
 * a source, a destination, and a mirror behind a recording proxy.
 */
import { rootCertificates } from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allBlobs, buildImage, buildMultiPlatform, type RigManifest } from '../../electron/demo/images';
import { RegistryClient } from '../../electron/registry/client';
import type { RegistryHostConfig } from '../../electron/registry/transport/types';
import { MANIFEST_ACCEPT } from '../../electron/registry/media-types';
import { copyImage } from '../../electron/registry/copy/copy';
import { syncRepository } from '../../electron/registry/copy/sync';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushSignature, putReferrersIndex, referrersTagOf } from '../rig/referrers';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';

let source: RigRegistry;
let destination: RigRegistry;
let mirror: RigRegistry;
let mirrorProxy: FaultProxy;
let client: RegistryClient;
const image: RigManifest = buildMultiPlatform('oci');
const versions = [buildImage(), buildImage()];

beforeAll(async () => {
  [source, destination, mirror] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  mirrorProxy = await startFaultProxy(mirror.url);
  // The mirror holds everything the source has, under the destination's names too: a fully warm cache.
  for (const registry of [source, mirror]) {
    const pusher = new RigPusher(registry);
    await pusher.push('app/multi', image, ['1.0']);
    await pusher.push('app/versions', versions[0]!, ['v1']);
    await pusher.push('app/versions', versions[1]!, ['v2']);
  }
  const mirrorPusher = new RigPusher(mirror);
  await mirrorPusher.push('copied/multi', image, ['1.0']);
  await mirrorPusher.push('synced/versions', versions[0]!, ['v1']);
  await mirrorPusher.push('synced/versions', versions[1]!, ['v2']);
  client = new RegistryClient({
    hostConfig: (host) => (host === destination.host ? { mirrors: [`http://${mirrorProxy.host}`] } : undefined),
    retry: { attempts: 2, baseDelayMs: 10 },
  });
});
afterAll(async () => {
  await client?.close();
  await mirrorProxy?.close();
  await Promise.all([source?.stop(), destination?.stop(), mirror?.stop()]);
});
beforeEach(() => mirrorProxy.clear());

/** Asks the destination registry directly (no regdesk code in between). */
async function destinationHas(path: string): Promise<boolean> {
  const res = await request(`${destination.url}${path}`, { method: 'HEAD', dispatcher: destination.dispatcher, headers: { accept: MANIFEST_ACCEPT } });
  await res.body.dump();
  return res.statusCode === 200;
}

describe('a destination with a mirror', () => {
  it('a copy uploads every blob and manifest the destination lacks, though the mirror holds them all; the mirror is never asked', async () => {
    const { plan, result } = await copyImage(client, {
      source: { registry: source.host, repository: 'app/multi', reference: '1.0' },
      destination: { registry: destination.host, repository: 'copied/multi', tag: '1.0' },
      platforms: 'all',
    });
    expect(plan.blobs.filter((b) => b.action === 'exists')).toEqual([]);
    expect(plan.manifests.filter((m) => m.exists)).toEqual([]);
    expect(result.digest).toBe(image.digest);
    for (const blob of allBlobs(image)) expect(await destinationHas(`/v2/copied/multi/blobs/${blob.digest}`), blob.digest).toBe(true);
    for (const child of image.children) expect(await destinationHas(`/v2/copied/multi/manifests/${child.digest}`), child.digest).toBe(true);
    expect(await destinationHas('/v2/copied/multi/manifests/1.0')).toBe(true);
    expect(mirrorProxy.requests).toEqual([]);

    // The mirror is configured and working: an ordinary read of the destination is answered by it.
    await client.getManifest({ registry: destination.host, repository: 'copied/multi', reference: image.children[0]!.digest });
    expect(mirrorProxy.requests.map((r) => `${r.method} ${r.path}`)).toContain(`GET /v2/copied/multi/manifests/${image.children[0]!.digest}`);
  });

  it('a sync copies the tags the destination lacks, though the mirror has them', async () => {
    const result = await syncRepository(client, {
      source: { registry: source.host, repository: 'app/versions' },
      destination: { registry: destination.host, repository: 'synced/versions' },
    });
    expect(result.present).toEqual([]);
    expect(result.copied.map((c) => c.destination.split(':').pop()).sort()).toEqual(['v1', 'v2']);
    for (const tag of ['v1', 'v2']) expect(await destinationHas(`/v2/synced/versions/manifests/${tag}`), tag).toBe(true);
    expect(mirrorProxy.requests).toEqual([]);
  });

  it('referrers through the tag schema are merged with the index the destination has, not the mirror\'s', async () => {
    const signed = buildImage();
    const subject = { digest: signed.digest, mediaType: signed.mediaType, size: signed.bytes.length };
    await new RigPusher(source).push('app/signed', signed, ['v1']);
    const ours = await pushSignature(source, 'app/signed', subject, 'signed at the source');
    await putReferrersIndex(source, 'app/signed', signed.digest, [ours]);
    // The mirror lists another signature under the destination's name, one the destination never had.
    await new RigPusher(mirror).push('signed/app', signed, ['v1']);
    const theirs = await pushSignature(mirror, 'signed/app', subject, 'only on the mirror');
    await putReferrersIndex(mirror, 'signed/app', signed.digest, [theirs]);

    await copyImage(client, {
      source: { registry: source.host, repository: 'app/signed', reference: 'v1' },
      destination: { registry: destination.host, repository: 'signed/app', tag: 'v1' },
      referrers: true,
    });
    const index = await new RegistryClient({ cache: false }).getManifest({ registry: destination.host, repository: 'signed/app', reference: referrersTagOf(signed.digest) });
    expect(index.parsed.kind === 'index' && index.parsed.manifests.map((d) => d.digest)).toEqual([ours.digest]);
    expect(mirrorProxy.requests).toEqual([]);
  });

  it('headManifest({ mirrorable: false }) is the registry\'s own answer; by default a read may come from the mirror', async () => {
    const target = { registry: destination.host, repository: 'synced/versions', reference: 'v1' };
    const lacking = { ...target, repository: 'only-on-mirror/none' };
    await new RigPusher(mirror).push('only-on-mirror/none', versions[0]!, ['v1']);
    expect(await client.headManifest(lacking, { fresh: true, mirrorable: false })).toBeUndefined();
    expect(mirrorProxy.requests).toEqual([]);
    expect(await client.headManifest(lacking, { fresh: true })).toMatchObject({ digest: versions[0]!.digest });
    expect(mirrorProxy.requests.map((r) => r.method)).toEqual(['HEAD']);
    // A blob HEAD is always an existence check: never a mirror's.
    expect(await client.headBlob({ ...lacking, digest: versions[0]!.blobs[0]!.digest })).toBeUndefined();
    expect(await client.headManifest(target, { fresh: true, mirrorable: false })).toMatchObject({ digest: versions[0]!.digest });
    expect(mirrorProxy.requests).toHaveLength(1);
  });
});

describe("a mirror's own settings", () => {
  it('changed while the client runs apply to the mirror at once: what was learned about it (plain HTTP) is forgotten', async () => {
    let mirrorConfig: RegistryHostConfig | undefined;
    const watching = new RegistryClient({
      hostConfig: (host) => (host === source.host ? { mirrors: [`http://${mirrorProxy.host}`] } : host === mirrorProxy.host ? mirrorConfig : undefined),
      retry: { attempts: 1 },
    });
    const read = () => watching.getManifest({ registry: source.host, repository: 'app/versions', reference: 'v1' });
    try {
      expect((await read()).digest).toBe(versions[0]!.digest);
      expect(mirrorProxy.requests.length, 'answered by the mirror, over plain HTTP').toBeGreaterThan(0);
      mirrorProxy.clear();
      // The mirror gets its own CA: from now on it is spoken to over verified TLS only, never plain HTTP.
      mirrorConfig = { ca: rootCertificates[0]! };
      expect((await read()).digest).toBe(versions[0]!.digest);
      expect(mirrorProxy.requests, 'the origin answered; the mirror saw a TLS handshake at most').toEqual([]);
    } finally {
      await watching.close();
    }
  });
});
