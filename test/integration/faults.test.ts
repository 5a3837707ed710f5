/**
 * Faults a real registry will not produce on demand, injected by the rig's
 * proxy in front of a real registry (plain, or TLS in front of a TLS registry):
 * downloads, retries, the breaker, redirects and plain http. Every case ends
 * either in success with every digest verified, or in a typed error with
 * nothing written. Upload faults: upload-faults.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError, type RegistryError } from '../../shared/errors';
import { RegistryClient, type RegistryClientOptions } from '../../electron/registry/client';
import { copyImage } from '../../electron/registry/copy/copy';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage, type PushedImage } from '../rig/fixtures';
import { networkAddress } from '../rig/network-address';
import { buildImage, defaultLayers } from '../../electron/demo/images';
import { makeTlsFiles, type TlsFiles } from '../rig/certs';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { digestAt, openUploads as openUploadsAt } from '../helpers/uploads';

let source: RigRegistry;
let destination: RigRegistry;
let proxy: FaultProxy;
let image: PushedImage;

const fast: RegistryClientOptions = { retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 } };

beforeAll(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  image = await pushImage(source, 'app/web', 'v1', buildImage({ layers: defaultLayers({ os: 'linux', architecture: 'amd64' }, 2, 256 * 1024) }));
  proxy = await startFaultProxy(source.url);
});
afterAll(async () => {
  await proxy.close();
  await Promise.all([source.stop(), destination.stop()]);
});
afterEach(() => proxy.clear());

const layerDigest = (): string => image.blobDigests[1]!; // [0] is the config
const blobPath = (): RegExp => new RegExp(`/v2/app/web/blobs/${layerDigest()}`);

const openUploads = (repository: string): Promise<string[]> => openUploadsAt(destination, repository);

async function copyThroughProxy(repository: string, options: RegistryClientOptions = fast) {
  const client = new RegistryClient(options);
  try {
    return await copyImage(client, {
      source: { registry: proxy.host, repository: 'app/web', reference: 'v1' },
      destination: { registry: destination.host, repository, tag: 'v1' },
    });
  } finally {
    await client.close();
  }
}

const destinationDigest = (repository: string): Promise<string | undefined> => digestAt(destination, repository, 'v1');

describe('downloads', () => {
  it('a connection reset mid-blob is retried and the copy completes with identical digests', async () => {
    proxy.add({ method: 'GET', path: blobPath(), action: { kind: 'reset', afterBytes: 64 * 1024 }, times: 1 });
    const { result } = await copyThroughProxy('faults/reset');
    expect(result.digest).toBe(image.digest);
    expect(proxy.requests.filter((r) => r.fault === 'reset')).toHaveLength(1);
    expect(await destinationDigest('faults/reset')).toBe(image.digest);
  });

  it('a reset mid-blob of a streamed (large) blob is retried too', async () => {
    const big = await pushImage(source, 'app/big', 'v1', buildImage({ layers: defaultLayers({ os: 'linux', architecture: 'amd64' }, 1, 3 * 1024 * 1024) }));
    proxy.add({ method: 'GET', path: new RegExp(`/v2/app/big/blobs/${big.blobDigests[1]}`), action: { kind: 'reset', afterBytes: 1024 * 1024 }, times: 1 });
    const client = new RegistryClient(fast);
    const { result } = await copyImage(client, {
      source: { registry: proxy.host, repository: 'app/big', reference: 'v1' },
      destination: { registry: destination.host, repository: 'faults/big', tag: 'v1' },
    });
    await client.close();
    expect(result.digest).toBe(big.digest);
    expect(proxy.requests.filter((r) => r.fault === 'reset')).toHaveLength(1);
    expect(await openUploads('faults/big')).toEqual([]);
  });

  it('wrong blob bytes: digest_mismatch, nothing tagged, no open upload', async () => {
    proxy.add({ method: 'GET', path: blobPath(), action: { kind: 'corrupt', atByte: 1000 } });
    const err = await copyThroughProxy('faults/corrupt').catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    expect(await destinationDigest('faults/corrupt')).toBeUndefined();
    expect(await openUploads('faults/corrupt')).toEqual([]);
    // Never retried: a bad digest will not fix itself.
    expect(proxy.requests.filter((r) => r.fault === 'corrupt')).toHaveLength(1);
  });

  it('a truncated body is never accepted', async () => {
    proxy.add({ method: 'GET', path: blobPath(), action: { kind: 'truncate', afterBytes: 1000 } });
    const err = await copyThroughProxy('faults/truncated').catch((e: unknown) => e);
    expect(isRegistryError(err)).toBe(true);
    expect(['network', 'digest_mismatch']).toContain((err as { code: string }).code);
    expect(await destinationDigest('faults/truncated')).toBeUndefined();
    expect(await openUploads('faults/truncated')).toEqual([]);
  });

  it('a stalled body hits the idle timeout, is retried, then fails with a timeout error', async () => {
    proxy.add({ method: 'GET', path: blobPath(), action: { kind: 'stall', afterBytes: 1000 } });
    const err = await copyThroughProxy('faults/stalled', { ...fast, timeouts: { idleBodyMs: 300 } }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'timeout')).toBe(true);
    expect(proxy.requests.filter((r) => r.fault === 'stall').length).toBeGreaterThan(1);
    expect(await destinationDigest('faults/stalled')).toBeUndefined();
  });

  it('a wrong Docker-Content-Digest on a manifest is rejected', async () => {
    proxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'header', headers: { 'docker-content-digest': `sha256:${'ab'.repeat(32)}` } } });
    const client = new RegistryClient(fast);
    const err = await client.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' }).catch((e: unknown) => e);
    await client.close();
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
  });
});

describe('retries', () => {
  /** A client that records every wait the retry layer decides on (the wait itself is real). */
  const recordingWaits = (retry: RegistryClientOptions['retry'] = {}) => {
    const waits: number[] = [];
    const client = new RegistryClient({ retry: { ...fast.retry, ...retry, onRetry: (info) => {
      waits.push(info.delayMs);
      retry.onRetry?.(info);
    } } });
    return { client, waits };
  };

  it('429 with Retry-After in seconds is waited for, then succeeds', async () => {
    proxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, times: 1 });
    const { client, waits } = recordingWaits();
    const m = await client.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' });
    await client.close();
    expect(m.digest).toBe(image.digest);
    expect(waits).toEqual([1000]);
  });

  it('429 with Retry-After as an HTTP date is waited for', async () => {
    // The retry layer's clock is pinned to a whole second, so the date is exactly 2 s away.
    const now = Math.floor(Date.now() / 1000) * 1000;
    proxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'status', status: 429, headers: { 'retry-after': new Date(now + 2000).toUTCString() } }, times: 1 });
    const { client, waits } = recordingWaits({ now: () => now });
    const m = await client.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' });
    await client.close();
    expect(m.digest).toBe(image.digest);
    expect(waits).toEqual([2000]);
  });

  it('without Retry-After: exponential backoff with jitter, within its bounds', async () => {
    proxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'status', status: 429 }, times: 3 });
    const { client, waits } = recordingWaits({ attempts: 4, baseDelayMs: 20, maxDelayMs: 1000 });
    await client.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' });
    await client.close();
    expect(waits).toHaveLength(3);
    // Full jitter over 20·2^n ms, never below a tenth of it.
    waits.forEach((w, n) => {
      expect(w).toBeGreaterThanOrEqual(2 * 2 ** n);
      expect(w).toBeLessThanOrEqual(20 * 2 ** n);
    });
  });

  it('cancelling during a Retry-After wait stops at once', async () => {
    // An hour's wait: only the cancel can end this test in time.
    proxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'status', status: 429, headers: { 'retry-after': '3600' } } });
    const controller = new AbortController();
    const { client, waits } = recordingWaits({ maxRetryAfterMs: 2 * 3600_000, onRetry: () => setImmediate(() => controller.abort()) });
    const err = await client.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' }, { signal: controller.signal }).catch((e: unknown) => e);
    await client.close();
    expect(isRegistryError(err, 'cancelled')).toBe(true);
    expect(waits).toEqual([3600_000]);
    expect(proxy.requests.filter((r) => r.fault === 'status')).toHaveLength(1);
  });

  it('bursts of 503 and 502 on manifests and blobs are retried', async () => {
    proxy.add({ path: /\/manifests\//, action: { kind: 'status', status: 503 }, times: 2 });
    proxy.add({ path: blobPath(), action: { kind: 'status', status: 502 }, times: 2 });
    const { result } = await copyThroughProxy('faults/burst');
    expect(result.digest).toBe(image.digest);
    expect(proxy.requests.filter((r) => r.fault === 'status')).toHaveLength(4);
  });

  it('attempts are capped', async () => {
    proxy.add({ path: /\/manifests\/v1$/, action: { kind: 'status', status: 503 } });
    const client = new RegistryClient(fast);
    const err = await client.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' }).catch((e: unknown) => e);
    await client.close();
    expect(isRegistryError(err, 'network')).toBe(true);
    expect(proxy.requests.filter((r) => r.fault === 'status')).toHaveLength(4);
  });

  for (const status of [400, 401, 403, 404]) {
    it(`${status} is never retried`, async () => {
      proxy.add({ path: /\/manifests\/v1$/, action: { kind: 'status', status } });
      const client = new RegistryClient(fast);
      const err = await client.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' }).catch((e: unknown) => e);
      await client.close();
      expect(isRegistryError(err)).toBe(true);
      expect(proxy.requests.filter((r) => r.fault === 'status')).toHaveLength(1);
    });
  }

  it('the circuit breaker opens after 5 failures in a row and then fails fast', async () => {
    proxy.add({ path: /\/tags\/list/, action: { kind: 'status', status: 503 } });
    const client = new RegistryClient({ retry: { attempts: 1 }, breaker: { threshold: 5, openMs: 60_000 } });
    for (let i = 0; i < 5; i++) await client.tags({ registry: proxy.host, repository: 'app/web' }, { fresh: true }).catch(() => undefined);
    expect(client.transport.breakerState(proxy.host)).toBe('open');
    const before = proxy.requests.length;
    const err = await client.tags({ registry: proxy.host, repository: 'app/web' }, { fresh: true }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'network')).toBe(true);
    expect((err as { context: { registryCode?: string } }).context.registryCode).toBe('CIRCUIT_OPEN');
    expect(proxy.requests.length).toBe(before); // nothing sent
    await client.close();
  });
});

describe('redirects and foreign hosts', () => {
  let storage: FaultProxy;
  beforeAll(async () => {
    storage = await startFaultProxy(source.url); // "another host": same bytes, other origin
  });
  afterAll(() => storage.close());

  it('a blob redirected to another host is followed without Authorization', async () => {
    proxy.add({ method: 'GET', path: blobPath(), action: { kind: 'redirect', location: (path) => `${storage.url}${path}` } });
    const client = new RegistryClient({ ...fast, credentials: async () => ({ username: 'someone', password: 'redirect-canary-pw' }) });
    // The registry is anonymous; force credentials to be sent by answering with a Basic challenge first.
    proxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } }, times: 1 });
    const resolved = await client.resolve({ registry: proxy.host, repository: 'app/web', reference: 'v1' });
    const { stream } = await client.getBlob({ registry: proxy.host, repository: 'app/web', digest: layerDigest() });
    for await (const _ of stream) void _;
    await client.close();
    expect(resolved.top.digest).toBe(image.digest);
    const atOrigin = proxy.requests.filter((r) => r.method === 'GET' && blobPath().test(r.path));
    expect(atOrigin[0]!.headers.authorization).toMatch(/^Basic /);
    const atStorage = storage.requests.filter((r) => blobPath().test(r.path));
    expect(atStorage).toHaveLength(1);
    expect(atStorage[0]!.headers.authorization).toBeUndefined();
    expect(atStorage[0]!.headers['proxy-authorization']).toBeUndefined();
  });

  it('a Link header to another host is refused', async () => {
    proxy.add({ path: /\/tags\/list/, action: { kind: 'header', headers: { link: `<${storage.url}/v2/app/web/tags/list?last=v1>; rel="next"` } } });
    const client = new RegistryClient(fast);
    const before = storage.requests.length;
    const err = await client.tags({ registry: proxy.host, repository: 'app/web' }, { fresh: true }).catch((e: unknown) => e);
    await client.close();
    expect(isRegistryError(err, 'protocol')).toBe(true);
    expect(storage.requests.length).toBe(before);
  });

  it('pagination that repeats itself ends: a page of tags already listed is the end, each tag listed once', async () => {
    // Every page links to the next one, each a new URL, and every page holds the same tags.
    for (const page of [1, 2, 3]) {
      proxy.add({ path: new RegExp(page === 1 ? '/tags/list\\?n=' : `page=${page}`), action: { kind: 'header', headers: { link: `</v2/app/web/tags/list?page=${page + 1}>; rel="next"` } } });
    }
    const client = new RegistryClient({ ...fast, cache: false });
    const tags = await client.tags({ registry: proxy.host, repository: 'app/web' }, { maxPages: 3 });
    await client.close();
    expect(tags).toEqual(['v1']);
    expect(proxy.requests.filter((r) => r.path.includes('/tags/list'))).toHaveLength(2);
  });

  it('a Link header back to a page already read ends the listing, without asking for it again', async () => {
    proxy.add({ path: /\/tags\/list/, action: { kind: 'header', headers: { link: '</v2/app/web/tags/list?n=1000>; rel="next"' } } });
    const client = new RegistryClient({ ...fast, cache: false });
    const tags = await client.tags({ registry: proxy.host, repository: 'app/web' });
    await client.close();
    expect(tags).toEqual(['v1']);
    expect(proxy.requests.filter((r) => r.path.includes('/tags/list'))).toHaveLength(1);
  });
});

describe('https and plain http', () => {
  const password = DEFAULT_BASIC_USERS.tester;
  const SIGNED = 'X-Amz-Signature=signed-url-canary-0c3b';
  let tlsRegistry: RigRegistry;
  let tlsProxy: FaultProxy;
  let plain: FaultProxy;
  let tlsFiles: TlsFiles;
  let tlsDir: string;
  let digest: string;

  beforeAll(async () => {
    tlsDir = await mkdtemp(join(tmpdir(), 'regdesk-faults-tls-'));
    [tlsRegistry, tlsFiles] = await Promise.all([startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS }, tls: true }), makeTlsFiles(tlsDir)]);
    digest = (await pushImage(tlsRegistry, 'app/tls', 'v1', buildImage())).blobDigests[1]!;
    // The proxy speaks TLS on both sides; `plain` is the plain-http host a redirect points at.
    [tlsProxy, plain] = await Promise.all([startFaultProxy(tlsRegistry.url, { tls: tlsFiles, targetCaFile: tlsRegistry.caFile! }), startFaultProxy(source.url)]);
  });
  afterAll(async () => {
    await Promise.all([tlsProxy.close(), plain.close()]);
    await tlsRegistry.stop();
    await rm(tlsDir, { recursive: true, force: true });
  });

  it('a blob redirected from https to http is refused: nothing is sent there, and the signed query is in no error', async () => {
    tlsProxy.add({ method: 'GET', path: /\/blobs\/sha256:/, action: { kind: 'redirect', location: (path) => `${plain.url}${path}?${SIGNED}` } });
    const ca = await readFile(tlsFiles.caFile);
    const client = new RegistryClient({
      ...fast,
      credentials: async (host) => (host === tlsProxy.host ? { username: 'tester', password } : undefined),
      hostConfig: (host) => (host === tlsProxy.host ? { ca } : undefined),
    });
    // A manifest first: the registry's challenge is answered, so the blob GET carries the credentials.
    await client.getManifest({ registry: tlsProxy.host, repository: 'app/tls', reference: 'v1' });
    const err = await client.getBlob({ registry: tlsProxy.host, repository: 'app/tls', digest }).catch((e: unknown) => e);
    await client.close();
    expect(isRegistryError(err, 'protocol'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/redirect from https to plain http refused/);
    const wire = JSON.stringify((err as RegistryError).toWire());
    for (const secret of ['signed-url-canary-0c3b', password, Buffer.from(`tester:${password}`).toString('base64')]) expect(wire).not.toContain(secret);
    expect(tlsProxy.requests.find((r) => r.fault === 'redirect')?.headers.authorization).toMatch(/^Basic /);
    expect(plain.requests).toEqual([]);
  });

  // A registry on this machine's own network address is not loopback: plain http is allowed only when it is marked insecure.
  it('credentials never go over plain http to a registry that is neither loopback nor marked insecure', async () => {
    const external = networkAddress();
    const basic = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
    const onNetwork = await startFaultProxy(basic.url, { address: external });
    const clientWith = (insecure: boolean) => new RegistryClient({
      ...fast,
      credentials: async (host) => (host === onNetwork.host ? { username: 'tester', password } : undefined),
      hostConfig: (host) => (host === onNetwork.host && insecure ? { insecure: true } : undefined),
    });
    try {
      const strict = clientWith(false);
      const err = await strict.tags({ registry: onNetwork.host, repository: 'any/repo' }).catch((e: unknown) => e);
      await strict.close();
      expect(isRegistryError(err, 'network'), String(err)).toBe(true);
      expect(onNetwork.requests).toEqual([]); // only a TLS handshake arrived, never an HTTP request
      // Marked insecure, the same registry is used over http, credentials included: the control for the check above.
      const insecure = clientWith(true);
      expect(await insecure.tags({ registry: onNetwork.host, repository: 'any/repo' }).catch((e: unknown) => e)).toSatisfy((r) => isRegistryError(r, 'not_found'));
      await insecure.close();
      expect(onNetwork.requests.some((r) => r.headers.authorization?.startsWith('Basic '))).toBe(true);
    } finally {
      await onNetwork.close();
      await basic.stop();
    }
  });
});
