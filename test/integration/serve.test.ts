/**
 * `regdesk serve`: the handler table over loopback HTTP. Security checks
 * (token in a header only, never a cookie; the one-time code of --open; Host,
 * Origin, loopback only, CSP, no path traversal), the contract's validation,
 * copy progress streamed as server-sent events, and input that must not stop
 * the server (malformed paths, answers that cannot be encoded).
 */
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CopyJobView } from '../../shared/contract';
import { CHANNELS, type Channel } from '../../shared/contract';
import { createDiscovery } from '../../electron/credentials/discovery';
import { sessionStore } from '../../electron/credentials/session-store';
import type { SecretStore } from '../../electron/credentials/keychain';
import { describeRejection } from '../../electron/cli/commands/serve';
import { createHandlers, type Handlers } from '../../electron/ipc/handlers';
import { CONTENT_SECURITY_POLICY, startServer, TOKEN_HEADER, type Server } from '../../electron/ipc/serve';
import { RegistryClient } from '../../electron/registry/client';
import { openSettings } from '../../electron/settings/settings-file';
import { deeplyNested, imageWithRawJson, MANIFEST_DEPTH } from '../rig/deep-json';
import { pushImage } from '../rig/fixtures';
import { startFaultProxy } from '../rig/fault-proxy';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli, fakeOpener, startServe } from '../helpers/cli';
import { startGate } from '../helpers/gate';

const rig = inject('rig');
const multi = rig.fixtures.multi;

/** A keychain that holds nothing and stores in memory: serve's tests do not log in. */
const emptyStore: SecretStore = { get: async () => null, set: async () => undefined, delete: async () => false, list: async () => [] };

let server: Server;
let handlers: Handlers;
let destination: RigRegistry;
const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });

beforeAll(async () => {
  destination = await startRegistry();
  const settings = openSettings({ dir: mkdtempSync(join(tmpdir(), 'regdesk-serve-')) });
  const bound: { server?: Server } = {};
  handlers = createHandlers({
    client,
    settings,
    store: emptyStore,
    session: sessionStore(),
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

async function rpc(channel: string, body: unknown, headers: Record<string, string> = {}, on: Pick<Server, 'port' | 'token'> = server): Promise<{ status: number; json: any }> {
  const res = await request(`http://127.0.0.1:${on.port}/rpc/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: on.token, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, json: await res.body.json() };
}

/** A request as raw bytes on a socket, for request lines no HTTP client would send; resolves to the status line. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    socket.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      const line = /^HTTP\/1\.1 \d+[^\r]*\r\n/.exec(answer);
      if (line) {
        socket.destroy();
        resolve(line[0].trim());
      }
    });
    socket.on('error', reject);
  });
}

describe('security', () => {
  it('binds to 127.0.0.1 only, and prints the token in the fragment, which a browser never sends', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{48}$/);
  });

  it('/rpc and /events refuse a missing or wrong token, and one given in the query string or a cookie', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    for (const token of [undefined, 'wrong', server.token.slice(0, -1) + (server.token.endsWith('0') ? '1' : '0')]) {
      const res = await request(`${base}/rpc/registries.list`, { method: 'POST', headers: token ? { [TOKEN_HEADER]: token } : {}, body: '{}' });
      expect(res.statusCode).toBe(401);
      expect(await res.body.json()).toMatchObject({ ok: false, error: { code: 'authorization' } });
      const events = await request(`${base}/events`, { headers: token ? { [TOKEN_HEADER]: token } : {} });
      expect(events.statusCode).toBe(401);
      await events.body.dump();
    }
    // Only the header counts: a token anywhere a browser would attach it by itself is ignored.
    for (const [path, headers] of [
      [`/rpc/registries.list?token=${server.token}`, {}],
      ['/rpc/registries.list', { cookie: `regdesk_token_${server.port}=${server.token}` }],
    ] as const) {
      const res = await request(`${base}${path}`, { method: 'POST', headers, body: '{}' });
      expect(res.statusCode, path).toBe(401);
      await res.body.dump();
    }
    for (const [path, headers] of [[`/events?token=${server.token}`, {}], ['/events', { cookie: `regdesk_token_${server.port}=${server.token}` }]] as const) {
      const res = await request(`${base}${path}`, { headers });
      expect(res.statusCode, path).toBe(401);
      await res.body.dump();
    }
  });

  it('the UI loads without any token, and no answer ever sets a cookie', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const page = await request(`${base}/`);
    expect(page.statusCode).toBe(200);
    const html = await page.body.text();
    expect(html).not.toContain(server.token);
    const assets = [...html.matchAll(/(?:src|href)="\.?(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    const answers = [page];
    for (const asset of assets) answers.push(await request(`${base}${asset}`));
    answers.push(
      await request(`${base}/rpc/registries.list`, { method: 'POST', headers: { [TOKEN_HEADER]: server.token }, body: '{}' }),
      await request(`${base}/rpc/registries.list?token=${server.token}`, { method: 'POST', body: '{}' }),
      await request(`${base}/?token=${server.token}`),
      await request(`${base}/session`, { method: 'POST', body: JSON.stringify({ code: server.openUrl().split('#code=')[1] }) }),
      await request(`${base}/no-such-file`),
      await request(`${base}/%E0`),
    );
    const events = await request(`${base}/events`, { headers: { [TOKEN_HEADER]: server.token } });
    expect(events.statusCode).toBe(200);
    for (const res of answers) {
      expect(res.headers['set-cookie']).toBeUndefined();
      await res.body.dump();
    }
    expect(events.headers['set-cookie']).toBeUndefined();
    events.body.destroy();
    expect(answers.filter((r) => r.statusCode === 200).length).toBeGreaterThan(assets.length);
  });

  it('--open\'s one-time code is exchanged once for the token; a used, expired or made-up code is refused', async () => {
    const exchange = async (on: Server, code: string | undefined, headers: Record<string, string> = {}) => {
      const res = await request(`http://127.0.0.1:${on.port}/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ code }) });
      return { status: res.statusCode, json: (await res.body.json()) as any };
    };
    const openUrl = server.openUrl();
    expect(openUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#code=[0-9a-f]{32}$`));
    expect(openUrl).not.toContain(server.token);
    const code = openUrl.split('#code=')[1]!;
    // From another site, the code is not even looked at (and stays usable).
    expect((await exchange(server, code, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await exchange(server, code)).toEqual({ status: 200, json: { ok: true, result: { token: server.token } } });
    const again = await exchange(server, code);
    expect(again.status).toBe(401);
    expect(again.json.error).toMatchObject({ code: 'authorization', message: expect.stringContaining('already used or has expired') });
    expect(JSON.stringify(again.json)).not.toContain(server.token);
    expect((await exchange(server, 'f'.repeat(32))).status).toBe(401);
    expect((await exchange(server, undefined)).status).toBe(401);
    // Two codes are two sign-ins: each works once.
    const [first, second] = [server.openUrl(), server.openUrl()].map((u) => u.split('#code=')[1]!);
    expect(first).not.toBe(second);
    expect((await exchange(server, second)).status).toBe(200);
    expect((await exchange(server, first)).status).toBe(200);
    // A code past its lifetime is refused, and is gone.
    const shortLived = await startServer({ handlers, codeLifetimeMs: 0 });
    try {
      const stale = shortLived.openUrl().split('#code=')[1]!;
      expect((await exchange(shortLived, stale)).status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    expect((await rpc('registries.list', {}, { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await rpc('registries.list', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await rpc('registries.list', {}, { origin: `http://localhost:${server.port}` })).status).toBe(200);
  });

  it('serves the renderer with the CSP and no Referer, and nothing outside it', async () => {
    const page = await request(`http://127.0.0.1:${server.port}/`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(await page.body.text()).toContain('<div id="root">');
    const traversal = await request(`http://127.0.0.1:${server.port}/..%2f..%2fpackage.json`);
    expect(traversal.statusCode).toBe(404);
    await traversal.body.dump();
  });
});

describe('input that must not stop serve', () => {
  it('a malformed path or %-escape is a typed 400, and serve still answers', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    for (const [method, path] of [['GET', '/%E0'], ['GET', '/%'], ['GET', '/assets/%C0%AF'], ['POST', '/rpc/%E0'], ['POST', '/rpc/tags.list%ZZ'], ['GET', '/%00']] as const) {
      const res = await request(`${base}${path}`, { method, headers: { [TOKEN_HEADER]: server.token }, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.statusCode, `${method} ${path}`).toBe(400);
      expect(await res.body.json(), `${method} ${path}`).toMatchObject({ ok: false, error: { code: 'usage', message: 'malformed request path' } });
    }
    // Request targets that are not a path at all.
    const host = `127.0.0.1:${server.port}`;
    expect(await rawRequest(server.port, `GET * HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawRequest(server.port, `GET http://${host}/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawRequest(server.port, `GET //[/x HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 404/);
    expect((await rpc('registries.list', {})).json.ok).toBe(true);
  });

  it('a handler whose answer cannot be encoded, or that fails untyped, answers a typed error, and serve keeps answering', async () => {
    const nested: unknown = JSON.parse(deeplyNested(200_000));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const hostile = {
      ...handlers,
      'image.get': async () => ({ labels: { deep: nested } }),
      'copy.list': async () => circular,
      'tags.list': async () => {
        throw new TypeError('x is not a function');
      },
    } as unknown as Handlers;
    const own = await startServer({ handlers: hostile });
    try {
      const deep = await rpc('image.get', { registry: rig.registry.host, repository: multi.repo, reference: multi.tag }, {}, own);
      expect(deep).toEqual({ status: 200, json: { ok: false, error: { code: 'protocol', message: 'the answer to image.get is nested too deeply to send', hint: expect.stringContaining('nested thousands of levels deep') } } });
      expect((await rpc('copy.list', {}, {}, own)).json).toEqual({ ok: false, error: { code: 'internal', message: 'the answer to copy.list could not be encoded' } });
      expect((await rpc('tags.list', { registry: rig.registry.host, repository: multi.repo }, {}, own)).json).toMatchObject({ ok: false, error: { code: 'internal' } });
      // Events that cannot be encoded are dropped; the stream and the server go on.
      own.emit('copy.updated', nested as CopyJobView);
      expect((await rpc('registries.list', {}, {}, own)).json.ok).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('the built serve survives an image whose config label is JSON nested 200,000 levels deep, and never prints its token', async () => {
    const hostile = await startRegistry();
    try {
      await pushImage(hostile, 'hostile/deep', 'v1', imageWithRawJson({ labelJson: deeplyNested(200_000), manifestJson: deeplyNested(MANIFEST_DEPTH) }));
      const run = await startServe(['--registry', hostile.host]);
      const { port, token } = served(run.url);
      const image = await rpc('image.get', { registry: hostile.host, repository: 'hostile/deep', reference: 'v1' }, {}, { port, token });
      expect(image.status).toBe(200);
      // The engine drops the label, or serve refuses to send it: either way a typed answer, and no 200,000-deep value.
      if (image.json.ok) expect(JSON.stringify(image.json.result.image.config.labels ?? {})).not.toContain('[[[[');
      else expect(image.json.error.code).toBe('protocol');
      expect((await rpc('registries.list', {}, {}, { port, token })).json.ok).toBe(true);
      const result = await run.stop();
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).toContain(token);
      expect(result.stderr).not.toContain(token);
      expect(result.stdout.split(token)).toHaveLength(2);
    } finally {
      await hostile.stop();
    }
  });

  it('an unhandled rejection is one line, without the token, URL queries or user info', () => {
    const token = 'a'.repeat(48);
    const line = describeRejection(new Error(`GET https://user:pw@registry.example/v2/x?X-Amz-Signature=abc failed for ${token}\n    at stack (file.js:1:1)`), [token]);
    expect(line).toBe('unexpected error kept from stopping serve (Error): GET https://registry.example/v2/x?<redacted> failed for <redacted>');
    expect(describeRejection(undefined, [token])).toBe('unexpected error kept from stopping serve (undefined)');
    expect(describeRejection(`plain ${token}`, [token])).toBe('unexpected error kept from stopping serve (string): plain <redacted>');
  });
});

describe('contract', () => {
  it('every channel has a request schema', () => {
    const names = Object.keys(CHANNELS) as Channel[];
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(typeof CHANNELS[name].request.safeParse).toBe('function');
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
    const events = await request(`http://127.0.0.1:${server.port}/events`, { headers: { [TOKEN_HEADER]: server.token } });
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

/** The port and token of a URL serve printed. */
function served(url: string): { port: number; token: string } {
  const parsed = new URL(url);
  return { port: Number(parsed.port), token: new URLSearchParams(parsed.hash.slice(1)).get('token')! };
}

describe('regdesk serve (the built CLI)', () => {
  it('prints its URL, serves the UI there, and stops on SIGTERM', async () => {
    const run = await startServe(['--registry', rig.registry.host]);
    const page = await request(run.url);
    expect(page.statusCode).toBe(200);
    await page.body.dump();
    const result = await run.stop();
    expect(result.code).toBe(0);
  });

  it('--open hands the browser a one-time code, never the token: a command line is readable by other local users', async () => {
    const opener = await fakeOpener();
    const run = await startServe(['--registry', rig.registry.host, '--open'], { env: opener.env });
    try {
      const { port, token } = served(run.url);
      const args = await opener.opened;
      expect(args).toHaveLength(1);
      expect(args[0]).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/#code=[0-9a-f]{32}$`));
      expect(args[0]).not.toContain(token);
      const exchange = () => request(`http://127.0.0.1:${port}/session`, { method: 'POST', body: JSON.stringify({ code: args[0]!.split('#code=')[1] }) });
      expect(await (await exchange()).body.json()).toEqual({ ok: true, result: { token } });
      expect((await exchange()).statusCode).toBe(401);
    } finally {
      await run.stop();
      await opener.close();
    }
  });

  it('refuses a bad --port', async () => {
    const res = await cli(['serve', '--port', 'abc']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--port must be a whole number/);
  });
});
