/**
 * Token flows and realm checks against real registries and the rig's token
 * server: refresh tokens over POST, the GET fallback, and realms that must be
 * refused before any credential is sent.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import { RegistryClient } from '../../electron/registry/client';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage } from '../rig/fixtures';
import { buildImage } from '../../electron/demo/images';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY } from '../rig/token-server';
import { clientFor } from '../helpers/engine';

const reader = { username: 'reader', password: DEFAULT_TOKEN_POLICY.users.reader!.password };

describe('tokens', () => {
  let registry: RigRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'token' } });
    await pushImage(registry, 'app/one', 'v1', buildImage());
  });
  afterAll(() => registry.stop());

  it('uses POST grant_type=refresh_token when a refresh token is held (Docker identitytoken)', async () => {
    const res = await request(registry.tokenServer!.realm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', service: registry.tokenServer!.service, client_id: 't', access_type: 'offline', ...reader }).toString(),
    });
    const { refresh_token: refreshToken } = (await res.body.json()) as { refresh_token: string };
    const before = registry.tokenServer!.requests().length;
    const client = clientFor(registry, { refreshToken });
    expect(await client.tags({ registry: registry.host, repository: 'app/one' })).toEqual(['v1']);
    await client.close();
    const made = registry.tokenServer!.requests().slice(before);
    expect(made.map((r) => `${r.method} ${r.grantType} ${r.account}`)).toEqual(['POST refresh_token reader']);
  });

  it('with the OAuth2 password grant, keeps the refresh token it gets and uses it for the next scope', async () => {
    const before = registry.tokenServer!.requests().length;
    const client = clientFor(registry, reader, { oauthPassword: true });
    await client.tags({ registry: registry.host, repository: 'app/one' });
    await client.getManifest({ registry: registry.host, repository: 'app/other', reference: 'v1' }).catch(() => undefined);
    await client.close();
    const made = registry.tokenServer!.requests().slice(before).map((r) => `${r.method} ${r.grantType}`);
    expect(made[0]).toBe('POST password');
    expect(made.slice(1)).toContain('POST refresh_token');
  });

  it('changed settings drop the challenge and token learned under the old ones: the next call asks the token server again', async () => {
    let insecure = false;
    const client = clientFor(registry, reader, { hostConfig: (host) => (host === registry.host ? { insecure } : undefined) });
    const target = { registry: registry.host, repository: 'app/one' };
    const tokens = () => registry.tokenServer!.requests().length;
    try {
      await client.tags(target, { fresh: true });
      const afterFirst = tokens();
      await client.tags(target, { fresh: true });
      expect(tokens(), 'the same settings reuse the token').toBe(afterFirst);
      insecure = true;
      expect(await client.tags(target, { fresh: true })).toEqual(['v1']);
      expect(tokens(), 'changed settings fetch a new one').toBe(afterFirst + 1);
    } finally {
      await client.close();
    }
  });
});

describe('a token server without POST', () => {
  let registry: RigRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'token', getOnly: true } });
    await pushImage(registry, 'app/one', 'v1', buildImage());
  });
  afterAll(() => registry.stop());

  it('falls back to GET after a 405', async () => {
    const before = registry.tokenServer!.requests().length;
    const client = clientFor(registry, reader, { oauthPassword: true });
    expect(await client.tags({ registry: registry.host, repository: 'app/one' })).toEqual(['v1']);
    await client.close();
    expect(registry.tokenServer!.requests().slice(before).map((r) => r.method)).toEqual(['POST', 'GET']);
  });
});

describe('a token server that cannot be reached', () => {
  it('is named in the error, and does not open the registry’s circuit breaker', async () => {
    const registry = await startRegistry();
    const proxy = await startFaultProxy(registry.url);
    try {
      // A realm on a loopback port nobody listens on.
      proxy.add({ path: /\/tags\/list/, action: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Bearer realm="http://127.0.0.1:9/token",service="x"' } } });
      const client = new RegistryClient({ credentials: async () => reader, retry: { attempts: 2, baseDelayMs: 5 } });
      for (let i = 0; i < 6; i++) {
        const err = await client.tags({ registry: proxy.host, repository: 'app/one' }, { fresh: true }).catch((e: unknown) => e);
        expect(isRegistryError(err, 'network'), String(err)).toBe(true);
        expect((err as Error).message).toMatch(/its token server 127\.0\.0\.1:9 failed: connection refused/);
      }
      expect(client.transport.breakerState(proxy.host)).toBe('closed');
      await client.close();
    } finally {
      await proxy.close();
      await registry.stop();
    }
  });
});

describe('realms that are refused before any credential is sent', () => {
  it('an http realm for an https registry (a downgrade)', async () => {
    const registry = await startRegistry({ auth: { kind: 'token' }, tls: true });
    try {
      const client = clientFor(registry, reader);
      const err = await client.tags({ registry: registry.host, repository: 'app/one' }).catch((e: unknown) => e);
      await client.close();
      expect(isRegistryError(err, 'protocol')).toBe(true);
      expect((err as Error).message).toMatch(/downgrade https to http/);
      expect(registry.tokenServer!.requests()).toEqual([]);
    } finally {
      await registry.stop();
    }
  });

  describe('realms a registry (or a proxy in front of it) may send', () => {
    let registry: RigRegistry;
    let proxy: FaultProxy;
    beforeAll(async () => {
      registry = await startRegistry();
      proxy = await startFaultProxy(registry.url);
    });
    afterAll(async () => {
      await proxy.close();
      await registry.stop();
    });

    for (const [name, realm] of [
      ['with user info', 'http://user:pw@127.0.0.1:9/token'],
      ['on a link-local address', 'http://169.254.169.254/latest/token'],
      ['on a metadata host name', 'http://metadata.google.internal/token'],
      ['with another scheme', 'file:///etc/passwd'],
    ] as const) {
      it(name, async () => {
        proxy.clear();
        proxy.add({ path: /\/tags\/list/, action: { kind: 'status', status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service="x"` } } });
        const client = new RegistryClient({ credentials: async () => reader, retry: { attempts: 1 } });
        const err = await client.tags({ registry: proxy.host, repository: 'app/one' }).catch((e: unknown) => e);
        await client.close();
        expect(isRegistryError(err, 'protocol')).toBe(true);
        expect(JSON.stringify((err as Error).message)).not.toContain(reader.password);
      });
    }
  });
});
