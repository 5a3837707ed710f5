/**
 * The parts of undici the engine uses, loaded from their own modules. undici's
 * index also loads fetch, WebSocket, the cache, mocks and more, which cost every
 * CLI run about 20 ms of start-up for nothing. Types still come from 'undici'.
 * These paths are undici 7.30's layout (package.json pins ~7.30): a bump that moves
 * them fails the build.
 */
import type { Agent as AgentType, Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentType, ProxyAgent as ProxyAgentType } from 'undici';
import AgentModule from 'undici/lib/dispatcher/agent.js';
import EnvHttpProxyAgentModule from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import ProxyAgentModule from 'undici/lib/dispatcher/proxy-agent.js';
import requestOn from 'undici/lib/api/api-request.js';

export const Agent = AgentModule as unknown as typeof AgentType;
export const ProxyAgent = ProxyAgentModule as unknown as typeof ProxyAgentType;
export const EnvHttpProxyAgent = EnvHttpProxyAgentModule as unknown as typeof EnvHttpProxyAgentType;

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method: Dispatcher.HttpMethod; dispatcher: Dispatcher };

/** undici's `request(url, options)`, without its index: the same origin/path split, on the given dispatcher. */
export function request(url: URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const path = url.search ? `${url.pathname}${url.search}` : url.pathname;
  return (requestOn as (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>).call(dispatcher, { ...rest, origin: url.origin, path });
}
