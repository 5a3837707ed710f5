/**
 * Sizes are promises: every blob read against a descriptor (copy, export,
 * extract, an image config) stops as soon as the registry sends more than the
 * descriptor's size, with a typed error naming the registry, repository, blob
 * and sizes, and the request closed. A real registry holds a manifest whose
 * layer descriptor claims 10 bytes for a 64 MiB blob (distribution checks only
 * that the blob exists). In front of it, the fault proxy sends one chunk past
 * the claim and then goes silent without announcing a length: a reader that
 * waited for more would hang there instead of failing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import { RegistryClient } from '../../electron/registry/client';
import { copyImage } from '../../electron/registry/copy/copy';
import { extractImage } from '../../electron/registry/archive/extract';
import { exportImage } from '../../electron/registry/copy/layout-export';
import { cli } from '../helpers/cli';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage } from '../rig/fixtures';
import { MT } from '../rig/images';
import { rawImage } from '../rig/raw-image';
import { startRegistry, type RigRegistry } from '../rig/registry';

const CLAIMED = 10;
const REAL = 64 * 1024 * 1024;
/** What the proxy sends before going silent: the claimed bytes and one more chunk. */
const SENT = CLAIMED + 64 * 1024;

let registry: RigRegistry;
let proxy: FaultProxy;
let client: RegistryClient;
let work: string;
const repo = 'lies/layer';
const layer = randomBytes(REAL);
const lying = rawImage([{ bytes: layer, mediaType: MT.ociLayerGzip, claimedSize: CLAIMED }]);
const layerDigest = lying.blobs[1]!.digest;
const layerPath = new RegExp(`/blobs/${layerDigest}$`);

beforeAll(async () => {
  registry = await startRegistry();
  await pushImage(registry, repo, 'v1', lying);
  proxy = await startFaultProxy(registry.url);
  client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });
  work = await mkdtemp(join(tmpdir(), 'regdesk-sizes-test-'));
});
afterAll(async () => {
  await client.close();
  await proxy.close();
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});
afterEach(() => proxy.clear());

const viaProxy = () => ({ registry: proxy.host, repository: repo, reference: 'v1' });

/** The error names where and what, with both sizes. */
function expectOversized(err: unknown, host: string, detail: RegExp): void {
  expect(isRegistryError(err, 'digest_mismatch'), String(err)).toBe(true);
  const message = (err as Error).message;
  expect(message).toContain(host);
  expect(message).toContain(repo);
  expect(message).toContain(layerDigest);
  expect(message).toContain(`${CLAIMED} bytes`);
  expect(message).toMatch(detail);
}

/** The layer was asked for once, the proxy sent no more than `limit`, and the client closed the request. */
async function expectStoppedEarly(limit: number): Promise<void> {
  const reads = proxy.requests.filter((r) => r.method === 'GET' && layerPath.test(r.path));
  expect(reads).toHaveLength(1);
  expect(reads[0]!.sent).toBeLessThanOrEqual(limit);
  await reads[0]!.closed;
}

/** One chunk past the claim, no Content-Length, then silence. */
const stallUnannounced = (): void => proxy.add({ method: 'GET', path: layerPath, action: { kind: 'stall', afterBytes: SENT, unannounced: true } });

describe('a registry that sends more than the descriptor says', () => {
  it('extract stops at the first chunk past the claim and writes nothing', async () => {
    stallUnannounced();
    const folder = await mkdtemp(join(work, 'extract-'));
    const err = await extractImage(client, viaProxy(), join(folder, 'out.tar')).catch((e: unknown) => e);
    expectOversized(err, proxy.host, /bytes arrived/);
    await expectStoppedEarly(SENT);
    expect(await readdir(folder)).toEqual([]);
  });

  it('copy stops at the first chunk past the claim and tags nothing', async () => {
    stallUnannounced();
    const err = await copyImage(client, { source: viaProxy(), destination: { registry: registry.host, repository: 'lies/copied', tag: 'v1' } }, { blobAttempts: 1 }).catch((e: unknown) => e);
    expectOversized(err, proxy.host, /bytes arrived/);
    await expectStoppedEarly(SENT);
    expect(await client.headManifest({ registry: registry.host, repository: 'lies/copied', reference: 'v1' }, { fresh: true })).toBeUndefined();
  });

  it('export stops at the first chunk past the claim and leaves no layout', async () => {
    stallUnannounced();
    const dest = join(work, 'exported');
    const err = await exportImage(client, viaProxy(), dest).catch((e: unknown) => e);
    expectOversized(err, proxy.host, /bytes arrived/);
    await expectStoppedEarly(SENT);
    expect(existsSync(dest)).toBe(false);
  });

  it('a Content-Length above the claim is refused before any of the body is read', async () => {
    // Announced, and nothing of the body sent: a client that waited for body bytes would hang.
    proxy.add({ method: 'GET', path: layerPath, action: { kind: 'stall', afterBytes: 0 } });
    const folder = await mkdtemp(join(work, 'announced-'));
    const err = await extractImage(client, viaProxy(), join(folder, 'out.tar')).catch((e: unknown) => e);
    expectOversized(err, proxy.host, new RegExp(`announced ${REAL}`));
    await expectStoppedEarly(0);
    expect(await readdir(folder)).toEqual([]);
  });

  it('an image config is read no further than its descriptor says', async () => {
    const image = rawImage([{ bytes: Buffer.from('layer'), mediaType: MT.ociLayerGzip }], { configClaimedSize: CLAIMED });
    await pushImage(registry, 'lies/config', 'v1', image);
    const manifest = await client.getManifest({ registry: registry.host, repository: 'lies/config', reference: 'v1' });
    if (manifest.parsed.kind !== 'image') throw new Error('expected an image manifest');
    const err = await client.imageConfig({ registry: registry.host, repository: 'lies/config' }, manifest.parsed).catch((e: unknown) => e);
    expect(isRegistryError(err, 'protocol'), String(err)).toBe(true);
    expect((err as Error).message).toContain(registry.host);
    expect((err as Error).message).toContain(image.blobs[0]!.digest);
    expect((err as Error).message).toContain(`limit ${CLAIMED})`);
  });
});

describe('regdesk extract (the built CLI)', () => {
  it('exits 6 naming the blob and both sizes, and leaves no file', async () => {
    const folder = await mkdtemp(join(work, 'cli-'));
    const out = join(folder, 'out.tar');
    const result = await cli(['extract', `${registry.host}/${repo}:v1`, out]);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain(`regdesk: ${registry.host}: blob ${layerDigest} in ${repo} is larger than its descriptor says (${CLAIMED} bytes; the registry announced ${REAL})`);
    expect(result.stderr).toMatch(/^hint: /m);
    expect(await readdir(folder)).toEqual([]);
  });
});
