/**
 * A token realm is refused when its host NAME resolves to a link-local or
 * cloud-metadata address, not only when the address is written literally:
 * the token request (which carries the password) is never sent. A real
 * token registry whose challenges name the realm by a host name; names are
 * resolved by the transport's injectable `lookup` (offline, no real DNS to
 * point at 169.254.169.254), everything else is the system's.
 *
 * A realm on this machine (loopback) is refused too when the registry is not on
 * it: a registry elsewhere must not make us send a password to a local program.
 * Every rig registry is on loopback, so here the registry is reached under a
 * name (`registry.regdesk.test`) that the test's lookup, and the forward proxy's
 * own resolver, map to it.
 */
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildImage } from '../../electron/demo/images';
import { ADDRESS_REFUSED_CODE } from '../../electron/registry/transport/network-errors';
import { systemLookup, type LookupFunction } from '../../electron/registry/transport/resolve-guard';
import type { RegistryClientOptions } from '../../electron/registry/client';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { startForwardProxy, type ForwardProxy } from '../rig/forward-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY, TOKEN_SERVICE } from '../rig/token-server';
import { clientFor, withClient } from '../helpers/engine';
import { rejectionOf } from '../helpers/errors';

const admin = { username: 'admin', password: DEFAULT_TOKEN_POLICY.users.admin!.password };

/** What the test's names resolve to. */
const NAMES: Record<string, LookupAddress[]> = {
  'realm-ok.regdesk.test': [{ address: '127.0.0.1', family: 4 }],
  'realm-metadata.regdesk.test': [{ address: '169.254.169.254', family: 4 }],
  'realm-mapped.regdesk.test': [{ address: '::ffff:169.254.169.254', family: 6 }],
  'realm-ec2v6.regdesk.test': [{ address: 'fd00:ec2::254', family: 6 }],
  'realm-linklocal6.regdesk.test': [{ address: 'fe80::1', family: 6 }],
  'realm-mixed.regdesk.test': [{ address: '127.0.0.1', family: 4 }, { address: '169.254.169.254', family: 4 }],
  'registry.regdesk.test': [{ address: '127.0.0.1', family: 4 }],
  'realm-local6.regdesk.test': [{ address: '::1', family: 6 }],
  'realm-unspecified.regdesk.test': [{ address: '0.0.0.0', family: 4 }],
};

let registry: RigRegistry;
let proxy: FaultProxy;
const asked: string[] = [];
const lookup: LookupFunction = (hostname, options, callback) => {
  const answers = NAMES[hostname];
  if (!answers) return systemLookup(hostname, options, callback);
  asked.push(hostname);
  if ((options as { all?: boolean }).all) callback(null, answers);
  else callback(null, answers[0]!.address, answers[0]!.family);
};

beforeAll(async () => {
  registry = await startRegistry({ auth: { kind: 'token' } });
  await new RigPusher(registry).push('team/app', buildImage(), ['v1']);
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});
beforeEach(() => {
  asked.length = 0;
});

/** The registry's challenges name the realm `http://<name>:<token server port>/token`. */
function realmNamed(name: string): void {
  proxy.clear();
  const port = new URL(registry.tokenServer!.url).port;
  proxy.add({ path: /^\/v2\//, action: { kind: 'header', headers: { 'www-authenticate': `Bearer realm="http://${name}:${port}/token",service="${TOKEN_SERVICE}"` } } });
}

const listTags = (extra: RegistryClientOptions = {}): Promise<string[]> =>
  withClient(clientFor({ host: proxy.host }, admin, { lookup, ...extra }), (client) => client.tags({ registry: proxy.host, repository: 'team/app' }));

describe('a token realm named by a host name', () => {
  it('resolving to a normal address: the token is fetched there (the lookup is the one used)', async () => {
    realmNamed('realm-ok.regdesk.test');
    const before = registry.tokenServer!.requests().length;
    expect(await listTags()).toEqual(['v1']);
    expect(asked).toContain('realm-ok.regdesk.test');
    expect(registry.tokenServer!.requests().length).toBe(before + 1);
  });

  it.each(['realm-metadata.regdesk.test', 'realm-mapped.regdesk.test', 'realm-ec2v6.regdesk.test', 'realm-linklocal6.regdesk.test', 'realm-mixed.regdesk.test'])(
    'resolving to a link-local or metadata address (%s): refused, typed, and no token request is sent',
    async (name) => {
      realmNamed(name);
      const before = registry.tokenServer!.requests().length;
      const err = await rejectionOf(listTags());
      expect(err.code).toBe('protocol');
      expect(err.context.registryCode).toBe(ADDRESS_REFUSED_CODE);
      expect(err.message).toMatch(new RegExp(`${name.replace(/\./g, '\\.')} resolves to .*link-local or metadata`));
      expect(err.hint).toMatch(/never sends credentials/);
      expect(err.message).not.toContain(admin.password);
      expect(asked).toContain(name);
      expect(registry.tokenServer!.requests().length).toBe(before);
    },
  );

  it('through a proxy (which would resolve the name itself), the name is checked before anything goes to the proxy', async () => {
    realmNamed('realm-metadata.regdesk.test');
    // Nothing listens on this proxy: reaching it at all would be a network error, not this refusal.
    const err = await rejectionOf(listTags({ proxy: 'http://127.0.0.1:9' }));
    expect(err.context.registryCode).toBe(ADDRESS_REFUSED_CODE);
    expect(asked).toContain('realm-metadata.regdesk.test');
  });
});

describe('a token realm on this machine, for a registry that is not on it', () => {
  const REGISTRY_NAME = 'registry.regdesk.test';
  let forward: ForwardProxy;
  beforeAll(async () => {
    forward = await startForwardProxy({ hosts: { [REGISTRY_NAME]: '127.0.0.1' } });
  });
  afterAll(async () => {
    await forward?.close();
  });

  /** The registry as `registry.regdesk.test:<port>`: not loopback by name, so plain HTTP only because it is marked insecure. */
  const namedHost = (): string => `${REGISTRY_NAME}:${new URL(proxy.url).port}`;
  const listNamed = (extra: RegistryClientOptions = {}): Promise<string[]> =>
    withClient(
      clientFor({ host: namedHost() }, admin, { lookup, hostConfig: (host) => (host === namedHost() ? { insecure: true } : undefined), ...extra }),
      (client) => client.tags({ registry: namedHost(), repository: 'team/app' }),
    );
  const tokenPort = (): string => new URL(registry.tokenServer!.url).port;
  const realmAt = (host: string): void => {
    proxy.clear();
    proxy.add({ path: /^\/v2\//, action: { kind: 'header', headers: { 'www-authenticate': `Bearer realm="http://${host}/token",service="${TOKEN_SERVICE}"` } } });
  };

  it('a realm on the registry\'s own host name is used (the registry\'s name reaches its token server)', async () => {
    realmAt(`${REGISTRY_NAME}:${tokenPort()}`);
    const before = registry.tokenServer!.requests().length;
    expect(await listNamed()).toEqual(['v1']);
    expect(asked).toContain(REGISTRY_NAME);
    expect(registry.tokenServer!.requests().length).toBe(before + 1);
  });

  it.each(['127.0.0.1', 'localhost', '127.8.9.10', '[::1]', '0.0.0.0'])('a realm written as %s: refused before anything is sent, typed', async (host) => {
    realmAt(`${host}:${tokenPort()}`);
    const before = registry.tokenServer!.requests().length;
    const err = await rejectionOf(listNamed());
    expect(err.code).toBe('protocol');
    expect(err.context.registryCode).toBe(ADDRESS_REFUSED_CODE);
    expect(err.message).toMatch(/points at this machine \(loopback\) but the registry is elsewhere; refused, nothing was sent/);
    expect(err.hint).toMatch(/never sends a registry's credentials to this machine/);
    expect(err.message + err.hint).not.toContain(admin.password);
    expect(registry.tokenServer!.requests().length).toBe(before);
  });

  it.each(['realm-ok.regdesk.test', 'realm-local6.regdesk.test', 'realm-unspecified.regdesk.test'])(
    'a realm named %s, which resolves to this machine: refused as the connection is made, and no token request is sent',
    async (name) => {
      realmAt(`${name}:${tokenPort()}`);
      const before = registry.tokenServer!.requests().length;
      const err = await rejectionOf(listNamed());
      expect(err.code).toBe('protocol');
      expect(err.context.registryCode).toBe(ADDRESS_REFUSED_CODE);
      expect(err.message).toMatch(new RegExp(`${name.replace(/\./g, '\\.')} resolves to .*, this machine \\(loopback\\); refused, nothing was sent`));
      expect(err.hint).toMatch(/never sends a registry's credentials to this machine/);
      expect(asked).toContain(name);
      expect(registry.tokenServer!.requests().length).toBe(before);
    },
  );

  it('through a forward proxy: the registry is reached through it, the realm\'s name is checked before anything goes to it', async () => {
    // Control: a realm on the registry's own name goes through the proxy and works.
    realmAt(`${REGISTRY_NAME}:${tokenPort()}`);
    expect(await listNamed({ proxy: forward.url })).toEqual(['v1']);
    // undici tunnels every target with CONNECT, plain HTTP too: the proxy is asked for host:port.
    const targets = (): string[] => forward.requests.map((r) => `${r.method} ${r.target}`);
    expect(targets()).toContain(`CONNECT ${REGISTRY_NAME}:${tokenPort()}`);

    realmAt(`realm-ok.regdesk.test:${tokenPort()}`);
    forward.requests.length = 0;
    const before = registry.tokenServer!.requests().length;
    const err = await rejectionOf(listNamed({ proxy: forward.url }));
    expect(err.context.registryCode).toBe(ADDRESS_REFUSED_CODE);
    expect(err.message).toMatch(/realm-ok\.regdesk\.test resolves to 127\.0\.0\.1, this machine/);
    expect(targets()).toContain(`CONNECT ${namedHost()}`);
    expect(targets().filter((t) => t.includes('realm-ok.regdesk.test'))).toEqual([]);
    expect(registry.tokenServer!.requests().length).toBe(before);
  });
});
