/**
 * The innermost layer: one undici request on a pooled keep-alive connection.
 * Picks a dispatcher per host actually contacted (custom CA, skip-verify, proxy)
 * and applies the connect, header and idle-body timeouts. Never follows redirects itself.
 */
import { rootCertificates } from 'node:tls';
import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { tlsId } from './config-id';
import { isLoopbackHost, isRegistryUrl } from './hosts';
import { toRegistryError } from './network-errors';
import { environmentProxy, settingsProxy, type ProxyRoute } from './proxy-route';
import { Agent, EnvHttpProxyAgent, ProxyAgent, request } from './undici-core';
import { checkResolvesSafely, guardedLookup, systemLookup, type AddressGuard, type LookupFunction } from './resolve-guard';
import { DEFAULT_TIMEOUTS, type Fetch, type RegistryHostConfig, type RegistryRequest, type TransportTimeouts } from './types';

export interface HttpOptions {
  timeouts?: Partial<TransportTimeouts>;
  /** Per-registry settings by `host[:port]`. */
  hostConfig?: (registry: string) => RegistryHostConfig | undefined;
  /** An explicit proxy URL from the app settings; otherwise HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply. */
  proxy?: string;
  /** Connections kept per origin. */
  connectionsPerOrigin?: number;
  userAgent?: string;
  /** Name resolution for direct connections (the system's by default; tests give names of their own). */
  lookup?: LookupFunction;
}

export interface HttpTransport {
  fetch: Fetch;
  close(): Promise<void>;
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function createHttpTransport(options: HttpOptions = {}): HttpTransport {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  // Per origin, with the TLS settings it was built for: changed settings get a new pool.
  const dispatchers = new Map<string, { dispatcher: Dispatcher; tls: string }>();

  /** How a host is reached: directly (loopback is never proxied), through the configured proxy, or the environment's. */
  const proxyMode = (loopback: boolean): 'direct' | 'configured' | 'environment' => {
    if (loopback) return 'direct';
    if (options.proxy) return 'configured';
    return process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy ? 'environment' : 'direct';
  };
  const proxied = (loopback: boolean): boolean => proxyMode(loopback) !== 'direct';

  /**
   * TLS settings of the host the request goes to. A registry's own CA or skip-verify
   * relaxes nothing for its token server or a storage host it redirects to: those
   * hosts are verified on their own terms (their own entry in the settings, if any).
   */
  const tlsConfigFor = (url: URL, registry: string): RegistryHostConfig =>
    options.hostConfig?.(isRegistryUrl(registry, url) ? registry : url.host) ?? {};

  /** `guard`: connections whose host name resolves to a link-local or metadata address (and, if asked, loopback) are refused. */
  const dispatcherFor = (url: URL, registry: string, guard: AddressGuard | undefined): Dispatcher => {
    const config = tlsConfigFor(url, registry);
    const loopback = isLoopbackHost(url.hostname);
    const key = `${url.protocol}//${url.host}|${guard ? `guarded${guard.loopback ? '+loopback' : ''}` : 'open'}`;
    const tls = tlsId(config);
    const pooled = dispatchers.get(key);
    if (pooled?.tls === tls) return pooled.dispatcher;
    // The settings changed: requests under way finish on the old connections, which then close.
    if (pooled) pooled.dispatcher.close().catch(() => undefined);
    let dispatcher: Dispatcher;
    const lookup = guard ? guardedLookup(options.lookup ?? systemLookup, guard) : options.lookup;
    const connect = {
      timeout: timeouts.connectMs,
      ...(lookup ? { lookup } : {}),
      // A registry CA is trusted in addition to the system roots, not instead of them.
      ...(config.ca ? { ca: [...rootCertificates, ...[config.ca].flat().map(String)] } : {}),
      ...(config.skipVerify ? { rejectUnauthorized: false } : {}),
    };
    const pool = { connections: options.connectionsPerOrigin ?? 16, keepAliveTimeout: 30_000, connect };
    // Through a proxy, `connect` goes to the registry inside the tunnel (TLS settings); the connection
    // to the proxy itself gets the same timeout but not our lookup (the proxy may be on this machine).
    const tunnel = { requestTls: connect, proxyTls: { timeout: timeouts.connectMs } };
    const mode = proxyMode(loopback);
    if (mode === 'configured') dispatcher = new ProxyAgent({ uri: options.proxy!, ...pool, ...tunnel });
    else if (mode === 'environment') dispatcher = new EnvHttpProxyAgent({ ...pool, ...tunnel });
    else dispatcher = new Agent(pool);
    dispatchers.set(key, { dispatcher, tls });
    return dispatcher;
  };

  /** The proxy a request to `url` goes through, to name it (never its credentials) when it refuses. */
  const routeOf = (url: URL): ProxyRoute | undefined => {
    const mode = proxyMode(isLoopbackHost(url.hostname));
    if (mode === 'configured') return settingsProxy(options.proxy!);
    return mode === 'environment' ? environmentProxy(url, process.env) : undefined;
  };

  const fetch: Fetch = async (req: RegistryRequest) => {
    const url = new URL(req.target);
    const guard: AddressGuard | undefined = req.refuseLinkLocal || req.refuseLoopback ? { loopback: Boolean(req.refuseLoopback) } : undefined;
    try {
      // Through a proxy the name is resolved there, out of our lookup's reach: check it here first.
      if (guard && proxied(isLoopbackHost(url.hostname)) && !isIP(url.hostname.replace(/^\[|\]$/g, ''))) {
        await checkResolvesSafely(url.hostname, options.lookup ?? systemLookup, guard);
      }
      const res = await request(url, {
        method: req.method,
        headers: { 'user-agent': options.userAgent ?? 'regdesk', ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        dispatcher: dispatcherFor(url, req.registry, guard),
        headersTimeout: timeouts.headersMs,
        bodyTimeout: req.bodyTimeoutMs ?? timeouts.idleBodyMs,
        ...(req.signal ? { signal: req.signal } : {}),
      });
      return { status: res.statusCode, headers: flattenHeaders(res.headers), body: res.body, url };
    } catch (err) {
      throw toRegistryError(err, req.registry, req.repository, routeOf(url));
    }
  };

  return {
    fetch,
    async close() {
      const all = [...dispatchers.values()];
      dispatchers.clear();
      await Promise.all(all.map((d) => d.dispatcher.close().catch(() => undefined)));
    },
  };
}
