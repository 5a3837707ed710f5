/**
 * The defaults the README promises, each with the engine's own default: a client
 * built without the option under test, so changing a constant fails here. Only what
 * would make a test wait for real is injected (the retry layer's sleep, a clock), never
 * the value under test.
 */
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError, type RegistryError } from '../../shared/errors';
import { RegistryClient, type RegistryClientOptions } from '../../electron/registry/client';
import { copyImage } from '../../electron/registry/copy/copy';
import { DEFAULT_TIMEOUTS } from '../../electron/registry/transport/types';
import { buildImage, MT, sha256 } from '../../electron/demo/images';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage, type PushedImage } from '../rig/fixtures';
import { listenTracked, type Listening } from '../rig/listen';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { startGate } from '../helpers/gate';
import { withClient } from '../helpers/engine';

const MiB = 1024 * 1024;

let registry: RigRegistry;
let proxy: FaultProxy;
let image: PushedImage;

beforeAll(async () => {
  registry = await startRegistry();
  image = await pushImage(registry, 'app/web', 'v1', buildImage());
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy.close();
  await registry.stop();
});

/** The retry layer's waits, recorded instead of slept (the delays are the defaults' own). */
function recordedWaits(retry: RegistryClientOptions['retry'] = {}): { waits: number[]; retry: RegistryClientOptions['retry'] } {
  const waits: number[] = [];
  return { waits, retry: { ...retry, sleep: async (ms) => void waits.push(ms) } };
}

describe('retries', () => {
  it('a busy registry is asked 5 times in all, the waits growing from 1 s (full jitter at its ceiling)', async () => {
    proxy.clear();
    proxy.add({ method: 'GET', path: /\/tags\/list/, action: { kind: 'status', status: 503 } });
    const { waits, retry } = recordedWaits({ random: () => 1 });
    const err = await withClient(new RegistryClient({ retry }), (c) => c.tags({ registry: proxy.host, repository: 'app/web' })).catch((e: unknown) => e);
    expect(isRegistryError(err), String(err)).toBe(true);
    expect(proxy.requests.filter((r) => r.fault === 'status')).toHaveLength(5);
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it('the backoff is capped at 16 s, and never below a tenth of its ceiling', async () => {
    proxy.clear();
    proxy.add({ method: 'GET', path: /\/tags\/list/, action: { kind: 'status', status: 503 } });
    // More attempts than the default, and a breaker that stays closed, only to get past the cap.
    const high = recordedWaits({ attempts: 7, random: () => 1 });
    await withClient(new RegistryClient({ retry: high.retry, breaker: { threshold: 100 } }), (c) => c.tags({ registry: proxy.host, repository: 'app/web' })).catch(() => undefined);
    expect(high.waits).toEqual([1000, 2000, 4000, 8000, 16_000, 16_000]);
    const low = recordedWaits({ random: () => 0 });
    await withClient(new RegistryClient({ retry: low.retry }), (c) => c.tags({ registry: proxy.host, repository: 'app/web' })).catch(() => undefined);
    expect(low.waits).toEqual([100, 200, 400, 800]);
  });

  it('a Retry-After of 60 s is waited for; 61 s is reported with the time to wait, not waited', async () => {
    proxy.clear();
    proxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'status', status: 429, headers: { 'retry-after': '60' } }, times: 1 });
    const waited = recordedWaits();
    const manifest = await withClient(new RegistryClient({ retry: waited.retry }), (c) => c.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' }));
    expect(manifest.digest).toBe(image.digest);
    expect(waited.waits).toEqual([60_000]);

    proxy.clear();
    proxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'status', status: 429, headers: { 'retry-after': '61' } } });
    const refused = recordedWaits();
    const err = await withClient(new RegistryClient({ retry: refused.retry }), (c) => c.getManifest({ registry: proxy.host, repository: 'app/web', reference: 'v1' })).catch((e: unknown) => e);
    expect(isRegistryError(err, 'rate_limited'), String(err)).toBe(true);
    expect((err as RegistryError).context.retryAfterMs).toBe(61_000);
    expect(refused.waits).toEqual([]);
    expect(proxy.requests.filter((r) => r.fault === 'status')).toHaveLength(1);
  });

  it('a body silent for 60 s times out (the default the transport uses)', () => {
    // Waiting 60 s for real would hold a worker for a minute; faults.test.ts shows a stall timing out with a short limit.
    expect(DEFAULT_TIMEOUTS.idleBodyMs).toBe(60_000);
  });
});

describe('a copy with the default attempts and breaker', () => {
  let source: RigRegistry;
  let destination: RigRegistry;
  beforeAll(async () => {
    [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    await pushImage(source, 'app/copy', 'v1', buildImage());
  });
  afterAll(async () => {
    await Promise.all([source.stop(), destination.stop()]);
  });

  it('each blob gets 3 attempts', async () => {
    const failing = await startFaultProxy(destination.url);
    // A refused upload start is not retried by the transport (a POST): every attempt is the copy's own.
    failing.add({ method: 'POST', path: /\/blobs\/uploads\/$/, action: { kind: 'status', status: 500 } });
    try {
      const err = await withClient(new RegistryClient(), (c) => copyImage(c, {
        source: { registry: source.host, repository: 'app/copy', reference: 'v1' },
        destination: { registry: failing.host, repository: 'copy/attempts', tag: 'v1' },
      }, { concurrency: 1 })).catch((e: unknown) => e);
      expect(isRegistryError(err), String(err)).toBe(true);
      expect(failing.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
      expect(failing.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'))).toEqual([]);
    } finally {
      await failing.close();
    }
  });

  it('5 failures in a row open the breaker for 60 s, and the session is still deleted through it', async () => {
    const failing = await startFaultProxy(destination.url);
    failing.add({ method: 'PUT', path: /\/blobs\/uploads\//, action: { kind: 'status', status: 500 } });
    // The DELETE is held once it is past the breaker, so the breaker's state is read while it is open.
    const gate = await startGate(failing.url, (req) => req.method === 'DELETE');
    const now = Date.now();
    const { retry } = recordedWaits();
    const client = new RegistryClient({ retry, breaker: { now: () => now } });
    try {
      const copying = copyImage(client, {
        source: { registry: source.host, repository: 'app/copy', reference: 'v1' },
        destination: { registry: gate.host, repository: 'copy/breaker', tag: 'v1' },
      }, { concurrency: 1 }).catch((e: unknown) => e);
      await Promise.race([gate.held(1), copying.then((e) => {
        throw new Error(`the copy ended without deleting its upload session: ${String(e)}`);
      })]);
      expect(client.transport.breakerState(gate.host)).toBe('open');
      // The blob's PUT was tried 5 times (the retry layer's attempts), and the 5th failure opened it.
      expect(failing.requests.filter((r) => r.method === 'PUT')).toHaveLength(5);
      gate.release();
      const err = await copying;
      expect(isRegistryError(err), String(err)).toBe(true);
      const deleted = failing.requests.find((r) => r.method === 'DELETE');
      expect(deleted).toBeDefined();
      await deleted!.closed;
      // Anything else fails fast, for the 60 s the breaker stays open.
      const fast = await client.tags({ registry: gate.host, repository: 'copy/breaker' }).catch((e: unknown) => e);
      expect(isRegistryError(fast, 'network')).toBe(true);
      expect((fast as RegistryError).context).toMatchObject({ registryCode: 'CIRCUIT_OPEN', retryAfterMs: 60_000 });
    } finally {
      await client.close();
      await gate.close();
      await failing.close();
    }
  });
});

/** A registry of our own for what distribution will not store: a 4 MiB manifest, a listing that never ends. */
describe('bounds on what a registry sends', () => {
  let server: Listening;
  let host: string;
  let listed = 0;

  /** An OCI manifest padded (one annotation) to exactly `size` bytes. */
  const manifestOf = (size: number): Buffer => {
    const shell = (pad: string) => JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: sha256(Buffer.from('{}')), size: 2 },
      layers: [],
      annotations: { padding: pad },
    });
    return Buffer.from(shell('x'.repeat(size - Buffer.byteLength(shell('')))));
  };
  const EXACT = manifestOf(4 * MiB);
  const OVER = manifestOf(4 * MiB + 1);

  const send = (res: ServerResponse, body: Buffer, announced: boolean): void => {
    res.writeHead(200, { 'content-type': MT.ociManifest, ...(announced ? { 'content-length': body.length } : {}) });
    res.end(body);
  };

  beforeAll(async () => {
    server = await listenTracked(createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://registry');
      if (url.pathname === '/v2/') return res.end('{}');
      if (url.pathname === '/v2/big/manifests/exact') return send(res, EXACT, true);
      if (url.pathname === '/v2/big/manifests/over') return send(res, OVER, true);
      if (url.pathname === '/v2/big/manifests/over-unannounced') return send(res, OVER, false);
      if (url.pathname === '/v2/endless/tags/list') {
        // One tag a page, and always a next page.
        const page = ++listed;
        res.writeHead(200, { 'content-type': 'application/json', link: `</v2/endless/tags/list?n=1&last=t${page}>; rel="next"` });
        return res.end(JSON.stringify({ name: 'endless', tags: [`t${page}`] }));
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'unknown' }] }));
    }));
    host = `127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it('a manifest of exactly 4 MiB is read; 4 MiB + 1 byte is refused, announced or not', async () => {
    const client = new RegistryClient();
    try {
      expect(EXACT.length).toBe(4 * MiB);
      const read = await client.getManifest({ registry: host, repository: 'big', reference: 'exact' });
      expect(read.digest).toBe(sha256(EXACT));
      for (const reference of ['over', 'over-unannounced']) {
        const err = await client.getManifest({ registry: host, repository: 'big', reference }).catch((e: unknown) => e);
        expect(isRegistryError(err, 'protocol'), `${reference}: ${String(err)}`).toBe(true);
        expect((err as Error).message).toMatch(/too large .*4194304/);
      }
    } finally {
      await client.close();
    }
  });

  it('a listing is followed for 10,000 pages, and stopped there with a partial list said so', async () => {
    listed = 0;
    const warnings: string[] = [];
    const tags = await withClient(new RegistryClient(), (c) => c.tags({ registry: host, repository: 'endless' }, { onWarning: (w) => warnings.push(w) }));
    expect(listed).toBe(10_000);
    expect(tags).toHaveLength(10_000);
    expect(tags).toContain('t10000');
    expect(warnings.join('\n')).toMatch(/more than 10000 pages.*partial list/);
  }, 180_000);
});
