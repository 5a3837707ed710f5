/**
 * Which proxy a request goes through and where the user set it, so that a
 * proxy's refusal is reported as the proxy's (not the registry's), with what
 * to change, and never with the proxy's credentials.
 */

export interface ProxyRoute {
  /** The proxy's `host:port`, without user info. */
  host: string;
  /** Where it was set: `settings`, or the environment variable's name. */
  setIn: string;
  /** The proxy URL carries a user name (and password). */
  withCredentials: boolean;
}

function routeOf(proxyUrl: string, setIn: string): ProxyRoute | undefined {
  try {
    const url = new URL(proxyUrl);
    return { host: url.host, setIn, withCredentials: url.username !== '' };
  } catch {
    return undefined;
  }
}

/** The proxy set in the app's settings. */
export function settingsProxy(proxyUrl: string): ProxyRoute | undefined {
  return routeOf(proxyUrl, 'settings');
}

/**
 * The environment's proxy for `url`, picked as undici's EnvHttpProxyAgent picks it:
 * lower case first, and HTTPS falls back to HTTP_PROXY. NO_PROXY is not looked at:
 * a host it exempts goes direct and never meets a proxy's refusal.
 */
export function environmentProxy(url: URL, env: NodeJS.ProcessEnv): ProxyRoute | undefined {
  const pick = (lower: string, upper: string): ProxyRoute | undefined => {
    const name = env[lower] !== undefined ? lower : upper;
    return env[name] ? routeOf(env[name], name) : undefined;
  };
  return (url.protocol === 'https:' ? pick('https_proxy', 'HTTPS_PROXY') : undefined) ?? pick('http_proxy', 'HTTP_PROXY');
}
