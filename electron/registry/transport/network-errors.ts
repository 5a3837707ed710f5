/**
 * Turns what undici and Node throw (codes like ECONNREFUSED, UND_ERR_BODY_TIMEOUT,
 * TLS failures, a proxy's refusal) into the engine's typed errors, with a message a
 * user understands. What is not the network (a TypeError, a bad argument) is an
 * internal error: retrying it would only repeat the bug.
 */
import { RegistryError } from '../../../shared/errors';
import type { ProxyRoute } from './proxy-route';
import { AddressRefusedError } from './resolve-guard';

const TIMEOUT_CODES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  UND_ERR_HEADERS_TIMEOUT: 'the registry did not answer in time',
  UND_ERR_BODY_TIMEOUT: 'the registry stopped sending data (idle timeout)',
  ETIMEDOUT: 'connecting timed out',
};

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CLOSED: 'connection closed',
  EPROTO: 'TLS handshake failed (is this registry plain HTTP?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is this registry plain HTTP?)',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the response ended before its announced length',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'the request body did not match its announced length',
};

/** registryCode of a failure reaching a registry's token server (another host than the registry). */
export const TOKEN_SERVER_FAILURE = 'TOKEN_SERVER_UNREACHABLE';

/** registryCode of a proxy that asked for credentials (none given, or wrong ones). */
export const PROXY_AUTH_REQUIRED = 'PROXY_AUTH_REQUIRED';

/** registryCode of a proxy that would not open a tunnel to the registry. */
export const PROXY_REFUSED = 'PROXY_REFUSED';

/** registryCode of a DNS name that does not exist. */
export const HOST_NOT_FOUND = 'HOST_NOT_FOUND';

/** registryCode of a connection refused because of its address: link-local or metadata, or this machine for a registry elsewhere. */
export const ADDRESS_REFUSED_CODE = 'ADDRESS_REFUSED';

/** Why a token realm on this machine is refused for a registry that is not, and what to do. */
export const LOOPBACK_REALM_HINT = 'regdesk never sends a registry\'s credentials to this machine when the registry itself is elsewhere '
  + '(it could be another program listening here); check the registry\'s token realm and your DNS. '
  + 'If the registry does run on this machine, reach it as localhost:PORT.';

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `err` or one of its causes that is an instance of `type`. */
function findCause<T>(err: unknown, type: new (...args: never[]) => T): T | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    if (current instanceof type) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A TLS handshake that failed: an untrusted certificate, or a peer that does not speak TLS. */
const HANDSHAKE_CODES = new Set([...TLS_CODES, 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER']);

/** Failures before a connection carried anything: the server cannot have acted on the request. */
const NOTHING_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', ...HANDSHAKE_CODES]);

/** True when a typed failure proves the request never reached the server (refused, unresolvable, TLS handshake). */
export function nothingSent(err: unknown): boolean {
  return causeIn(err, NOTHING_SENT_CODES);
}

/** True when a typed failure is a TLS certificate that was not trusted. */
export function isUntrustedCertificate(err: unknown): boolean {
  return causeIn(err, TLS_CODES);
}

/** An untrusted certificate, or a TLS handshake with something that does not speak TLS: the same on every try. */
export function isTlsFailure(err: unknown): boolean {
  return causeIn(err, HANDSHAKE_CODES);
}

/** True when `err` is a typed failure whose underlying Node/undici error code is one of `codes`. */
function causeIn(err: unknown, codes: ReadonlySet<string>): boolean {
  if (!(err instanceof RegistryError)) return false;
  const code = errorCode(err.cause);
  return code !== undefined && codes.has(code);
}

/**
 * undici reports a proxy that refused the tunnel only in words (a RequestAbortedError, code
 * UND_ERR_ABORTED, that is no cancel): `Proxy response (407) !== 200 when HTTP Tunneling`,
 * or `Proxy Authentication Required (407)` without a tunnel. The proxy's status, if so.
 */
function proxyRefusal(err: unknown): number | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const message = (current as { message?: unknown }).message;
    const status = typeof message === 'string' ? /^Proxy (?:response \((\d{3})\) !== 200 when HTTP Tunneling|Authentication Required \((407)\))$/.exec(message) : null;
    if (status) return Number(status[1] ?? status[2]);
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function proxyError(status: number, proxy: ProxyRoute | undefined, where: { registry: string; repository?: string }, err: unknown): RegistryError {
  const name = proxy ? `the proxy ${proxy.host}` : 'the proxy';
  const setIn = !proxy ? 'the proxy URL' : proxy.setIn === 'settings' ? 'the proxy URL in settings' : proxy.setIn;
  if (status === 407) {
    const what = proxy?.withCredentials ? 'refused the user name and password' : 'asks for a user name and password';
    return new RegistryError('authentication', `${where.registry}: ${name} ${what} (407 Proxy Authentication Required)`, { ...where, status, registryCode: PROXY_AUTH_REQUIRED },
      `Put the proxy's user name and password in ${setIn}: http://USER:PASSWORD@${proxy?.host ?? 'HOST:PORT'}, special characters percent-encoded.`, { cause: err });
  }
  return new RegistryError('network', `${where.registry}: ${name} would not connect to the registry (HTTP ${status})`, { ...where, status, registryCode: PROXY_REFUSED },
    `Check that the proxy may reach this registry, or change ${setIn}${proxy && proxy.setIn !== 'settings' ? ' (NO_PROXY lists hosts reached directly)' : ''}.`, { cause: err });
}

/** Errors of the program itself, not of the network: a bad argument, a missing method, an undefined value. */
const PROGRAMMING_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_INVALID_RETURN_VALUE', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_DESTROYED']);

function isProgrammingError(err: unknown, code: string): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError || PROGRAMMING_CODES.has(code);
}

export function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError' || errorCode(err) === 'ABORT_ERR' || errorCode(err) === 'UND_ERR_ABORTED';
}

/** True for errors where the HTTPS attempt itself failed (TLS or connection), so an HTTP fallback may help. */
export function isConnectionLevel(err: unknown): boolean {
  return err instanceof RegistryError && (err.code === 'network' || err.code === 'timeout') && err.context.status === undefined && err.context.registryCode !== TOKEN_SERVER_FAILURE;
}

/**
 * Wraps a low-level failure. `registry` and `repository` go into the context; the
 * message never includes the URL's query (signed URLs carry secrets there).
 * `proxy`: the proxy the request went through, named (without credentials) when it refused.
 */
export function toRegistryError(err: unknown, registry: string, repository?: string, proxy?: ProxyRoute): RegistryError {
  if (err instanceof RegistryError) return err;
  const where = { registry, ...(repository ? { repository } : {}) };
  // Before the abort check: undici reports a proxy's refusal as an aborted request.
  const proxyStatus = proxyRefusal(err);
  if (proxyStatus !== undefined) return proxyError(proxyStatus, proxy, where, err);
  // AbortSignal.timeout() aborts with a TimeoutError: that is a timeout, not the user cancelling.
  if ((err as { name?: string })?.name === 'TimeoutError') {
    return new RegistryError('timeout', `${registry}: the request took too long`, where, 'Check the network, or try again later.');
  }
  if (isAbort(err)) return new RegistryError('cancelled', 'the operation was cancelled', where, undefined, { cause: err });
  const refusedAddress = findCause(err, AddressRefusedError);
  if (refusedAddress) {
    return new RegistryError('protocol', `${registry}: ${refusedAddress.message}; refused, nothing was sent`, { ...where, registryCode: ADDRESS_REFUSED_CODE },
      refusedAddress.kind === 'loopback' ? LOOPBACK_REALM_HINT : 'regdesk never sends credentials to link-local or cloud-metadata addresses; check the registry\'s token realm and your DNS.');
  }
  const code = errorCode(err);
  if (code && TIMEOUT_CODES[code]) {
    return new RegistryError('timeout', `${registry}: ${TIMEOUT_CODES[code]}`, where, 'Check the network, or raise the timeout if the registry is slow.', { cause: err });
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') {
    return new RegistryError('protocol', `${registry}: the response headers are too large`, where, 'The registry (or a proxy in front of it) sent abnormal headers.');
  }
  if (code && TLS_CODES.has(code)) {
    return new RegistryError('network', `${registry}: TLS certificate not trusted (${code})`, where,
      'Give the registry CA file (--ca-file), or mark the registry insecure if you trust the network.', { cause: err });
  }
  if (code && NETWORK_CODES[code]) {
    // A name that does not exist will not exist on the next try either: registryCode lets retry skip it.
    return new RegistryError('network', `${registry}: ${NETWORK_CODES[code]}`, { ...where, ...(code === 'ENOTFOUND' ? { registryCode: HOST_NOT_FOUND } : {}) },
      'Check that the registry address is right and reachable.', { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  // Node and undici give every failure of a connection a code: a failure without one is ours.
  if (code === undefined || isProgrammingError(err, code)) {
    const kind = err instanceof Error ? err.name : typeof err;
    return new RegistryError('internal', `${registry}: internal error, not the network (${kind}: ${message.slice(0, 120)})`, where,
      'This is a bug in regdesk: run again with --verbose and report it.', { cause: err });
  }
  return new RegistryError('network', `${registry}: request failed (${code})`, where, 'Check that the registry address is right and reachable.');
}
