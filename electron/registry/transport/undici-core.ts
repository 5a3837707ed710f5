/**
 * The parts of undici the engine uses, loaded from their own modules. undici's
 * index also loads fetch, cookies, WebSocket, the cache, mocks and more: tens of
 * milliseconds of every CLI run's start-up for nothing. Types still come from
 * 'undici'. The index does one thing the engine needs besides loading: it gives
 * every dispatcher the request API as methods (`Object.assign(Dispatcher.prototype,
 * api)`), and a proxy's tunnel calls `connect` on its client through it. So this
 * file does the same; proxy-cli.test runs the built CLI through a real proxy.
 * These paths are undici 7's layout (pinned in package.json): a bump that moves
 * them fails the build.
 */
// Ambient declarations of undici's modules, for every program that reaches this file (the renderer's tests do, through serve).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./undici-modules.d.ts" />
import type { Agent as AgentType, Dispatcher as DispatcherType, EnvHttpProxyAgent as EnvHttpProxyAgentType, ProxyAgent as ProxyAgentType } from 'undici';
import AgentModule from 'undici/lib/dispatcher/agent.js';
import DispatcherModule from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgentModule from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import ProxyAgentModule from 'undici/lib/dispatcher/proxy-agent.js';
import api from 'undici/lib/api/index.js';

Object.assign((DispatcherModule as { prototype: object }).prototype, api);

export const Agent = AgentModule as unknown as typeof AgentType;
export const ProxyAgent = ProxyAgentModule as unknown as typeof ProxyAgentType;
export const EnvHttpProxyAgent = EnvHttpProxyAgentModule as unknown as typeof EnvHttpProxyAgentType;

export type RequestOptions = Omit<DispatcherType.RequestOptions, 'origin' | 'path' | 'method'> & { method: DispatcherType.HttpMethod; dispatcher: DispatcherType };

/** undici's `request(url, options)`, without its index: the same origin/path split, on the given dispatcher. */
export function request(url: URL, options: RequestOptions): Promise<DispatcherType.ResponseData> {
  const { dispatcher, ...rest } = options;
  const path = url.search ? `${url.pathname}${url.search}` : url.pathname;
  return dispatcher.request({ ...rest, origin: url.origin, path });
}
