/**
 * Proxies as the built CLI meets them, in its own process: the proxy is picked
 * by what the bundle loads, which an in-process test (that loads undici itself)
 * cannot see. A real forward proxy; HTTPS_PROXY / HTTP_PROXY / NO_PROXY, the
 * settings' proxy, proxy credentials (never printed), loopback going direct,
 * and a TLS registry whose name only the proxy resolves (as inside a company),
 * trusted by its own CA inside the tunnel, for tags, cp both ways and the UI
 * over serve.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../electron/demo/images';
import { cli, cliEnv, startServe, type CliResult } from '../helpers/cli';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { startForwardProxy, type ForwardProxy } from '../rig/forward-proxy';
import { networkAddress } from '../rig/network-address';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';

/** A name no DNS knows: only the proxies below resolve it (to loopback, where the registry listens). */
const INTERNAL = 'registry.internal.test';
const PROXY_USER = 'proxy-user';
/** Characters a proxy URL must percent-encode, and a canary: it must never be printed. */
const PROXY_PASSWORD = 'pr@xy:canary/7f3e';
const ENCODED_PASSWORD = encodeURIComponent(PROXY_PASSWORD);

let source: RigRegistry;
let internal: RigRegistry;
let internalHost: string;
let proxy: ForwardProxy;
let authProxy: ForwardProxy;
let onNetwork: FaultProxy;
let sourceDigest: string;

beforeAll(async () => {
  source = await startRegistry();
  // TLS, its certificate made out to the name only the proxy resolves: trusted through registries.json's "ca".
  internal = await startRegistry({ tls: true, tlsNames: [INTERNAL] });
  const image = buildImage();
  await new RigPusher(source).push('app/one', image, ['v1']);
  await new RigPusher(internal).push('app/one', image, ['v1']);
  internalHost = `${INTERNAL}:${new URL(internal.url).port}`;
  proxy = await startForwardProxy({ hosts: { [INTERNAL]: '127.0.0.1' } });
  authProxy = await startForwardProxy({ hosts: { [INTERNAL]: '127.0.0.1' }, credentials: { username: PROXY_USER, password: PROXY_PASSWORD } });
  onNetwork = await startFaultProxy(source.url, { address: networkAddress() });
  const digest = await cli(['digest', `${source.host}/app/one:v1`]);
  expect(digest.code).toBe(0);
  sourceDigest = digest.stdout.trim();
});
afterAll(async () => {
  await onNetwork?.close();
  await authProxy?.close();
  await proxy?.close();
  await internal?.stop();
  await source?.stop();
});

/** The registry on the network address speaks plain HTTP: allowed for it by --insecure, as for any registry on the network. */
const insecure = (): string[] => ['--insecure', onNetwork.host];
const tunnelsTo = (p: ForwardProxy, host: string, from = 0): number => p.requests.slice(from).filter((r) => r.method === 'CONNECT' && r.target === host).length;

/**
 * The CLI's environment: `variables`, the internal registry's CA for its name (and for its
 * loopback address, read directly), and the settings' proxy when given.
 */
const configured = (variables: NodeJS.ProcessEnv, options: { settingsProxy?: string; trustInternal?: boolean } = {}): NodeJS.ProcessEnv => {
  const env = cliEnv(variables);
  const dir = env.REGDESK_CONFIG_DIR!;
  mkdirSync(dir, { recursive: true });
  if (options.trustInternal !== false) writeFileSync(join(dir, 'registries.json'), JSON.stringify({ ca: { [internalHost]: internal.caFile, [internal.host]: internal.caFile } }));
  if (options.settingsProxy) writeFileSync(join(dir, 'settings.json'), JSON.stringify({ version: 1, proxy: options.settingsProxy }));
  return env;
};
const withProxy = (variables: NodeJS.ProcessEnv): NodeJS.ProcessEnv => configured(variables);
const printed = (r: CliResult): string => `${r.stdout}\n${r.stderr}`;
const expectTags = (r: CliResult): void => {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n')).toEqual(['v1']);
};

describe('the environment\'s proxy', () => {
  it('HTTPS_PROXY carries every request to a registry that only the proxy can resolve', async () => {
    const before = proxy.requests.length;
    expectTags(await cli(['tags', `${internalHost}/app/one`], { env: withProxy({ HTTPS_PROXY: proxy.url }) }));
    expect(tunnelsTo(proxy, internalHost, before)).toBeGreaterThan(0);
    expect(proxy.requests.slice(before).every((r) => r.target === internalHost)).toBe(true);
  });

  it('the registry\'s own CA is what verifies it inside the tunnel: without it the certificate is refused, once', async () => {
    const before = proxy.requests.length;
    const res = await cli(['tags', `${internalHost}/app/one`, '--json'], { env: configured({ HTTPS_PROXY: proxy.url }, { trustInternal: false }) });
    expect(res.code).toBe(5);
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'network', message: expect.stringContaining('TLS certificate not trusted') });
    expect(tunnelsTo(proxy, internalHost, before)).toBe(1);
  });

  it('HTTP_PROXY alone serves HTTPS registries too, and the lower-case names work', async () => {
    const before = proxy.requests.length;
    expectTags(await cli(['tags', `${internalHost}/app/one`], { env: withProxy({ HTTP_PROXY: proxy.url }) }));
    expect(tunnelsTo(proxy, internalHost, before)).toBeGreaterThan(0);
    const lower = proxy.requests.length;
    expectTags(await cli(['tags', `${internalHost}/app/one`], { env: withProxy({ https_proxy: proxy.url }) }));
    expect(tunnelsTo(proxy, internalHost, lower)).toBeGreaterThan(0);
  });

  it('NO_PROXY sends a registry on the network direct, and a name only the proxy knows is then not found', async () => {
    const before = proxy.requests.length;
    const reached = onNetwork.requests.length;
    const external = onNetwork.host.slice(0, onNetwork.host.lastIndexOf(':'));
    expectTags(await cli(['tags', `${onNetwork.host}/app/one`, ...insecure()], { env: withProxy({ HTTPS_PROXY: proxy.url, NO_PROXY: `example.invalid,${external}` }) }));
    expect(onNetwork.requests.length).toBeGreaterThan(reached);

    const direct = await cli(['tags', `${internalHost}/app/one`, '--json'], { env: withProxy({ HTTPS_PROXY: proxy.url, no_proxy: `.internal.test` }) });
    expect(direct.code).toBe(5);
    // Not found, or no DNS to ask (an offline machine): either way looked up here, not at the proxy.
    expect(JSON.parse(direct.stdout).error).toMatchObject({ code: 'network', message: expect.stringMatching(/host not found|host name lookup failed/) });
    expect(proxy.requests.slice(before)).toEqual([]);
  });

  it('a loopback registry is reached directly, even with every proxy variable set', async () => {
    const before = proxy.requests.length;
    const env = withProxy({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, https_proxy: proxy.url, http_proxy: proxy.url });
    expectTags(await cli(['tags', `${source.host}/app/one`], { env }));
    expectTags(await cli(['tags', `localhost:${new URL(source.url).port}/app/one`], { env }));
    expect(proxy.requests.slice(before)).toEqual([]);
  });
});

describe('the proxy in settings', () => {
  const settingsEnv = (proxyUrl: string, variables: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => configured(variables, { settingsProxy: proxyUrl });

  it('is used without any variable, and wins over HTTPS_PROXY', async () => {
    const before = proxy.requests.length;
    expectTags(await cli(['tags', `${internalHost}/app/one`], { env: settingsEnv(proxy.url) }));
    expect(tunnelsTo(proxy, internalHost, before)).toBeGreaterThan(0);

    const unused = authProxy.requests.length;
    const both = proxy.requests.length;
    expectTags(await cli(['tags', `${internalHost}/app/one`], { env: settingsEnv(proxy.url, { HTTPS_PROXY: authProxy.url }) }));
    expect(tunnelsTo(proxy, internalHost, both)).toBeGreaterThan(0);
    expect(authProxy.requests.length).toBe(unused);
  });

  it('leaves loopback direct', async () => {
    const before = proxy.requests.length;
    expectTags(await cli(['tags', `${source.host}/app/one`], { env: settingsEnv(proxy.url) }));
    expect(proxy.requests.slice(before)).toEqual([]);
  });
});

describe('proxy credentials', () => {
  const withCredentials = (password: string): string => {
    const url = new URL(authProxy.url);
    return `http://${PROXY_USER}:${password}@${url.host}`;
  };
  const basic = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;

  it('user:password in HTTPS_PROXY (percent-encoded) are sent to the proxy and never printed, --verbose included', async () => {
    const before = authProxy.requests.length;
    const res = await cli(['tags', `${internalHost}/app/one`, '--verbose'], { env: withProxy({ HTTPS_PROXY: withCredentials(ENCODED_PASSWORD) }) });
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe('v1');
    const tunnels = authProxy.requests.slice(before).filter((r) => r.method === 'CONNECT');
    expect(tunnels.length).toBeGreaterThan(0);
    expect(tunnels.every((r) => r.proxyAuthorization === basic)).toBe(true);
    for (const secret of [PROXY_PASSWORD, ENCODED_PASSWORD, basic]) expect(printed(res)).not.toContain(secret);
  });

  it('user:password in the settings\' proxy work the same', async () => {
    const env = configured({}, { settingsProxy: withCredentials(ENCODED_PASSWORD) });
    const before = authProxy.requests.length;
    const res = await cli(['tags', `${internalHost}/app/one`], { env });
    expectTags(res);
    expect(authProxy.requests.slice(before).some((r) => r.proxyAuthorization === basic)).toBe(true);
  });

  it('missing or wrong credentials: an authentication error that names the proxy and its 407, asked once, the password never printed', async () => {
    const cases = [
      { env: withProxy({ HTTPS_PROXY: authProxy.url }), what: 'asks for a user name and password', setIn: 'HTTPS_PROXY' },
      { env: withProxy({ HTTPS_PROXY: withCredentials('wrong-canary-5b1d') }), what: 'refused the user name and password', setIn: 'HTTPS_PROXY' },
      { env: configured({}, { settingsProxy: withCredentials('wrong-canary-5b1d') }), what: 'refused the user name and password', setIn: 'the proxy URL in settings' },
    ];
    const proxyHost = new URL(authProxy.url).host;
    for (const { env, what, setIn } of cases) {
      const before = authProxy.requests.length;
      const res = await cli(['tags', `${internalHost}/app/one`, '--json'], { env });
      expect(res.code, res.stdout).toBe(4);
      const { error } = JSON.parse(res.stdout);
      expect(error.code).toBe('authentication');
      expect(error.message).toBe(`${internalHost}: the proxy ${proxyHost} ${what} (407 Proxy Authentication Required)`);
      expect(error.hint).toContain(setIn);
      expect(printed(res)).not.toContain('wrong-canary-5b1d');
      expect(authProxy.requests.length - before).toBe(1);
    }
  });
});

describe('a registry only the proxy can reach', () => {
  it('cp copies into it and back out of it; the digests are the source\'s', async () => {
    const env = withProxy({ HTTPS_PROXY: proxy.url });
    const before = proxy.requests.length;
    const into = await cli(['cp', `${source.host}/app/one:v1`, `${internalHost}/app/copied:v1`], { env });
    expect(into.stderr).not.toMatch(/error|failed/i);
    expect(into.code).toBe(0);
    // Read back directly (loopback), not through the proxy that did the copy.
    const landed = await cli(['digest', `${internal.host}/app/copied:v1`], { env: configured({}) });
    expect(landed.stdout.trim()).toBe(sourceDigest);

    const out = await cli(['cp', `${internalHost}/app/copied:v1`, `${source.host}/app/back:v1`], { env });
    expect(out.code).toBe(0);
    expect((await cli(['digest', `${source.host}/app/back:v1`])).stdout.trim()).toBe(sourceDigest);
    expect(tunnelsTo(proxy, internalHost, before)).toBeGreaterThan(0);
    // The loopback registry never went through the proxy.
    expect(proxy.requests.slice(before).every((r) => r.target === internalHost)).toBe(true);
  });

  it('the UI over regdesk serve lists its tags and reads its digest', async () => {
    const before = proxy.requests.length;
    const serve = await startServe([], { env: withProxy({ HTTPS_PROXY: proxy.url }) });
    try {
      const tags = await serve.rpc('tags.list', { registry: internalHost, repository: 'app/one' });
      expect(tags).toEqual({ ok: true, result: { tags: ['v1'] } });
      const image = await serve.rpc('image.get', { registry: internalHost, repository: 'app/one', reference: 'v1' });
      expect(image.ok).toBe(true);
      expect(image.result.digest).toBe(sourceDigest);
      expect(tunnelsTo(proxy, internalHost, before)).toBeGreaterThan(0);
    } finally {
      const stopped = await serve.stop();
      expect(stopped.code).toBe(0);
    }
  });
});
