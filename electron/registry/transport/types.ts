/**
 * The one fetch path of the engine. A request is a plain description; each
 * concern (scheme, redirects, auth, breaker, mirrors, retry) is a Layer that
 * wraps the next Fetch, as go-containerregistry stacks its round-trippers.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A body that can be sent again (bytes, text) or only once (a stream). */
export type RequestBody = Uint8Array | string | Readable;

export interface RegistryRequest {
  /** `host[:port]` of the registry this request is for: the key for config, auth, breaker and scheme. */
  registry: string;
  method: HttpMethod;
  /**
   * A path under the registry's origin (`/v2/...`, query included), or an
   * absolute URL the registry handed us (upload Location, Link). The scheme
   * layer turns a path into an absolute URL; every layer below sees absolute URLs.
   */
  target: string;
  /** For error messages and auth scopes. */
  repository?: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Auth scopes this request needs, e.g. `repository:library/nginx:pull`. */
  scopes?: string[];
  signal?: AbortSignal;
  /** A read of content that a configured mirror may answer instead of the registry; never set for existence checks at a destination. */
  mirrorable?: boolean;
  /** Cleanup after a failure (abandoning an upload session): let through an open circuit breaker, and not counted by it. */
  cleanup?: boolean;
  /** Overrides the transport's idle-body timeout (ms), for very slow uploads. */
  bodyTimeoutMs?: number;
  /**
   * Refuse to connect when the host name resolves to a link-local or metadata
   * address: set on requests that carry credentials to a host the registry named (token realms).
   */
  refuseLinkLocal?: boolean;
  /**
   * Also refuse a host that is, or resolves to, this machine (loopback): set on those requests
   * when the registry that named the host is not on this machine itself.
   */
  refuseLoopback?: boolean;
}

export interface RegistryResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, ` except set-cookie. */
  headers: Record<string, string>;
  /** Must be consumed or dumped by whoever receives the response. */
  body: Dispatcher.ResponseData['body'];
  /** The URL that produced this response (after redirects). */
  url: URL;
  /** What the auth layer sent, so a 401 can be told apart: sign-in needed vs. credentials rejected. */
  auth?: { scheme: 'basic' | 'bearer' | 'none'; withCredentials: boolean };
  /** Masks the secrets this request carried (password, token) in text the registry sends back: an error message may echo them. */
  scrub?: (text: string) => string;
}

export type Fetch = (request: RegistryRequest) => Promise<RegistryResponse>;
export type Layer = (next: Fetch) => Fetch;

/** Bytes and strings can be sent again after a retry, redirect or auth challenge; streams cannot. */
export function isReplayable(body: RequestBody | undefined): boolean {
  return body === undefined || typeof body === 'string' || body instanceof Uint8Array;
}

/** Per-registry settings the user (or a registry config file) may give. */
export interface RegistryHostConfig {
  /** Allow plain HTTP (after trying HTTPS) and, with `skipVerify`, unverified TLS. */
  insecure?: boolean;
  /** PEM file(s) content of CAs to trust for this registry. Disables the HTTP fallback. */
  ca?: string | Buffer;
  /** Accept any TLS certificate. Only when the user asks for it. */
  skipVerify?: boolean;
  /** Read-through mirrors tried first for reads, as `host[:port]` or URLs. */
  mirrors?: string[];
}

/**
 * Per-registry settings by `host[:port]`, asked on every request. `ready`, when
 * given, is awaited before each request: settings that come from files read
 * asynchronously (a CA) are in place once it resolves.
 */
export interface HostConfigLookup {
  (registry: string): RegistryHostConfig | undefined;
  ready?: () => Promise<void>;
}

export interface TransportTimeouts {
  /** TCP + TLS connect. */
  connectMs: number;
  /** From sending the request to receiving the response headers. */
  headersMs: number;
  /** Longest silence while receiving a body. */
  idleBodyMs: number;
}

export const DEFAULT_TIMEOUTS: TransportTimeouts = {
  connectMs: 15_000,
  headersMs: 60_000,
  idleBodyMs: 60_000,
};

/** Where the engine reports what it does; secrets are already redacted when a line gets here. */
export type RequestLogger = (line: string) => void;
