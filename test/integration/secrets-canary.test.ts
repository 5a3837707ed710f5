/**
 * Issue #12, case 18: canary secrets (a password, the bearer tokens issued for
 * it, a signed-URL query on a redirect) never appear in any output, in every
 * fault case of the issue: engine log lines (what `--verbose` prints), errors
 * and their wire form, progress events, the CLI's stdout and stderr with
 * --verbose and --json, and what `regdesk serve` answers and streams. The
 * registries use bearer tokens and sit behind fault proxies, so every case
 * runs with credentials in play; the tokens are read off the wire.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../shared/errors';
import { isRegistryError } from '../../shared/errors';
import { createDiscovery } from '../../electron/credentials/discovery';
import { sessionStore } from '../../electron/credentials/session-store';
import type { SecretStore } from '../../electron/credentials/keychain';
import { envHostKey } from '../../electron/credentials/registry-keys';
import { createHandlers } from '../../electron/ipc/handlers';
import { startServer, TOKEN_HEADER, type Server } from '../../electron/ipc/serve';
import { RegistryClient, type RegistryClientOptions } from '../../electron/registry/client';
import { copyImage } from '../../electron/registry/copy/copy';
import { openSettings } from '../../electron/settings/settings-file';
import { buildImage, defaultLayers } from '../../electron/demo/images';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage, type PushedImage } from '../rig/fixtures';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY } from '../rig/token-server';
import { SecretWatch } from '../helpers/canary';
import { cli, cliEnv } from '../helpers/cli';

const ADMIN = { username: 'admin', password: DEFAULT_TOKEN_POLICY.users.admin!.password };
const SIGNED_CANARY = 'signed-url-canary-77e1';
const SIGNED_QUERY = `X-Amz-Signature=${SIGNED_CANARY}&X-Amz-Credential=AKIA-canary-key`;

let source: RigRegistry;
let destination: RigRegistry;
/** Anonymous, with the same blobs: the "storage host" a redirect sends blob GETs to. */
let storageRegistry: RigRegistry;
let sourceProxy: FaultProxy;
let destinationProxy: FaultProxy;
let storage: FaultProxy;
/** In front of the token registry itself: a redirect there meets a 401 it must not answer with our token. */
let foreign: FaultProxy;
let small: PushedImage;
let large: PushedImage;

const platform = { os: 'linux', architecture: 'amd64' };

beforeAll(async () => {
  [source, destination, storageRegistry] = await Promise.all([startRegistry({ auth: { kind: 'token' } }), startRegistry({ auth: { kind: 'token' } }), startRegistry()]);
  const smallImage = buildImage({ layers: defaultLayers(platform, 1, 256 * 1024) });
  const largeImage = buildImage({ layers: defaultLayers(platform, 1, 2 * 1024 * 1024) });
  [small, large] = await Promise.all([pushImage(source, 'app/small', 'v1', smallImage), pushImage(source, 'app/large', 'v1', largeImage)]);
  await pushImage(storageRegistry, 'app/small', 'v1', smallImage);
  [sourceProxy, destinationProxy, storage, foreign] = await Promise.all([
    startFaultProxy(source.url), startFaultProxy(destination.url), startFaultProxy(storageRegistry.url), startFaultProxy(source.url),
  ]);
});
afterAll(async () => {
  await Promise.all([sourceProxy, destinationProxy, storage, foreign].map((p) => p.close()));
  await Promise.all([source.stop(), destination.stop(), storageRegistry.stop()]);
});
beforeEach(() => {
  for (const p of [sourceProxy, destinationProxy, storage, foreign]) p.clear();
});

const layerOf = (image: PushedImage): string => image.blobDigests[1]!;
const proxied = (): FaultProxy[] => [sourceProxy, destinationProxy, storage, foreign];

/** A watch over the password, its Basic form and the signed query; the tokens are added from the wire at the end. */
const newWatch = (): SecretWatch => new SecretWatch().credential(ADMIN.username, ADMIN.password).secret(SIGNED_CANARY).secret(SIGNED_QUERY);
const BASE_SECRETS = newWatch().watched;

/** REGISTRY_<HOST>_USERNAME / _PASSWORD for both proxied registries: how the CLI and serve find the credentials. */
function credentialEnv(): Record<string, string> {
  return Object.fromEntries([sourceProxy.host, destinationProxy.host].flatMap((host) => [
    [`REGISTRY_${envHostKey(host)}_USERNAME`, ADMIN.username],
    [`REGISTRY_${envHostKey(host)}_PASSWORD`, ADMIN.password],
  ]));
}

/** Every request the proxies saw: the tokens and Basic strings that crossed the wire become watched secrets. */
function readWire(watch: SecretWatch): void {
  for (const p of proxied()) watch.fromWire(p.requests);
}

interface EngineCase {
  /** The issue's case number. */
  issue: number;
  name: string;
  rules?: () => void;
  run: (client: RegistryClient, watch: SecretWatch) => Promise<unknown>;
  /** Success, or the error codes the case may end with. */
  outcome: 'ok' | ErrorCode[];
  client?: RegistryClientOptions;
  /** Whether a token (and a request to log) went over the wire in this case: false when it fails before any credential is sent. */
  tokens?: boolean;
  check?: () => void;
}

function copy(client: RegistryClient, watch: SecretWatch, image: PushedImage, repository: string) {
  return copyImage(client, {
    source: { registry: sourceProxy.host, repository: image.repo, reference: image.tag },
    destination: { registry: destinationProxy.host, repository, tag: 'v1' },
  }, { onProgress: (p) => watch.capture('progress', p) });
}

/** Reads the image's layer; its manifest first, so the blob GET carries a token. */
async function drain(client: RegistryClient, image: PushedImage): Promise<void> {
  await client.getManifest({ registry: sourceProxy.host, repository: image.repo, reference: image.tag });
  const { stream } = await client.getBlob({ registry: sourceProxy.host, repository: image.repo, digest: layerOf(image) });
  for await (const _ of stream) void _;
}

const manifest = (client: RegistryClient) => client.getManifest({ registry: sourceProxy.host, repository: 'app/small', reference: 'v1' });
const tags = (client: RegistryClient) => client.tags({ registry: sourceProxy.host, repository: 'app/small' }, { fresh: true });
const blobPath = (image: PushedImage): RegExp => new RegExp(`/blobs/${layerOf(image)}`);

const CASES: EngineCase[] = [
  {
    issue: 1, name: '429 with Retry-After, then success', outcome: 'ok', run: manifest,
    rules: () => sourceProxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, times: 1 }),
  },
  {
    issue: 2, name: 'bursts of 503 and 502 on manifests and blobs', outcome: 'ok', run: (c, w) => copy(c, w, small, 'burst'),
    rules: () => {
      sourceProxy.add({ path: /\/manifests\//, action: { kind: 'status', status: 503 }, times: 2 });
      sourceProxy.add({ path: blobPath(small), action: { kind: 'status', status: 502 }, times: 2 });
    },
  },
  {
    issue: 3, name: 'a reset in the middle of a download', outcome: 'ok', run: (c, w) => copy(c, w, small, 'reset-download'),
    rules: () => sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'reset', afterBytes: 64 * 1024 }, times: 1 }),
  },
  {
    issue: 3, name: 'a reset in the middle of an upload', outcome: 'ok', run: (c, w) => copy(c, w, large, 'reset-upload'),
    rules: () => destinationProxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, action: { kind: 'reset-request', afterBytes: 512 * 1024 }, times: 1 }),
  },
  {
    issue: 3, name: 'a blob HEAD that does not answer 200 after the upload', outcome: ['protocol'], run: (c, w) => copy(c, w, small, 'head-404'),
    rules: () => destinationProxy.add({ method: 'HEAD', path: blobPath(small), action: { kind: 'status', status: 404 }, skip: 1 }),
  },
  {
    issue: 4, name: 'a stalled body', outcome: ['timeout'], client: { timeouts: { idleBodyMs: 300 } }, run: (c, w) => copy(c, w, small, 'stalled'),
    rules: () => sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'stall', afterBytes: 1000 } }),
  },
  {
    issue: 5, name: 'a truncated body', outcome: ['network', 'digest_mismatch'], run: (c, w) => copy(c, w, small, 'truncated'),
    rules: () => sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'truncate', afterBytes: 1000 } }),
  },
  {
    issue: 6, name: 'wrong blob bytes', outcome: ['digest_mismatch'], run: (c, w) => copy(c, w, small, 'corrupt'),
    rules: () => sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'corrupt', atByte: 100 } }),
  },
  {
    issue: 7, name: 'a wrong Docker-Content-Digest on a manifest', outcome: ['digest_mismatch'], run: manifest,
    rules: () => sourceProxy.add({ method: 'GET', path: /\/manifests\/v1$/, action: { kind: 'header', headers: { 'docker-content-digest': `sha256:${'ab'.repeat(32)}` } } }),
  },
  {
    issue: 8, name: 'a blob redirected to another host with a signed URL', outcome: 'ok', run: (c) => drain(c, small),
    rules: () => sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'redirect', location: (path) => `${storage.url}${path}?${SIGNED_QUERY}` } }),
    check: () => expect(storage.requests.map((r) => r.headers.authorization)).toEqual([undefined]),
  },
  {
    issue: 8, name: 'a 401 from the host a blob is redirected to', outcome: ['authentication'], run: (c) => drain(c, small),
    rules: () => sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'redirect', location: (path) => `${foreign.url}${path}?${SIGNED_QUERY}` } }),
    check: () => {
      expect(foreign.requests.length).toBeGreaterThan(0);
      expect(foreign.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    },
  },
  {
    issue: 10, name: 'a Link header to another host', outcome: ['protocol'], run: tags,
    rules: () => sourceProxy.add({ path: /\/tags\/list/, action: { kind: 'header', headers: { link: `<${storage.url}/v2/app/small/tags/list?last=v1&${SIGNED_QUERY}>; rel="next"` } } }),
    check: () => expect(storage.requests).toEqual([]),
  },
  {
    issue: 11, name: 'a token realm on a metadata address', outcome: ['protocol'], run: tags, tokens: false,
    rules: () => sourceProxy.add({ path: /\/tags\/list/, action: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Bearer realm="http://169.254.169.254/token",service="x"' } } }),
  },
  {
    issue: 12, name: 'a malformed digest', outcome: ['invalid_reference'], tokens: false,
    run: (c) => c.getBlob({ registry: sourceProxy.host, repository: 'app/small', digest: 'sha256:../../etc/passwd' }),
  },
  ...[
    ['an error body that repeats the password', '', ''],
    ['a huge error body that repeats the password', '', 'm'.repeat(1024 * 1024)],
    // The message is cut at 200 characters: masked first, or the password's beginning would show.
    ['an error body whose password crosses the 200-character cut', 'x'.repeat(168), ''],
  ].map(([name, before, padding]): EngineCase => ({
    issue: 13, name: name!, outcome: ['not_found'],
    // The first GET goes through (a token is fetched); the second meets the hostile answer.
    run: async (c) => {
      await manifest(c);
      return manifest(c);
    },
    rules: () => sourceProxy.add({
      method: 'GET', path: /\/manifests\/v1$/, skip: 1,
      action: { kind: 'status', status: 404, body: JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: `${before}no manifest for ${ADMIN.username}:${ADMIN.password} ${padding}` }] }) },
    }),
  })),
  {
    issue: 13, name: 'a 20 MB WWW-Authenticate header', outcome: ['protocol'], run: tags, tokens: false,
    rules: () => sourceProxy.add({ path: /\/tags\/list/, action: { kind: 'status', status: 401, headers: { 'www-authenticate': `Bearer realm="${'x'.repeat(20 * 1024 * 1024)}"` } } }),
  },
  {
    issue: 15, name: 'the circuit breaker open after 5 failures', outcome: ['network'], client: { retry: { attempts: 1 }, breaker: { threshold: 5, openMs: 60_000 } },
    rules: () => sourceProxy.add({ path: /\/tags\/list/, skip: 1, action: { kind: 'status', status: 503 } }),
    run: async (c, w) => {
      await tags(c); // a token first, so the failures below carry it
      for (let i = 0; i < 5; i++) await tags(c).catch((e: unknown) => w.capture('error', e));
      return tags(c);
    },
  },
];

describe('the engine: log lines, errors and progress', () => {
  for (const c of CASES) {
    it(`#${c.issue} ${c.name}`, async () => {
      c.rules?.();
      const watch = newWatch();
      const client = new RegistryClient({
        credentials: async (host) => (host === sourceProxy.host || host === destinationProxy.host || host === foreign.host ? ADMIN : undefined),
        retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
        log: watch.log,
        cache: false,
        ...c.client,
      });
      let error: unknown;
      try {
        watch.capture('result', await c.run(client, watch));
      } catch (err) {
        error = err;
        watch.capture('error', err);
      } finally {
        await client.close();
      }
      if (c.outcome === 'ok') expect(error).toBeUndefined();
      else {
        expect(isRegistryError(error), String(error)).toBe(true);
        expect(c.outcome).toContain((error as { code: string }).code);
      }
      c.check?.();
      readWire(watch);
      if (c.tokens !== false) {
        expect(watch.watched, 'no token crossed the wire').toBeGreaterThan(BASE_SECRETS);
        expect(watch.outputs.some((o) => o.where === 'log')).toBe(true);
      }
      watch.expectNoLeak();
    });
  }
});

describe('the CLI with --verbose and --json', () => {
  /** What the CLI printed holds no secret, tokens read off the wire included. */
  const expectCleanOutput = (res: { stdout: string; stderr: string }): void => {
    const watch = newWatch();
    watch.capture('stdout', res.stdout);
    watch.capture('stderr', res.stderr);
    readWire(watch);
    expect(watch.watched).toBeGreaterThan(BASE_SECRETS);
    watch.expectNoLeak();
  };
  const cp = (repository: string, extra: string[] = []) =>
    cli(['cp', `${sourceProxy.host}/app/small:v1`, `${destinationProxy.host}/${repository}:v1`, '--verbose', ...extra], { env: cliEnv(credentialEnv()) });

  it('a copy through resets, 503s and a signed redirect: exit 0, and no secret in what it prints', async () => {
    sourceProxy.add({ method: 'GET', path: /\/manifests\//, action: { kind: 'status', status: 503 }, times: 1 });
    sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'reset', afterBytes: 64 * 1024 }, times: 1 });
    sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'redirect', location: (path) => `${storage.url}${path}?${SIGNED_QUERY}` } });
    const res = await cp('cli/ok');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^> GET /m); // the --verbose request lines are there
    expect(storage.requests.length).toBeGreaterThan(0);
    expectCleanOutput(res);
  });

  for (const json of [false, true]) {
    it(`a copy that fails (wrong bytes)${json ? ' with --json' : ''}: a typed error, and no secret in what it prints`, async () => {
      sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'corrupt', atByte: 100 } });
      const res = await cp(`cli/failed-${json}`, json ? ['--json'] : []);
      expect(res.code).not.toBe(0);
      expect(res.stdout + res.stderr).toMatch(/digest/);
      expectCleanOutput(res);
    });
  }
});

describe('regdesk serve: answers and the event stream', () => {
  let server: Server;
  let client: RegistryClient;
  const watch = newWatch();
  const emptyStore: SecretStore = { get: async () => null, set: async () => undefined, delete: async () => false, list: async () => [] };
  const events: string[] = [];
  let stream: Awaited<ReturnType<typeof request>> | undefined;

  beforeAll(async () => {
    const discovery = createDiscovery({ env: credentialEnv(), home: mkdtempSync(join(tmpdir(), 'regdesk-canary-home-')) });
    client = new RegistryClient({ credentials: discovery.source, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 }, log: watch.log });
    const bound: { server?: Server } = {};
    const handlers = createHandlers({
      client,
      settings: openSettings({ dir: mkdtempSync(join(tmpdir(), 'regdesk-canary-settings-')) }),
      store: emptyStore,
      session: sessionStore(),
      discovery,
      sessionRegistries: [sourceProxy.host, destinationProxy.host].map((host) => ({ host, insecure: true, skipVerify: false })),
      emit: (event, payload) => bound.server?.emit(event, payload),
    });
    server = bound.server = await startServer({ handlers });
    stream = await request(`http://127.0.0.1:${server.port}/events`, { headers: { [TOKEN_HEADER]: server.token } });
    void (async () => {
      for await (const chunk of stream!.body) events.push(chunk.toString());
    })().catch(() => undefined);
  });
  afterAll(async () => {
    stream?.body.destroy();
    await server.close();
    await client.close();
  });

  async function rpc(channel: string, body: unknown): Promise<any> {
    const res = await request(`http://127.0.0.1:${server.port}/rpc/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    watch.capture(`rpc ${channel}`, text);
    return JSON.parse(text);
  }

  async function copyJob(repository: string, image: PushedImage): Promise<any> {
    const started = await rpc('copy.start', {
      source: { registry: sourceProxy.host, repository: image.repo, reference: image.tag },
      destination: { registry: destinationProxy.host, repository, tag: 'v1' },
    });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    for (;;) {
      const job = (await rpc('copy.list', {})).result.find((j: { id: string }) => j.id === started.result.id);
      if (job.state !== 'running') return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('copies that succeed through faults and fail typed, a listing through a foreign Link, bad input: no secret in any answer or event', async () => {
    destinationProxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, action: { kind: 'reset-request', afterBytes: 512 * 1024 }, times: 1 });
    sourceProxy.add({ method: 'GET', path: blobPath(small), action: { kind: 'corrupt', atByte: 100 } });
    expect((await copyJob('served/ok', large)).state).toBe('done');
    expect(await copyJob('served/failed', small)).toMatchObject({ state: 'failed', error: { code: 'digest_mismatch' } });

    sourceProxy.add({ path: /\/tags\/list/, action: { kind: 'header', headers: { link: `<${storage.url}/v2/app/small/tags/list?${SIGNED_QUERY}>; rel="next"` } } });
    expect(await rpc('tags.list', { registry: sourceProxy.host, repository: 'app/small' })).toMatchObject({ ok: false, error: { code: 'protocol' } });
    expect((await rpc('image.get', { registry: sourceProxy.host, repository: 'UPPER/case', reference: 'v1' })).ok).toBe(false);
    const registries = await rpc('registries.list', {});
    expect(registries.result.find((r: { host: string }) => r.host === sourceProxy.host).credentials).toEqual({ origin: 'env-registry', username: 'admin', detail: expect.stringMatching(/^REGISTRY_[0-9A-Z_]+_PASSWORD$/), removable: false });

    expect(events.join('')).toMatch(/event: copy\.updated/);
    watch.capture('events', events.join(''));
    readWire(watch);
    expect(watch.watched).toBeGreaterThan(BASE_SECRETS);
    watch.expectNoLeak();
  });
});
