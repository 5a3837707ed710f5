/**
 * Hostile or broken registries (through the fault proxy) and a registry that
 * dies mid-copy: bounded reads, clear errors, nothing half-written.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import { RegistryClient } from '../../electron/registry/client';
import { copyImage } from '../../electron/registry/copy/copy';
import { buildImage, defaultLayers } from '../../electron/demo/images';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage } from '../rig/fixtures';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { step } from '../helpers/step';

let registry: RigRegistry;
let proxy: FaultProxy;

beforeAll(async () => {
  registry = await startRegistry();
  await pushImage(registry, 'app/web', 'v1', buildImage());
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy.close();
  await registry.stop();
});
afterEach(() => proxy.clear());

async function failure(run: (client: RegistryClient) => Promise<unknown>): Promise<Error & { code: string }> {
  const client = new RegistryClient({ retry: { attempts: 3, baseDelayMs: 5 } });
  try {
    const err = await run(client).then(() => undefined, (e: unknown) => e);
    expect(isRegistryError(err), `expected a typed error, got ${String(err)}`).toBe(true);
    return err as Error & { code: string };
  } finally {
    await client.close();
  }
}

describe('oversized responses are read bounded', () => {
  it('a 20 MB WWW-Authenticate header: a protocol error, not retried', async () => {
    proxy.add({ path: /\/tags\/list/, action: { kind: 'status', status: 401, headers: { 'www-authenticate': `Bearer realm="${'x'.repeat(20 * 1024 * 1024)}"` } } });
    const err = await failure((c) => c.tags({ registry: proxy.host, repository: 'app/web' }));
    expect(err.code).toBe('protocol');
    expect(err.message.length).toBeLessThan(400);
    expect(proxy.requests.filter((r) => r.fault)).toHaveLength(1);
  });

  it('a 200 MB "manifest" is refused by its announced size without reading it', async () => {
    proxy.add({ path: /\/manifests\/v1$/, action: { kind: 'header', headers: { 'content-length': String(200 * 1024 * 1024) } } });
    const err = await failure((c) => c.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' }));
    expect(err.code).toBe('protocol');
    expect(err.message).toMatch(/too large/);
  });

  it('a manifest of deeply nested JSON is a protocol error, not a crash', async () => {
    const body = '['.repeat(500_000) + ']'.repeat(500_000);
    proxy.add({ path: /\/manifests\/v1$/, action: { kind: 'status', status: 200, body, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } } });
    const err = await failure((c) => c.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' }));
    expect(['protocol', 'digest_mismatch']).toContain(err.code);
  });

  it('a huge error body is read only in part, and the error still says what failed', async () => {
    // How much of it is read is unit-tested (transport-body-status.test.ts: refused by its announced size, or cut at the limit).
    proxy.add({ path: /\/manifests\/v1$/, action: { kind: 'status', status: 404, body: JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'm'.repeat(10 * 1024 * 1024) }] }) } });
    const err = await failure((c) => c.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' }));
    expect(err.code).toBe('not_found');
    expect(err.message.length).toBeLessThan(400);
  });
});

describe('malformed digests never reach a URL', () => {
  for (const digest of ['sha256:../x', `sha256:${'a'.repeat(63)}`, `md5:${'a'.repeat(32)}`, `sha256:${'A'.repeat(64)}`]) {
    it(digest.slice(0, 20), async () => {
      const err = await failure((c) => c.getBlob({ registry: proxy.host, repository: 'app/web', digest }));
      expect(err.code).toBe('invalid_reference');
      expect(proxy.requests).toHaveLength(0);
    });
  }
});

describe('a registry killed mid-copy', () => {
  it('fails the copy cleanly, and a second run after the restart completes with identical digests', async () => {
    const source = await startRegistry();
    const destination = await startRegistry();
    // Layers above the small-blob size are streamed into their upload as they are read.
    const image = buildImage({ layers: defaultLayers({ os: 'linux', architecture: 'amd64' }, 2, 2 * 1024 * 1024) });
    const layer = image.blobs[1]!.digest;
    // The source stalls one layer after its first bytes: the copy cannot end before the crash, however slow the machine.
    const from = await startFaultProxy(source.url);
    from.add({ method: 'GET', path: new RegExp(`/blobs/${layer}$`), action: { kind: 'stall', afterBytes: 64 * 1024 }, times: 1 });
    try {
      const big = await pushImage(source, 'big/image', 'v1', image);
      const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });
      let killed = false;
      const err = await step('first copy', copyImage(client, {
        source: { registry: from.host, repository: 'big/image', reference: 'v1' },
        destination: { registry: destination.host, repository: 'copy/image', tag: 'v1' },
      }, {
        blobAttempts: 1,
        onProgress: (p) => {
          // Bytes of the stalled layer were read and handed to its upload: the registry dies mid-blob.
          if (!killed && (p.blobs.find((b) => b.digest === layer)?.done ?? 0) > 0) {
            killed = true;
            destination.crash();
          }
        },
      }).catch((e: unknown) => e));
      expect(killed).toBe(true);
      expect(isRegistryError(err), String(err)).toBe(true);
      expect(['network', 'timeout']).toContain((err as { code: string }).code);
      // The stalled download was given up, not left open.
      await step('the stalled source download closed', from.requests.find((r) => r.fault === 'stall')!.closed);

      await step('restart', destination.start());
      const fresh = new RegistryClient({ retry: { attempts: 3, baseDelayMs: 50 } });
      expect(await step('head', fresh.headManifest({ registry: destination.host, repository: 'copy/image', reference: 'v1' }))).toBeUndefined();
      const { result } = await step('second copy', copyImage(fresh, {
        source: { registry: from.host, repository: 'big/image', reference: 'v1' },
        destination: { registry: destination.host, repository: 'copy/image', tag: 'v1' },
      }));
      expect(result.digest).toBe(big.digest);
      expect((await fresh.getManifest({ registry: destination.host, repository: 'copy/image', reference: 'v1' })).digest).toBe(big.digest);
      await step('close the first client (no request left open)', client.close());
      await step('close the second client', fresh.close());
    } finally {
      await from.close();
      await Promise.all([source.stop(), destination.stop()]);
    }
  });
});

