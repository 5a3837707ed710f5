/**
 * Registries behind an HTTP proxy: the proxy set in settings, or HTTPS_PROXY /
 * HTTP_PROXY / NO_PROXY from the environment, as skopeo and Docker honour them.
 * Loopback is never proxied, so the registry is reached on this machine's own
 * network address (a fault proxy listening there, forwarding to a real registry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../electron/demo/images';
import { RegistryClient } from '../../electron/registry/client';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { startForwardProxy, type ForwardProxy } from '../rig/forward-proxy';
import { networkAddress } from '../rig/network-address';
import { RigPusher } from '../rig/push';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { withClient } from '../helpers/engine';

const password = DEFAULT_BASIC_USERS.tester;
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const;

describe('through an HTTP proxy', () => {
  let registry: RigRegistry;
  let onNetwork: FaultProxy;
  let proxy: ForwardProxy;
  const saved = new Map<string, string | undefined>();
  let external: string;

  beforeAll(async () => {
    external = networkAddress();
    registry = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
    await new RigPusher(registry).push('app/one', buildImage(), ['v1']);
    onNetwork = await startFaultProxy(registry.url, { address: external });
    proxy = await startForwardProxy();
    for (const name of PROXY_VARIABLES) saved.set(name, process.env[name]);
  });
  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await proxy?.close();
    await onNetwork?.close();
    await registry?.stop();
  });

  const clientWith = (options: { proxy?: string } = {}) => new RegistryClient({
    ...options,
    retry: { attempts: 1 },
    credentials: async (host) => (host === onNetwork.host || host === registry.host ? { username: 'tester', password } : undefined),
    // Plain HTTP on the network address: only when marked insecure.
    hostConfig: (host) => (host === onNetwork.host ? { insecure: true } : undefined),
  });
  const tunnelsTo = (host: string): number => proxy.requests.filter((r) => r.method === 'CONNECT' && r.target === host).length;

  it('the proxy in settings carries every request to a registry on the network; the registry\'s credentials stay inside the tunnel', async () => {
    const before = onNetwork.requests.length;
    const tags = await withClient(clientWith({ proxy: proxy.url }), (c) => c.tags({ registry: onNetwork.host, repository: 'app/one' }));
    expect(tags).toEqual(['v1']);
    expect(tunnelsTo(onNetwork.host)).toBeGreaterThan(0);
    expect(onNetwork.requests.slice(before).some((r) => r.headers.authorization?.startsWith('Basic '))).toBe(true);
    expect(proxy.requests.every((r) => r.proxyAuthorization === undefined)).toBe(true);
  });

  it('a loopback registry is reached directly, even with a proxy set', async () => {
    const before = proxy.requests.length;
    const tags = await withClient(clientWith({ proxy: proxy.url }), (c) => c.tags({ registry: registry.host, repository: 'app/one' }));
    expect(tags).toEqual(['v1']);
    expect(proxy.requests.slice(before)).toEqual([]);
  });

  it('HTTPS_PROXY and HTTP_PROXY from the environment are used, and NO_PROXY is honoured', async () => {
    for (const name of PROXY_VARIABLES) delete process.env[name];
    process.env.HTTPS_PROXY = proxy.url;
    process.env.HTTP_PROXY = proxy.url;
    const before = tunnelsTo(onNetwork.host);
    expect(await withClient(clientWith(), (c) => c.tags({ registry: onNetwork.host, repository: 'app/one' }))).toEqual(['v1']);
    expect(tunnelsTo(onNetwork.host)).toBeGreaterThan(before);

    process.env.NO_PROXY = external;
    const after = proxy.requests.length;
    const reached = onNetwork.requests.length;
    expect(await withClient(clientWith(), (c) => c.tags({ registry: onNetwork.host, repository: 'app/one' }))).toEqual(['v1']);
    expect(proxy.requests.slice(after)).toEqual([]);
    expect(onNetwork.requests.length).toBeGreaterThan(reached);
  });
});
