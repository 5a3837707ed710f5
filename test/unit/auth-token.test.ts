/**
 * Token requests with a scripted fetch: realm checks (before anything is
 * sent), the GET and POST flows, and how the token server's answers map.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../shared/errors';
import { fetchToken, realmMustNotBeLocal, validateRealm, type TokenRequest } from '../../electron/registry/auth/token';
import { ADDRESS_REFUSED_CODE, TOKEN_SERVER_FAILURE } from '../../electron/registry/transport/network-errors';
import type { Fetch, RegistryRequest, RegistryResponse } from '../../electron/registry/transport/types';
import { rejectionOf } from '../helpers/errors';

const REG = 'registry.example.com';
const REG_URL = new URL('https://registry.example.com/v2/a/tags/list');
const NOW = Date.UTC(2030, 0, 1);

function errorOf(fn: () => unknown): RegistryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    return err as RegistryError;
  }
  throw new Error('expected a RegistryError');
}


function answer(status: number, body: unknown, headers: Record<string, string> = {}): RegistryResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers, body: Readable.from([Buffer.from(text)]) as unknown as RegistryResponse['body'], url: new URL('https://auth.example.com/token') };
}

function scripted(...answers: Array<RegistryResponse | Error>) {
  const calls: RegistryRequest[] = [];
  const fetch: Fetch = async (req) => {
    const a = answers[Math.min(calls.length, answers.length - 1)]!;
    calls.push(req);
    if (a instanceof Error) throw a;
    return a;
  };
  return { fetch, calls };
}

const base = (extra: Partial<TokenRequest> = {}): TokenRequest => ({
  registry: REG,
  registryUrl: REG_URL,
  challenge: { realm: 'https://auth.example.com/token', service: 'registry.example.com' },
  scopes: ['repository:a:pull', 'repository:b:pull,push'],
  now: () => NOW,
  ...extra,
});

describe('validateRealm', () => {
  it('accepts an https realm, and an http realm for an http registry', () => {
    expect(validateRealm('https://auth.example.com/token', REG_URL, REG).toString()).toBe('https://auth.example.com/token');
    expect(validateRealm('http://127.0.0.1:9000/token', new URL('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000').host).toBe('127.0.0.1:9000');
  });

  it.each([
    ['not a url', /the token realm is not a valid URL/],
    ['/token', /the token realm is not a valid URL/],
    ['ftp://auth.example.com/token', /token realm with scheme ftp: refused/],
    ['file:///etc/passwd', /token realm with scheme file: refused/],
    ['javascript:alert(1)', /token realm with scheme javascript: refused/],
    ['http://auth.example.com/token', /would downgrade https to http; refused/],
    ['https://user:pw@auth.example.com/token', /token realm carries user info; refused/],
    ['https://user@auth.example.com/token', /token realm carries user info; refused/],
    ['https://169.254.169.254/latest/meta-data', /link-local or metadata address; refused/],
    ['https://2852039166/token', /link-local or metadata address; refused/],
    ['https://[fe80::1]/token', /link-local or metadata address; refused/],
    ['https://metadata.google.internal/computeMetadata/v1/', /link-local or metadata address; refused/],
  ])('refuses %s', (realm, message) => {
    const err = errorOf(() => validateRealm(realm, REG_URL, REG));
    expect(err.code).toBe('protocol');
    expect(err.message).toMatch(message);
    expect(err.context).toEqual({ registry: REG });
  });

  it('never puts the realm’s query or user info in the downgrade message', () => {
    const err = errorOf(() => validateRealm('http://auth.example.com/token?secret=abc', REG_URL, REG));
    expect(err.message).not.toContain('secret=abc');
  });

  // BUG (hosts.ts isLinkLocalOrMetadata, as used by validateRealm): the realm's hostname comes from the
  // URL parser, which writes `[::ffff:169.254.169.254]` as `[::ffff:a9fe:a9fe]`; the check only knows
  // the dotted `::ffff:169.254.` form, so this realm to the cloud metadata service is accepted and the
  // user's credentials are sent there. Fix in isLinkLocalOrMetadata: decode IPv4-mapped IPv6 (hex form)
  // before the IPv4 checks.
  it('refuses an IPv4-mapped IPv6 realm that reaches the metadata service', () => {
    const err = errorOf(() => validateRealm('https://[::ffff:169.254.169.254]/token', REG_URL, REG));
    expect(err.message).toMatch(/link-local or metadata address; refused/);
  });
});

describe('a realm on this machine (loopback)', () => {
  it.each([
    'https://127.0.0.1/token',
    'https://127.1.2.3:8443/token',
    'https://localhost:5001/token',
    'https://LOCALHOST./token',
    'https://auth.localhost/token',
    'https://[::1]/token',
    'https://[::ffff:127.0.0.1]/token',
    'https://0.0.0.0/token',
    'https://[::]/token',
    'https://2130706433/token',
  ])('%s, for a registry elsewhere: refused before anything is sent', (realm) => {
    const err = errorOf(() => validateRealm(realm, REG_URL, REG));
    expect(err.code).toBe('protocol');
    expect(err.message).toMatch(/points at this machine \(loopback\) but the registry is elsewhere; refused/);
    expect(err.context).toEqual({ registry: REG, registryCode: ADDRESS_REFUSED_CODE });
    expect(err.hint).toMatch(/reach it as localhost:PORT/);
  });

  it.each(['http://127.0.0.1:5000/v2/', 'http://localhost:5000/v2/', 'http://[::1]:5000/v2/', 'http://0.0.0.0:5000/v2/'])(
    'is fine for a registry on this machine too (%s)', (registryUrl) => {
      expect(validateRealm('http://localhost:9000/token', new URL(registryUrl), 'local').host).toBe('localhost:9000');
      expect(validateRealm('http://127.0.0.1:9000/token', new URL(registryUrl), 'local').host).toBe('127.0.0.1:9000');
    },
  );

  it('a realm name that may resolve here is checked at connect time, unless the registry is local or the realm is on its own host name', () => {
    expect(realmMustNotBeLocal(new URL('https://auth.example.com/token'), REG_URL)).toBe(true);
    expect(realmMustNotBeLocal(new URL('https://registry.example.com:5001/token'), REG_URL)).toBe(false);
    expect(realmMustNotBeLocal(new URL('https://auth.test/token'), new URL('http://127.0.0.1:5000/v2/'))).toBe(false);
    expect(realmMustNotBeLocal(new URL('https://auth.test/token'), new URL('http://localhost:5000/v2/'))).toBe(false);
  });

  it('fetchToken asks the transport to refuse a realm name resolving here only when it must', async () => {
    const elsewhere = scripted(answer(200, { token: 't' }));
    await fetchToken(elsewhere.fetch, base());
    expect(elsewhere.calls[0]).toMatchObject({ refuseLinkLocal: true, refuseLoopback: true });
    const local = scripted(answer(200, { token: 't' }));
    await fetchToken(local.fetch, base({ registry: '127.0.0.1:5000', registryUrl: new URL('http://127.0.0.1:5000/v2/'), challenge: { realm: 'http://auth.test:5001/token' } }));
    expect(local.calls[0]!.refuseLinkLocal).toBe(true);
    expect(local.calls[0]!.refuseLoopback).toBeUndefined();
  });
});

describe('fetchToken', () => {
  it('anonymous GET: service and every scope in the query, no authorization, no account', async () => {
    const s = scripted(answer(200, { token: 'anon-token', expires_in: 300 }));
    const issued = await fetchToken(s.fetch, base());
    expect(issued).toEqual({ token: 'anon-token', expiresAt: NOW + 300_000 - 10_000 });
    expect(s.calls).toHaveLength(1);
    const call = s.calls[0]!;
    expect(call.method).toBe('GET');
    expect(call.registry).toBe(REG);
    const url = new URL(call.target);
    expect(url.origin + url.pathname).toBe('https://auth.example.com/token');
    expect(url.searchParams.get('service')).toBe('registry.example.com');
    expect(url.searchParams.getAll('scope')).toEqual(['repository:a:pull', 'repository:b:pull,push']);
    expect(url.searchParams.has('account')).toBe(false);
    expect(call.headers).toEqual({});
  });

  it('GET with a password: Basic authorization and account', async () => {
    const s = scripted(answer(200, { access_token: 'user-token' }));
    const issued = await fetchToken(s.fetch, base({ credential: { username: 'alice', password: 'pa:ss wörd' } }));
    expect(issued.token).toBe('user-token');
    // expires_in absent: the spec's 60 s, minus a tenth.
    expect(issued.expiresAt).toBe(NOW + 60_000 - 6000);
    const call = s.calls[0]!;
    expect(call.headers).toEqual({ authorization: 'Basic ' + Buffer.from('alice:pa:ss wörd').toString('base64') });
    expect(new URL(call.target).searchParams.get('account')).toBe('alice');
  });

  it('keeps the realm’s own query parameters', async () => {
    const s = scripted(answer(200, { token: 't' }));
    await fetchToken(s.fetch, base({ challenge: { realm: 'https://auth.example.com/token?tenant=x' } }));
    const url = new URL(s.calls[0]!.target);
    expect(url.searchParams.get('tenant')).toBe('x');
    expect(url.searchParams.has('service')).toBe(false);
  });

  it('a refresh token: POST grant_type=refresh_token, form-encoded, nothing in the URL', async () => {
    const s = scripted(answer(200, { access_token: 'refreshed', expires_in: 600 }));
    await fetchToken(s.fetch, base({ credential: { refreshToken: 'rt-123' } }));
    const call = s.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.target).toBe('https://auth.example.com/token');
    expect(call.headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded' });
    const form = new URLSearchParams(call.body as string);
    expect(Object.fromEntries(form)).toEqual({
      client_id: 'regdesk',
      service: 'registry.example.com',
      scope: 'repository:a:pull repository:b:pull,push',
      grant_type: 'refresh_token',
      refresh_token: 'rt-123',
    });
  });

  it('the OAuth2 password grant (oauthPassword) keeps the refresh token it gets', async () => {
    const s = scripted(answer(200, { access_token: 'a', refresh_token: 'new-rt', expires_in: 100 }));
    const issued = await fetchToken(s.fetch, base({ credential: { username: 'bob', password: 'pw&=+' }, oauthPassword: true }));
    expect(issued).toEqual({ token: 'a', refreshToken: 'new-rt', expiresAt: NOW + 100_000 - 10_000 });
    const form = new URLSearchParams(s.calls[0]!.body as string);
    expect(form.get('grant_type')).toBe('password');
    expect(form.get('username')).toBe('bob');
    expect(form.get('password')).toBe('pw&=+');
    expect(form.get('access_type')).toBe('offline');
  });

  it('falls back to GET when the POST flow is not there (404 or 405)', async () => {
    for (const status of [404, 405]) {
      const s = scripted(answer(status, 'no'), answer(200, { token: 'via-get' }));
      const issued = await fetchToken(s.fetch, base({ credential: { username: 'u', password: 'p' }, oauthPassword: true }));
      expect(issued.token).toBe('via-get');
      expect(s.calls.map((c) => c.method)).toEqual(['POST', 'GET']);
    }
  });

  it('rejected credentials → authentication, with or without credentials', async () => {
    const withCred = await rejectionOf(fetchToken(scripted(answer(401, '')).fetch, base({ credential: { username: 'u', password: 'wrong' } })));
    expect(withCred.code).toBe('authentication');
    expect(withCred.message).toBe(`${REG}: the token server rejected the credentials`);
    expect(withCred.context).toEqual({ registry: REG, status: 401 });
    const anon = await rejectionOf(fetchToken(scripted(answer(403, '')).fetch, base()));
    expect(anon.code).toBe('authentication');
    expect(anon.message).toBe(`${REG}: the token server requires credentials`);
  });

  it('does not follow a redirect from the token server', async () => {
    const s = scripted(answer(302, '', { location: 'https://elsewhere.example.com/token' }));
    const err = await rejectionOf(fetchToken(s.fetch, base()));
    expect(err.code).toBe('protocol');
    expect(err.context.status).toBe(302);
    expect(s.calls).toHaveLength(1);
  });

  it('other statuses: protocol (429: rate_limited), with the body scrubbed of the credential', async () => {
    const cred = { username: 'u', password: 'Sup3rSecretPw' };
    const err = await rejectionOf(fetchToken(scripted(answer(500, 'boom: bad password Sup3rSecretPw\n\tagain')).fetch, base({ credential: cred })));
    expect(err.code).toBe('protocol');
    expect(err.message).toBe(`${REG}: the token server answered HTTP 500: boom: bad password <redacted> again`);
    const limited = await rejectionOf(fetchToken(scripted(answer(429, 'slow')).fetch, base()));
    expect(limited.code).toBe('rate_limited');
  });

  it('a 200 without a token, or not JSON, is a protocol error', async () => {
    for (const body of ['{}', '{"token":""}', '{"token":42}', 'not json', '[]']) {
      const err = await rejectionOf(fetchToken(scripted(answer(200, body)).fetch, base()));
      expect(err.code).toBe('protocol');
    }
  });

  it('trusts a plausible issued_at, and ignores a skewed one', async () => {
    const close = await fetchToken(scripted(answer(200, { token: 't', expires_in: 100, issued_at: new Date(NOW - 30_000).toISOString() })).fetch, base());
    expect(close.expiresAt).toBe(NOW - 30_000 + 100_000 - 10_000);
    const skewed = await fetchToken(scripted(answer(200, { token: 't', expires_in: 100, issued_at: new Date(NOW - 3_600_000).toISOString() })).fetch, base());
    expect(skewed.expiresAt).toBe(NOW + 100_000 - 10_000);
    const future = await fetchToken(scripted(answer(200, { token: 't', expires_in: 100, issued_at: new Date(NOW + 60_000).toISOString() })).fetch, base());
    expect(future.expiresAt).toBe(NOW + 100_000 - 10_000);
  });

  it('a network failure names the token server and is marked so the breaker ignores it', async () => {
    const s = scripted(new RegistryError('network', `${REG}: connection refused`, { registry: REG }));
    const err = await rejectionOf(fetchToken(s.fetch, base()));
    expect(err.code).toBe('network');
    expect(err.message).toBe(`${REG}: its token server auth.example.com failed: connection refused`);
    expect(err.context).toEqual({ registry: REG, registryCode: TOKEN_SERVER_FAILURE });
  });

  it('refuses a bad realm before sending anything', async () => {
    const s = scripted(answer(200, { token: 't' }));
    await rejectionOf(fetchToken(s.fetch, base({ challenge: { realm: 'https://169.254.169.254/token' }, credential: { username: 'u', password: 'p' } })));
    expect(s.calls).toEqual([]);
  });

  it('passes the signal on', async () => {
    const controller = new AbortController();
    const s = scripted(answer(200, { token: 't' }));
    await fetchToken(s.fetch, base({ signal: controller.signal }));
    expect(s.calls[0]!.signal).toBe(controller.signal);
  });
});
