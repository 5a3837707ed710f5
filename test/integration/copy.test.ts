/**
 * The copy engine against real registries: multi-platform copies across
 * registries and auth kinds, platform subsets, mounts, idempotence, cancel,
 * chunked uploads, and referrers through the tag schema.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CopyProgress } from '../../shared/copy';
import { isRegistryError } from '../../shared/errors';
import { RegistryClient } from '../../electron/registry/client';
import { copyImage } from '../../electron/registry/copy/copy';
import { planCopy } from '../../electron/registry/copy/plan';
import type { Descriptor } from '../../electron/registry/api/manifest-types';
import { buildImage, defaultLayers } from '../../electron/demo/images';
import { pushImage, type PushedImage } from '../rig/fixtures';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushSignature, putReferrersIndex, referrersTagOf } from '../rig/referrers';
import { RigPusher } from '../rig/push';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY } from '../rig/token-server';
import { openUploads } from '../helpers/uploads';

const run = promisify(execFile);
const rig = inject('rig');
const sourceHost = rig.registry.host;
const multi = rig.fixtures.multi;

let basic: RigRegistry;
let token: RigRegistry;
let client: RegistryClient;

const credentials: Record<string, { username: string; password: string }> = {};

beforeAll(async () => {
  [basic, token] = await Promise.all([startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } }), startRegistry({ auth: { kind: 'token' } })]);
  credentials[basic.host] = { username: 'tester', password: DEFAULT_BASIC_USERS.tester };
  credentials[token.host] = { username: 'admin', password: DEFAULT_TOKEN_POLICY.users.admin!.password };
  client = new RegistryClient({ credentials: async (host) => credentials[host], retry: { attempts: 2, baseDelayMs: 10 } });
});
afterAll(async () => {
  await client.close();
  await Promise.all([basic.stop(), token.stop()]);
});

describe('multi-platform copy', () => {
  for (const kind of ['basic', 'token'] as const) {
    it(`copies the OCI index to the ${kind} registry with every digest identical`, async () => {
      const dest = kind === 'basic' ? basic : token;
      const progress: CopyProgress[] = [];
      const { plan, result } = await copyImage(client, {
        source: { registry: sourceHost, repository: multi.repo, reference: multi.tag },
        destination: { registry: dest.host, repository: 'copies/multi', tag: 'v1' },
      }, { onProgress: (p) => progress.push(p) });
      expect(result.digest).toBe(multi.digest);
      expect(plan.summary.platforms.map((p) => `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}`)).toEqual(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
      expect(result.blobs).toBe(multi.blobDigests.length);
      expect(result.bytesTransferred).toBe(multi.totalBlobBytes);
      const top = await client.getManifest({ registry: dest.host, repository: 'copies/multi', reference: 'v1' });
      expect(top.bytes.toString('base64')).toBe(multi.manifestBase64);
      for (const child of multi.children) {
        const copied = await client.getManifest({ registry: dest.host, repository: 'copies/multi', reference: child.digest });
        expect(copied.bytes.toString('base64')).toBe(child.manifestBase64);
      }
      expect(progress.at(-1)?.phase).toBe('done');
      expect(progress.at(-1)?.doneBytes).toBe(multi.totalBlobBytes);
    });
  }

  it('gives skopeo the same bytes at the destination as at the source', async () => {
    await copyImage(client, {
      source: { registry: sourceHost, repository: rig.fixtures.dockerList.repo, reference: rig.fixtures.dockerList.tag },
      destination: { registry: basic.host, repository: 'copies/dockerlist', tag: 'v1' },
    });
    const auth = `--creds=tester:${DEFAULT_BASIC_USERS.tester}`;
    const [src, dst] = await Promise.all([
      run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${sourceHost}/${rig.fixtures.dockerList.repo}:1.0`], { encoding: 'buffer' }),
      run('skopeo', ['inspect', '--raw', '--tls-verify=false', auth, `docker://${basic.host}/copies/dockerlist:v1`], { encoding: 'buffer' }),
    ]);
    expect(dst.stdout.equals(src.stdout)).toBe(true);
    const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', auth, '--override-arch', 'arm64', `docker://${basic.host}/copies/dockerlist:v1`]);
    expect(JSON.parse(stdout).Architecture).toBe('arm64');
  });

  it('copies again with nothing to transfer', async () => {
    const again = await copyImage(client, {
      source: { registry: sourceHost, repository: multi.repo, reference: multi.tag },
      destination: { registry: basic.host, repository: 'copies/multi', tag: 'v1' },
    });
    expect(again.result.bytesTransferred).toBe(0);
    expect(again.result.skipped).toBe(multi.blobDigests.length);
    expect(again.plan.summary.bytesToTransfer).toBe(0);
  });
});

describe('platform choice', () => {
  it('pushes a single platform as that platform’s manifest under the tag', async () => {
    const { result } = await copyImage(client, {
      source: { registry: sourceHost, repository: multi.repo, reference: multi.tag },
      destination: { registry: basic.host, repository: 'copies/arm64', tag: 'only' },
      platforms: [{ os: 'linux', architecture: 'arm64' }],
    });
    expect(result.digest).toBe(multi.children[1]!.digest);
    const head = await client.headManifest({ registry: basic.host, repository: 'copies/arm64', reference: 'only' }, { fresh: true });
    expect(head?.digest).toBe(multi.children[1]!.digest);
    expect(head?.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('builds a subset index whose digest is the same on every run, platforms sorted', async () => {
    const request = {
      source: { registry: sourceHost, repository: multi.repo, reference: multi.tag },
      platforms: [{ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'amd64' }],
    };
    const first = await copyImage(client, { ...request, destination: { registry: basic.host, repository: 'copies/subset', tag: 'a' } });
    const second = await copyImage(client, { ...request, destination: { registry: token.host, repository: 'copies/subset', tag: 'b' } });
    expect(first.result.digest).toBe(second.result.digest);
    expect(first.result.digest).not.toBe(multi.digest);
    const index = await client.getManifest({ registry: token.host, repository: 'copies/subset', reference: 'b' });
    expect(index.digest).toBe(first.result.digest);
    const entries = (index.parsed as { manifests: Array<{ digest: string; platform: { architecture: string } }> }).manifests;
    // amd64 and arm/v7 sorted, then the amd64 attestation.
    expect(entries.map((e) => e.platform.architecture)).toEqual(['amd64', 'arm', 'unknown']);
    expect(entries[0]!.digest).toBe(multi.children[0]!.digest);
  });

  it('refuses a platform the image lacks, naming what exists', async () => {
    const err = await copyImage(client, {
      source: { registry: sourceHost, repository: multi.repo, reference: multi.tag },
      destination: { registry: basic.host, repository: 'copies/none', tag: 'x' },
      platforms: [{ os: 'linux', architecture: 's390x' }],
    }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'not_found')).toBe(true);
    expect((err as Error).message).toContain('available: linux/amd64, linux/arm64/v8, linux/arm/v7');
    expect(await client.headManifest({ registry: basic.host, repository: 'copies/none', reference: 'x' }, { fresh: true })).toBeUndefined();
  });
});

describe('mounts within one registry', () => {
  it('mounts every blob across repositories: zero bytes transferred', async () => {
    await copyImage(client, {
      source: { registry: sourceHost, repository: multi.repo, reference: multi.tag },
      destination: { registry: token.host, repository: 'team/origin', tag: 'v1' },
    });
    const { plan, result } = await copyImage(client, {
      source: { registry: token.host, repository: 'team/origin', reference: 'v1' },
      destination: { registry: token.host, repository: 'team/mounted', tag: 'v1' },
    });
    expect(plan.summary.blobs.every((b) => b.action === 'mount')).toBe(true);
    expect(result.bytesTransferred).toBe(0);
    expect(result.mounted).toBe(multi.blobDigests.length);
    expect((await client.getManifest({ registry: token.host, repository: 'team/mounted', reference: 'v1' })).digest).toBe(multi.digest);
  });
});

describe('cancel', () => {
  let source: RigRegistry;
  beforeAll(async () => {
    source = await startRegistry();
    const platform = { os: 'linux', architecture: 'amd64' };
    await pushImage(source, 'big/image', 'v1', buildImage({ layers: defaultLayers(platform, 4, 24 * 1024 * 1024) }));
  });
  afterAll(() => source.stop());

  it('can see an open upload session (control for the check below)', async () => {
    const res = await new RigPusher(basic).call('POST', '/v2/copies/control/blobs/uploads/', ['copies/control']);
    await res.body.dump();
    expect(await openUploads(basic, 'copies/control')).toHaveLength(1);
  });

  it('stops every transfer, deletes the upload sessions and writes no tag', async () => {
    const controller = new AbortController();
    let sawBytes = false;
    const err = await copyImage(client, {
      source: { registry: source.host, repository: 'big/image', reference: 'v1' },
      destination: { registry: basic.host, repository: 'copies/cancelled', tag: 'v1' },
    }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (!sawBytes && p.doneBytes > 0) {
          sawBytes = true;
          controller.abort();
        }
      },
    }).catch((e: unknown) => e);
    expect(sawBytes).toBe(true);
    expect(isRegistryError(err, 'cancelled')).toBe(true);
    expect(await client.headManifest({ registry: basic.host, repository: 'copies/cancelled', reference: 'v1' }, { fresh: true })).toBeUndefined();
    const sessions = await readdir(join(basic.storageDir, 'docker/registry/v2/repositories/copies/cancelled/_uploads')).catch(() => []);
    expect(sessions.length).toBeGreaterThan(0); // uploads had started…
    expect(await openUploads(basic, 'copies/cancelled')).toEqual([]); // …and none is left open
  });
});

describe('chunked uploads', () => {
  it('sends large blobs in Content-Range PATCH chunks with identical digests', async () => {
    const source = await startRegistry();
    try {
      const image = buildImage({ layers: defaultLayers({ os: 'linux', architecture: 'amd64' }, 2, 3 * 1024 * 1024 + 123) });
      const pushed = await pushImage(source, 'chunky/image', 'v1', image);
      const { result } = await copyImage(client, {
        source: { registry: source.host, repository: 'chunky/image', reference: 'v1' },
        destination: { registry: token.host, repository: 'copies/chunky', tag: 'v1' },
      }, { chunkedAbove: 1024 * 1024, chunkSize: 512 * 1024 });
      expect(result.bytesTransferred).toBe(pushed.totalBlobBytes);
      expect((await client.getManifest({ registry: token.host, repository: 'copies/chunky', reference: 'v1' })).digest).toBe(pushed.digest);
      for (const digest of pushed.blobDigests) {
        const { stream } = await client.getBlob({ registry: token.host, repository: 'copies/chunky', digest });
        for await (const _ of stream) void _; // verified on the fly: a wrong byte would throw
      }
    } finally {
      await source.stop();
    }
  });
});

describe('referrers through the tag schema (registries without the referrers API)', () => {
  let source: RigRegistry;
  let target: RigRegistry;
  let proxy: FaultProxy;
  let subject: PushedImage;
  let ours: Descriptor;
  const anonymous = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 }, cache: false });
  const subjectDescriptor = () => ({ digest: subject.digest, mediaType: subject.mediaType, size: Buffer.from(subject.manifestBase64, 'base64').length });
  const copySigned = (repository: string) => copyImage(anonymous, {
    source: { registry: source.host, repository: 'signed/app', reference: 'v1' },
    destination: { registry: proxy.host, repository, tag: 'v1' },
    referrers: true,
  });
  const listedAt = async (repository: string): Promise<string[] | undefined> => {
    const index = await anonymous.getManifest({ registry: target.host, repository, reference: referrersTagOf(subject.digest) }).catch(() => undefined);
    return index?.parsed.kind === 'index' ? index.parsed.manifests.map((d) => d.digest) : undefined;
  };

  beforeAll(async () => {
    [source, target] = await Promise.all([startRegistry(), startRegistry()]);
    proxy = await startFaultProxy(target.url);
    subject = await pushImage(source, 'signed/app', 'v1', buildImage());
    ours = await pushSignature(source, 'signed/app', subjectDescriptor(), 'signed at the source');
    await putReferrersIndex(source, 'signed/app', subject.digest, [ours]);
  });
  afterAll(async () => {
    await anonymous.close();
    await proxy.close();
    await Promise.all([source.stop(), target.stop()]);
  });

  it('pushes the sha256-<hex> index after the image, merged with the one the destination already has', async () => {
    const theirs = await pushSignature(target, 'signed/merged', subjectDescriptor(), 'signed at the destination');
    await putReferrersIndex(target, 'signed/merged', subject.digest, [theirs]);
    proxy.clear();
    await copySigned('signed/merged');
    expect(await listedAt('signed/merged')).toEqual([theirs.digest, ours.digest]);
    const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/')).map((r) => r.path.split('/manifests/')[1]);
    expect(puts.indexOf('v1')).toBeGreaterThanOrEqual(0);
    expect(puts.indexOf(referrersTagOf(subject.digest))).toBeGreaterThan(puts.indexOf('v1'));
    // Copied again: nothing new to list, the index is left as it is.
    proxy.clear();
    await copySigned('signed/merged');
    expect(proxy.requests.some((r) => r.method === 'PUT' && r.path.endsWith(referrersTagOf(subject.digest)))).toBe(false);
    expect(await listedAt('signed/merged')).toEqual([theirs.digest, ours.digest]);
  });

  it('a copy that fails before the image is tagged leaves no referrers tag', async () => {
    proxy.clear();
    proxy.add({ method: 'PUT', path: /\/manifests\/v1$/, action: { kind: 'status', status: 400 } });
    const err = await copySigned('signed/failed').catch((e: unknown) => e);
    expect(isRegistryError(err), String(err)).toBe(true);
    expect(await listedAt('signed/failed')).toBeUndefined();
    expect(await anonymous.headManifest({ registry: target.host, repository: 'signed/failed', reference: 'v1' }, { fresh: true })).toBeUndefined();
  });

  it('an index that cannot be pushed once the image is tagged is a warning in the result, not a failed copy', async () => {
    proxy.clear();
    proxy.add({ method: 'PUT', path: new RegExp(`/manifests/${referrersTagOf(subject.digest)}$`), action: { kind: 'status', status: 400 } });
    const { result } = await copySigned('signed/late');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings![0]).toMatch(new RegExp(`referrers index .*signed/late:${referrersTagOf(subject.digest)} was not updated`));
    expect((await anonymous.headManifest({ registry: target.host, repository: 'signed/late', reference: 'v1' }, { fresh: true }))?.digest).toBe(subject.digest);
    expect(await listedAt('signed/late')).toBeUndefined();
  });
});

describe('plan', () => {
  it('lists what exists, what can be mounted and what must travel, without writing', async () => {
    const plan = await planCopy(client, {
      source: { registry: sourceHost, repository: multi.repo, reference: multi.tag },
      destination: { registry: basic.host, repository: 'copies/multi', tag: 'dry' },
    });
    expect(plan.summary.bytesToTransfer).toBe(0);
    expect(plan.summary.bytesPresent).toBe(multi.totalBlobBytes);
    expect(plan.summary.manifests.at(-1)).toMatchObject({ digest: multi.digest, role: 'index', exists: true });
    expect(await client.headManifest({ registry: basic.host, repository: 'copies/multi', reference: 'dry' }, { fresh: true })).toBeUndefined();
  });
});
