/**
 * `regdesk serve`: the handler table over loopback HTTP. Security checks
 * (token, Host, Origin, loopback only, CSP, no path traversal), the contract's
 * validation, and copy progress streamed as server-sent events.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CopyJobView } from '../../shared/contract';
import { CHANNEL_NAMES, CHANNELS } from '../../shared/contract';
import { createDiscovery } from '../../electron/credentials/discovery';
import type { SecretStore } from '../../electron/credentials/keychain';
import { createHandlers } from '../../electron/ipc/handlers';
import { CONTENT_SECURITY_POLICY, startServer, TOKEN_HEADER, type Server } from '../../electron/ipc/serve';
import { RegistryClient } from '../../electron/registry/client';
import { openSettings } from '../../electron/settings/settings-file';
import { startFaultProxy } from '../rig/fault-proxy';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli, startServe } from '../helpers/cli';
import { startGate } from '../helpers/gate';

const rig = inject('rig');
const multi = rig.fixtures.multi;

/** A keychain that holds nothing and stores in memory: serve's tests do not log in. */
const emptyStore: SecretStore = { get: async () => null, set: async () => undefined, delete: async () => false, list: async () => [] };

let server: Server;
let destination: RigRegistry;
const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });

beforeAll(async () => {
  destination = await startRegistry();
  const settings = openSettings({ dir: mkdtempSync(join(tmpdir(), 'regdesk-serve-')) });
  const bound: { server?: Server } = {};
  const handlers = createHandlers({
    client,
    settings,
    store: emptyStore,
    discovery: createDiscovery({ env: {}, home: mkdtempSync(join(tmpdir(), 'regdesk-home-')) }),
    sessionRegistries: [{ host: rig.registry.host, insecure: true, skipVerify: false }],
    emit: (event, payload) => bound.server?.emit(event, payload),
  });
  server = bound.server = await startServer({ handlers, staticDir: join(process.cwd(), 'dist/renderer') });
});
afterAll(async () => {
  await server.close();
  await client.close();
  await destination.stop();
});

async function rpc(channel: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await request(`http://127.0.0.1:${server.port}/rpc/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, json: await res.body.json() };
}

describe('security', () => {
  it('binds to 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('refuses a missing or wrong token', async () => {
    for (const token of [undefined, 'wrong', server.token.slice(0, -1) + (server.token.endsWith('0') ? '1' : '0')]) {
      const res = await request(`http://127.0.0.1:${server.port}/rpc/registries.list`, { method: 'POST', headers: token ? { [TOKEN_HEADER]: token } : {}, body: '{}' });
      expect(res.statusCode).toBe(401);
      await res.body.dump();
    }
    const page = await request(`http://127.0.0.1:${server.port}/`);
    expect(page.statusCode).toBe(401);
    await page.body.dump();
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    expect((await rpc('registries.list', {}, { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await rpc('registries.list', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await rpc('registries.list', {}, { origin: `http://localhost:${server.port}` })).status).toBe(200);
  });

  it('serves the renderer with the CSP, and nothing outside it', async () => {
    const page = await request(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(await page.body.text()).toContain('<div id="root">');
    const traversal = await request(`http://127.0.0.1:${server.port}/..%2f..%2fpackage.json?token=${server.token}`);
    expect(traversal.statusCode).toBe(404);
    await traversal.body.dump();
  });
});

describe('contract', () => {
  it('every channel has a request schema', () => {
    expect(CHANNEL_NAMES.length).toBeGreaterThan(10);
    for (const name of CHANNEL_NAMES) expect(typeof CHANNELS[name].request.safeParse).toBe('function');
  });

  it('rejects bad payloads and unknown channels with typed errors', async () => {
    const bad = await rpc('tags.list', { registry: 42 });
    expect(bad.json).toMatchObject({ ok: false, error: { code: 'usage', message: expect.stringContaining('registry') } });
    const unknown = await rpc('fs.readFile', { path: '/etc/passwd' });
    expect(unknown.json).toMatchObject({ ok: false, error: { code: 'usage', message: expect.stringContaining('unknown channel') } });
    const badReference = await rpc('image.get', { registry: rig.registry.host, repository: 'UPPER', reference: 'x' });
    expect(badReference.json.ok).toBe(false);
    const badPlatform = await rpc('image.get', { registry: rig.registry.host, repository: multi.repo, reference: multi.tag, platform: 'nonsense' });
    expect(badPlatform.json).toMatchObject({ ok: false, error: { code: 'invalid_reference', part: 'platform' } });
  });

  it('a malformed registry, repository, tag or digest in any request is a typed invalid_reference naming the part, and nothing is sent', async () => {
    const proxy = await startFaultProxy(rig.registry.url);
    try {
      const registry = proxy.host;
      const good = { registry, repository: multi.repo, reference: multi.tag };
      const cases: Array<[string, string, unknown, string]> = [
        ['tags.list', 'repository climbing out of its path', { registry, repository: '../../v2/_catalog' }, 'repository'],
        ['tags.list', 'repository in upper case', { registry, repository: 'Team/App' }, 'repository'],
        ['tags.list', 'repository with an empty component', { registry, repository: 'a//b' }, 'repository'],
        ['tags.list', 'repository with a space', { registry, repository: 'a b' }, 'repository'],
        ['tags.list', 'repository with a query', { registry, repository: 'a?n=1' }, 'repository'],
        ['tags.list', 'registry with a scheme', { registry: `http://${registry}`, repository: 'a' }, 'host'],
        ['image.get', 'tag with a slash', { ...good, reference: '../../_catalog' }, 'tag'],
        ['image.get', 'tag with a space', { ...good, reference: 'v 1' }, 'tag'],
        ['image.get', 'digest with bad hex', { ...good, reference: 'sha256:xyz' }, 'digest'],
        ['image.get', 'control character in the repository', { ...good, repository: 'a\u0000b' }, 'repository'],
        ['image.referrers', 'digest of an unknown algorithm', { registry, repository: multi.repo, digest: 'md5:0123' }, 'digest'],
        ['image.referrers', 'repository climbing out of its path', { registry, repository: '..', digest: multi.digest }, 'repository'],
        ['registries.remember', 'repository with a fragment', { host: registry, repository: 'a#b' }, 'repository'],
        ['copy.plan', 'source repository', { source: { ...good, repository: 'a/../b' }, destination: { registry, repository: 'x' } }, 'repository'],
        ['copy.plan', 'source reference', { source: { ...good, reference: 'x/y' }, destination: { registry, repository: 'x' } }, 'tag'],
        ['copy.plan', 'source registry', { source: { ...good, registry: 'user@host' }, destination: { registry, repository: 'x' } }, 'host'],
        ['copy.plan', 'destination repository', { source: good, destination: { registry, repository: '/leading' } }, 'repository'],
        ['copy.start', 'destination tag that is a digest', { source: good, destination: { registry, repository: 'x', tag: multi.digest } }, 'tag'],
        ['copy.start', 'destination tag starting with a dot', { source: good, destination: { registry, repository: 'x', tag: '.hidden' } }, 'tag'],
      ];
      for (const [channel, what, body, part] of cases) {
        const res = await rpc(channel, body);
        expect(res.json, `${channel}: ${what}`).toMatchObject({ ok: false, error: { code: 'invalid_reference', part } });
        expect(res.json.error.message, `${channel}: ${what}`).not.toMatch(/unexpected error/);
      }
      expect(proxy.requests).toEqual([]);
      // The same requests, well formed, do reach the registry.
      expect((await rpc('tags.list', { registry, repository: multi.repo })).json).toMatchObject({ ok: true });
      expect(proxy.requests.length).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('answers calls through the engine', async () => {
    const list = await rpc('registries.list', {});
    // Docker Hub is there from the first start, so a newcomer has something to browse.
    expect(list.json.result.map((r: { host: string; name: string }) => [r.host, r.name])).toEqual([['registry-1.docker.io', 'Docker Hub'], [rig.registry.host, rig.registry.host]]);
    const image = await rpc('image.get', { registry: rig.registry.host, repository: multi.repo, reference: multi.tag, platform: 'linux/arm64' });
    expect(image.json.ok).toBe(true);
    expect(image.json.result).toMatchObject({ digest: multi.digest, image: { digest: multi.children[1]!.digest } });
    expect(image.json.result.platforms).toHaveLength(3);
    expect(image.json.result.image.config.history.length).toBeGreaterThan(0);
    const referrers = await rpc('image.referrers', { registry: rig.registry.host, repository: multi.repo, digest: multi.digest });
    expect(referrers.json.result).toEqual({ source: 'none', referrers: [] });
    const badDigest = await rpc('image.referrers', { registry: rig.registry.host, repository: multi.repo, digest: 'sha256:../../x' });
    expect(badDigest.json).toMatchObject({ ok: false, error: { code: 'invalid_reference', part: 'digest' } });
  });
});

describe('a caller that goes away', () => {
  it('a call whose HTTP client disconnects is cancelled on the server: the registry request under it is given up', async () => {
    const gate = await startGate(rig.registry.url, /\/tags\/list/);
    try {
      const controller = new AbortController();
      const call = request(`http://127.0.0.1:${server.port}/rpc/tags.list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
        body: JSON.stringify({ registry: gate.host, repository: multi.repo }),
        signal: controller.signal,
      });
      await gate.held(1);
      controller.abort();
      await call.catch(() => undefined);
      // The engine's own request, held at the gate, is closed by the server: nobody waits for its answer any more.
      await gate.abandoned(1);
      expect(gate.requests.filter((r) => r.includes('/tags/list'))).toHaveLength(1);
    } finally {
      await gate.close();
    }
  });
});

describe('copy jobs over serve', () => {
  it('streams copy progress as server-sent events until the copy is done', async () => {
    const events = await request(`http://127.0.0.1:${server.port}/events?token=${server.token}`);
    expect(events.headers['content-type']).toBe('text/event-stream');
    const seen: CopyJobView[] = [];
    const finished = (async () => {
      let buffer = '';
      for await (const chunk of events.body) {
        buffer += chunk.toString();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (/^event: copy\.updated$/m.test(frame) && data) {
            const job = JSON.parse(data) as CopyJobView;
            seen.push(job);
            if (job.state !== 'running') return job;
          }
        }
      }
      return undefined;
    })();
    const started = await rpc('copy.start', {
      source: { registry: rig.registry.host, repository: multi.repo, reference: multi.tag },
      destination: { registry: destination.host, repository: 'served/multi', tag: 'v1' },
    });
    expect(started.json.ok).toBe(true);
    const last = await finished;
    events.body.destroy();
    expect(last).toMatchObject({ id: started.json.result.id, state: 'done', result: { digest: multi.digest } });
    expect(seen.some((j) => j.progress?.phase === 'blobs')).toBe(true);
    expect(seen.some((j) => j.plan?.blobs.length)).toBe(true);
    const jobs = await rpc('copy.list', {});
    expect(jobs.json.result.find((j: CopyJobView) => j.id === started.json.result.id).state).toBe('done');
  });
});

describe('regdesk serve (the built CLI)', () => {
  it('prints its URL, serves the UI there, and stops on SIGTERM', async () => {
    const run = await startServe(['--registry', rig.registry.host]);
    const page = await request(run.url);
    expect(page.statusCode).toBe(200);
    await page.body.dump();
    const result = await run.stop();
    expect(result.code).toBe(0);
  });

  it('refuses a bad --port', async () => {
    const res = await cli(['serve', '--port', 'abc']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--port must be a whole number/);
  });
});
