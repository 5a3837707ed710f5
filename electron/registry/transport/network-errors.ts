/**
 * Turns what undici and Node throw (codes like ECONNREFUSED, UND_ERR_BODY_TIMEOUT,
 * TLS failures) into the engine's typed errors, with a message a user understands.
 */
import { RegistryError } from '../../../shared/errors';
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
 */
export function toRegistryError(err: unknown, registry: string, repository?: string): RegistryError {
  if (err instanceof RegistryError) return err;
  const where = { registry, ...(repository ? { repository } : {}) };
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
  return new RegistryError('network', `${registry}: request failed (${code ?? message.slice(0, 120)})`, where, 'Check that the registry address is right and reachable.');
}
