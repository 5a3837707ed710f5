/**
 * Stacks the layers into the engine's one fetch path, outermost first:
 *
 *   settings ready → retry → mirrors → settings watch → breaker → rate-limit → scheme → auth → redirects → log → http
 *
 * Settings ready waits until settings read from files (CA files) are in place.
 * The settings watch notices a registry whose settings changed while we run
 * (insecure flag, CA, mirrors) and makes the layers that learned something
 * about it (remembered scheme, breaker) start afresh; the http layer does the
 * same for its connections.
 * Retry sees every failure below it; mirrors pick the registry before the
 * breaker counts it; auth sees absolute URLs so it can tell a 401 from a
 * redirect target; token requests take the short path log → http (no redirects).
 */
import { anonymous, type CredentialSource } from '../auth/credentials';
import { withAuth, type AuthLayer } from '../auth/auth-layer';
import { withBreaker, type BreakerOptions } from './breaker';
import { configId } from './config-id';
import { createHttpTransport } from './http';
import { withLogging } from './log';
import { withMirrors } from './mirrors';
import { withRateLimitTracking, type RateLimit } from './rate-limit';
import { DEFAULT_MAX_REDIRECTS, withRedirects } from './redirects';
import { withRetry, type RetryOptions } from './retry';
import type { LookupFunction } from './resolve-guard';
import { withScheme } from './scheme';
import type { Fetch, HostConfigLookup, Layer, RegistryHostConfig, RequestLogger, TransportTimeouts } from './types';

export interface TransportOptions {
  credentials?: CredentialSource;
  hostConfig?: HostConfigLookup;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  timeouts?: Partial<TransportTimeouts>;
  /** An explicit proxy URL; otherwise the environment's HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  proxy?: string;
  maxRedirects?: number;
  /** Use the OAuth2 password grant (POST) for tokens and keep refresh tokens. */
  oauthPassword?: boolean;
  log?: RequestLogger;
  userAgent?: string;
  /** Name resolution for direct connections; the system's by default. */
  lookup?: LookupFunction;
}

export interface Transport {
  fetch: Fetch;
  auth: AuthLayer;
  rateLimit(registry: string): RateLimit | undefined;
  breakerState(registry: string): 'closed' | 'open' | 'half-open';
  schemeOf(registry: string): 'http' | 'https' | undefined;
  close(): Promise<void>;
}

/** Calls `changed(registry)` before the first request that sees the registry's settings differ from the last request's. */
function withSettingsWatch(hostConfig: (registry: string) => RegistryHostConfig | undefined, changed: (registry: string) => void): Layer {
  const seen = new Map<string, string>();
  return (next) => async (req) => {
    const id = configId(hostConfig(req.registry));
    const before = seen.get(req.registry);
    seen.set(req.registry, id);
    if (before !== undefined && before !== id) changed(req.registry);
    return next(req);
  };
}

/** Waits, before each request, until the settings the lookup reads from files are in place. */
function withSettingsReady(ready: () => Promise<void>): Layer {
  return (next) => async (req) => {
    await ready();
    return next(req);
  };
}

export function createTransport(options: TransportOptions = {}): Transport {
  const hostConfig = options.hostConfig ?? (() => undefined);
  const http = createHttpTransport({ hostConfig, timeouts: options.timeouts, proxy: options.proxy, userAgent: options.userAgent, lookup: options.lookup });
  const wire = withLogging(options.log)(http.fetch);
  const auth = withAuth({ credentials: options.credentials ?? anonymous, tokenFetch: wire, oauthPassword: options.oauthPassword });
  const scheme = withScheme({ hostConfig });
  const rateLimit = withRateLimitTracking();
  const breaker = withBreaker(options.breaker);
  const settingsWatch = withSettingsWatch(hostConfig, (registry) => {
    scheme.forget(registry);
    breaker.reset(registry);
    // A challenge (and its token) learned under the old settings, say over plain HTTP, must not outlive them.
    auth.reset(registry);
  });
  // The settings watch sits below the mirrors so that it sees each mirror host too: a mirror's own entry
  // (a CA, plain HTTP) changing must reset what was learned about that mirror as well.
  const ready = options.hostConfig?.ready;
  const layers = [...(ready ? [withSettingsReady(ready)] : []), withRetry(options.retry), withMirrors(hostConfig), settingsWatch, breaker, rateLimit, scheme, auth, withRedirects(options.maxRedirects ?? DEFAULT_MAX_REDIRECTS)];
  const fetch = layers.reduceRight<Fetch>((next, layer) => layer(next), wire);
  return {
    fetch,
    auth,
    rateLimit: (registry) => rateLimit.rateLimit(registry),
    breakerState: (registry) => breaker.state(registry),
    schemeOf: (registry) => scheme.schemeOf(registry),
    close: () => http.close(),
  };
}
