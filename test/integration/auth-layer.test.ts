/**
 * The auth layer against real registries (htpasswd Basic and bearer tokens
 * from the rig's token server), in a stack built by hand:
 * scheme → auth → redirects → http, tokens fetched over plain http.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../shared/errors';
import { withAuth, type AuthLayer } from '../../electron/registry/auth/auth-layer';
import type { Credential } from '../../electron/registry/auth/credentials';
import { createHttpTransport, type HttpTransport } from '../../electron/registry/transport/http';
import { withRedirects } from '../../electron/registry/transport/redirects';
import { withScheme } from '../../electron/registry/transport/scheme';
import { errorForStatus } from '../../electron/registry/transport/status-errors';
import type { Fetch, RegistryRequest, RegistryResponse } from '../../electron/registry/transport/types';
import { pushStandardFixtures } from '../rig/fixtures';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY } from '../rig/token-server';

interface Stack {
  fetch: Fetch;
  auth: AuthLayer;
  /** What reached the registry (below auth and redirects): `METHOD URL`. */
  wire: string[];
}

const transports: HttpTransport[] = [];

/** `before`: awaited ahead of each request reaching the registry, so a test can act while one is in flight. */
function stackFor(cred: Credential | undefined, before?: (req: RegistryRequest) => Promise<void>): Stack {
  const http = createHttpTransport({ timeouts: { connectMs: 5000, headersMs: 10_000, idleBodyMs: 10_000 } });
  transports.push(http);
  const wire: string[] = [];
  const counted: Fetch = async (req) => {
    wire.push(`${req.method} ${req.target}`);
    await before?.(req);
    return http.fetch(req);
  };
  const auth = withAuth({ credentials: async () => cred, tokenFetch: http.fetch });
  const fetch = withScheme()(auth(withRedirects()(counted)));
  return { fetch, auth, wire };
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

const tagsRequest = (registry: string, repo: string, extra: Partial<RegistryRequest> = {}): RegistryRequest => ({
  registry,
  method: 'GET',
  target: `/v2/${repo}/tags/list`,
  repository: repo,
  scopes: [`repository:${repo}:pull`],
  ...extra,
});

async function tagsOf(res: RegistryResponse): Promise<string[]> {
  expect(res.status).toBe(200);
  return ((await res.body.json()) as { tags: string[] }).tags;
}

async function rejectionOf(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    const res = (await promise) as RegistryResponse | undefined;
    await res?.body.dump();
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    return err as RegistryError;
  }
  throw new Error('expected a rejection');
}

const password = (user: string): string => DEFAULT_TOKEN_POLICY.users[user]!.password;

describe('Basic auth (htpasswd registry)', () => {
  let reg: RigRegistry;
  const [user, pw] = Object.entries(DEFAULT_BASIC_USERS)[0]!;

  beforeAll(async () => {
    reg = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
    await pushStandardFixtures(reg);
  });
  afterAll(() => reg.stop());

  it('the right credentials get 200', async () => {
    const { fetch, wire } = stackFor({ username: user, password: pw });
    const res = await fetch(tagsRequest(reg.host, 'fixtures/multi'));
    expect(res.auth).toEqual({ scheme: 'basic', withCredentials: true });
    expect(await tagsOf(res)).toEqual(['1.0']);
    expect(res.url.toString()).toBe(`http://${reg.host}/v2/fixtures/multi/tags/list`);
    // Anonymous first (and the https attempt that fell back), then once with Basic.
    expect(wire).toEqual([`GET https://${reg.host}/v2/fixtures/multi/tags/list`, `GET http://${reg.host}/v2/fixtures/multi/tags/list`, `GET http://${reg.host}/v2/fixtures/multi/tags/list`]);
    // Known to be Basic now: the next request goes with credentials straight away.
    const again = await fetch(tagsRequest(reg.host, 'a/b/c'));
    expect(await tagsOf(again)).toEqual(['latest']);
    expect(wire).toHaveLength(4);
  });

  it('wrong credentials end with 401 that says credentials were sent', async () => {
    const { fetch, wire } = stackFor({ username: user, password: 'not-the-password' });
    const res = await fetch(tagsRequest(reg.host, 'fixtures/multi'));
    expect(res.status).toBe(401);
    expect(res.auth).toEqual({ scheme: 'basic', withCredentials: true });
    // One anonymous try, one with the (wrong) credentials: no loop.
    expect(wire.filter((w) => w.startsWith('GET http:'))).toHaveLength(2);
    const err = await errorForStatus(res, { registry: reg.host, what: 'tag list' });
    expect(err.code).toBe('authentication');
    expect(err.message).toMatch(/the credentials were rejected/);
  });

  it('no credentials end with 401 that says none were sent', async () => {
    const { fetch, wire } = stackFor(undefined);
    const res = await fetch(tagsRequest(reg.host, 'fixtures/multi'));
    expect(res.status).toBe(401);
    expect(res.auth).toEqual({ scheme: 'none', withCredentials: false });
    expect(res.headers['www-authenticate']).toMatch(/^Basic /i);
    expect(wire.filter((w) => w.startsWith('GET http:'))).toHaveLength(1);
    const err = await errorForStatus(res, { registry: reg.host, what: 'tag list' });
    expect(err.code).toBe('authentication');
    expect(err.message).toMatch(/authentication required for tag list/);
  });

  it('a username without a password counts as no credentials', async () => {
    const { fetch } = stackFor({ username: user });
    const res = await fetch(tagsRequest(reg.host, 'fixtures/multi'));
    expect(res.status).toBe(401);
    expect(res.auth).toEqual({ scheme: 'none', withCredentials: false });
    await res.body.dump();
  });
});

describe('Bearer tokens (token registry)', () => {
  let reg: RigRegistry;
  const reader = { username: 'reader', password: password('reader') };
  const team = { username: 'team', password: password('team') };
  const tokenRequests = (): number => reg.tokenServer!.requests().length;
  const recordsSince = (before: number) => reg.tokenServer!.requests().slice(before);

  beforeAll(async () => {
    reg = await startRegistry({ auth: { kind: 'token' } });
    await pushStandardFixtures(reg);
  });
  afterAll(() => reg.stop());

  it('a challenge answered to a request sent before a reset (settings changed meanwhile) is not learned: no token is fetched for it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    // Holds the first plain-HTTP request (the https attempt before it fails at once on this registry).
    const { fetch, auth } = stackFor(reader, async (req) => {
      if (!first || !req.target.startsWith('http:')) return;
      first = false;
      await held;
    });
    const before = tokenRequests();
    const inFlight = fetch(tagsRequest(reg.host, 'fixtures/multi'));
    await expect.poll(() => first).toBe(false);
    auth.reset(reg.host);
    release();
    const stale = await inFlight;
    expect(stale.status).toBe(401);
    await stale.body.dump();
    expect(tokenRequests()).toBe(before);
    // The next request learns the challenge afresh, under the current settings.
    expect(await tagsOf(await fetch(tagsRequest(reg.host, 'fixtures/multi')))).toEqual(['1.0']);
    expect(tokenRequests()).toBe(before + 1);
  });

  it('anonymous pull of public/hello works', async () => {
    const before = tokenRequests();
    const { fetch } = stackFor(undefined);
    const res = await fetch(tagsRequest(reg.host, 'public/hello'));
    expect(res.auth).toEqual({ scheme: 'bearer', withCredentials: false });
    expect(await tagsOf(res)).toEqual(['1.0']);
    expect(recordsSince(before)).toEqual([
      { method: 'GET', grantType: 'anonymous', account: null, requested: ['repository:public/hello:pull'], granted: ['repository:public/hello:pull'] },
    ]);
  });

  it('anonymous pull of a private repository ends with 401 (an anonymous token, no loop)', async () => {
    const before = tokenRequests();
    const { fetch } = stackFor(undefined);
    const res = await fetch(tagsRequest(reg.host, 'fixtures/multi'));
    expect(res.status).toBe(401);
    expect(res.auth).toEqual({ scheme: 'bearer', withCredentials: false });
    await res.body.dump();
    expect(recordsSince(before).map((r) => `${r.grantType} ${r.granted.join(' ')}`)).toEqual(['anonymous ']);
  });

  it('reader gets 200 on fixtures/multi', async () => {
    const before = tokenRequests();
    const { fetch } = stackFor(reader);
    const res = await fetch(tagsRequest(reg.host, 'fixtures/multi'));
    expect(res.auth).toEqual({ scheme: 'bearer', withCredentials: true });
    expect(await tagsOf(res)).toEqual(['1.0']);
    expect(recordsSince(before)).toEqual([
      { method: 'GET', grantType: 'basic', account: 'reader', requested: ['repository:fixtures/multi:pull'], granted: ['repository:fixtures/multi:pull'] },
    ]);
  });

  it('reuses the token: 5 requests with one scope cost one token request, a new scope one more', async () => {
    const { fetch, auth } = stackFor(reader);
    const before = tokenRequests();
    for (let i = 0; i < 5; i++) {
      expect(await tagsOf(await fetch(tagsRequest(reg.host, 'fixtures/schema2')))).toEqual(['1.0']);
    }
    expect(tokenRequests() - before).toBe(1);
    expect(auth.tokenRequests()).toBe(1);

    expect(await tagsOf(await fetch(tagsRequest(reg.host, 'fixtures/dockerlist')))).toEqual(['1.0']);
    expect(tokenRequests() - before).toBe(2);
    // Both scopes are cached now.
    await tagsOf(await fetch(tagsRequest(reg.host, 'fixtures/schema2')));
    await tagsOf(await fetch(tagsRequest(reg.host, 'fixtures/dockerlist')));
    expect(tokenRequests() - before).toBe(2);
    expect(auth.tokenRequests()).toBe(2);
    expect(recordsSince(before).map((r) => r.requested)).toEqual([['repository:fixtures/schema2:pull'], ['repository:fixtures/dockerlist:pull']]);
  });

  it('concurrent requests with one scope share one token request', async () => {
    const { fetch } = stackFor(reader);
    // Learn the challenge first, so the concurrent ones all go for a token.
    await tagsOf(await fetch(tagsRequest(reg.host, 'public/hello')));
    const before = tokenRequests();
    const all = await Promise.all(Array.from({ length: 6 }, () => fetch(tagsRequest(reg.host, 'a/b/c'))));
    for (const res of all) expect(await tagsOf(res)).toEqual(['latest']);
    expect(tokenRequests() - before).toBe(1);
  });

  it('a refresh-token credential uses POST grant_type=refresh_token', async () => {
    // A refresh token, as `docker login` keeps it (identitytoken).
    const res = await fetch(reg.tokenServer!.realm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', service: reg.tokenServer!.service, client_id: 'test', access_type: 'offline', ...reader }).toString(),
    });
    const { refresh_token: refreshToken } = (await res.json()) as { refresh_token: string };
    expect(refreshToken).toMatch(/^[0-9a-f]{48}$/);

    const before = tokenRequests();
    const stack = stackFor({ refreshToken });
    const tags = await stack.fetch(tagsRequest(reg.host, 'fixtures/multi'));
    expect(tags.auth).toEqual({ scheme: 'bearer', withCredentials: true });
    expect(await tagsOf(tags)).toEqual(['1.0']);
    expect(recordsSince(before)).toEqual([
      { method: 'POST', grantType: 'refresh_token', account: 'reader', requested: ['repository:fixtures/multi:pull'], granted: ['repository:fixtures/multi:pull'] },
    ]);
  });

  it('the token server rejecting the password is an authentication error', async () => {
    const before = tokenRequests();
    const { fetch } = stackFor({ username: 'reader', password: 'wrong-password' });
    const err = await rejectionOf(fetch(tagsRequest(reg.host, 'fixtures/multi')));
    expect(err.code).toBe('authentication');
    expect(err.message).toBe(`${reg.host}: the token server rejected the credentials`);
    expect(err.context).toEqual({ registry: reg.host, status: 401 });
    expect(err.message).not.toContain('wrong-password');
    expect(recordsSince(before)).toEqual([{ method: 'GET', grantType: 'basic', account: 'reader', requested: ['repository:fixtures/multi:pull'], granted: [] }]);
  });

  it('team may push to team/*', async () => {
    const { fetch } = stackFor(team);
    const res = await fetch({ registry: reg.host, method: 'POST', target: '/v2/team/x/blobs/uploads/', repository: 'team/x', scopes: ['repository:team/x:pull,push'] });
    expect(res.status).toBe(202);
    expect(res.headers.location).toMatch(/\/v2\/team\/x\/blobs\/uploads\//);
    await res.body.dump();
  });

  it('team pushing to other/x ends with 401 after exactly one re-auth', async () => {
    const { fetch, wire } = stackFor(team);
    // The stack knows the registry's challenge already (as after any earlier request).
    await tagsOf(await fetch(tagsRequest(reg.host, 'public/hello')));
    const before = tokenRequests();
    const wireBefore = wire.length;

    const res = await fetch({ registry: reg.host, method: 'POST', target: '/v2/other/x/blobs/uploads/', repository: 'other/x', scopes: ['repository:other/x:pull,push'] });
    expect(res.status).toBe(401);
    expect(res.auth).toEqual({ scheme: 'bearer', withCredentials: true });
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);

    // One token for the request, one forced re-auth after insufficient_scope, and no more.
    const made = recordsSince(before);
    expect(made).toHaveLength(2);
    for (const r of made) {
      expect(r).toEqual({ method: 'GET', grantType: 'basic', account: 'team', requested: ['repository:other/x:pull,push'], granted: ['repository:other/x:pull'] });
    }
    expect(wire.slice(wireBefore)).toEqual([`POST http://${reg.host}/v2/other/x/blobs/uploads/`, `POST http://${reg.host}/v2/other/x/blobs/uploads/`]);

    const err = await errorForStatus(res, { registry: reg.host, repository: 'other/x', what: 'blob upload' });
    expect(err.code).toBe('authorization');
  });

  it('team pushing to other/x from a fresh stack: anonymous try, one token, 401 (no loop)', async () => {
    const before = tokenRequests();
    const { fetch, wire } = stackFor(team);
    const res = await fetch({ registry: reg.host, method: 'POST', target: '/v2/other/x/blobs/uploads/', repository: 'other/x', scopes: ['repository:other/x:pull,push'] });
    expect(res.status).toBe(401);
    await res.body.dump();
    expect(tokenRequests() - before).toBe(1);
    expect(wire.filter((w) => w.startsWith('POST http:'))).toHaveLength(2);
  });

  it('reset() forgets the cached tokens', async () => {
    const { fetch, auth } = stackFor(reader);
    await tagsOf(await fetch(tagsRequest(reg.host, 'fixtures/multi')));
    const before = tokenRequests();
    auth.reset(reg.host);
    await tagsOf(await fetch(tagsRequest(reg.host, 'fixtures/multi')));
    expect(tokenRequests() - before).toBe(1);
  });
});
