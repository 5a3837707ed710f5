/**
 * Checks where a host name resolves before a connection that carries
 * credentials is made: a token realm named `tokens.example` that resolves to
 * 169.254.169.254 (cloud metadata) or another link-local address is refused as
 * surely as one written that way; so is one that resolves to this machine, when
 * the registry that named it is elsewhere. The check runs inside the connection's
 * own lookup, so the address checked is the address connected to.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isLinkLocalOrMetadata, reachesThisMachine } from './hosts';

/** Node's `lookup` signature as net.connect calls it (one address, or all with `all: true`). */
export type LookupFunction = (
  hostname: string,
  options: LookupOneOptions | LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Error code of a connection refused because of the address its host name resolved to. */
export const ADDRESS_REFUSED = 'ERR_REGDESK_ADDRESS_REFUSED';

export const systemLookup: LookupFunction = (hostname, options, callback) =>
  dnsLookup(hostname, options as LookupAllOptions, callback as (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void);

/** What a refused address is: link-local or metadata (always refused), or this machine (when asked). */
export type RefusedKind = 'link-local' | 'loopback';

export interface AddressGuard {
  /** Refuse loopback (and unspecified) addresses too. */
  loopback?: boolean;
}

export class AddressRefusedError extends Error {
  readonly code = ADDRESS_REFUSED;
  constructor(readonly hostname: string, readonly address: string, readonly kind: RefusedKind = 'link-local') {
    super(`${hostname} resolves to ${address}, ${kind === 'loopback' ? 'this machine (loopback)' : 'a link-local or metadata address'}`);
  }
}

/** The first resolved address that credentials must never reach, and why, if any. */
function refused(addresses: string[], guard: AddressGuard): { address: string; kind: RefusedKind } | undefined {
  for (const address of addresses) {
    if (isLinkLocalOrMetadata(address)) return { address, kind: 'link-local' };
    if (guard.loopback && reachesThisMachine(address)) return { address, kind: 'loopback' };
  }
  return undefined;
}

/** A lookup that fails with AddressRefusedError when any address of the name is link-local or metadata (or, with `guard.loopback`, this machine). */
export function guardedLookup(base: LookupFunction = systemLookup, guard: AddressGuard = {}): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const bad = refused(all, guard);
      if (bad !== undefined) return callback(new AddressRefusedError(hostname, bad.address, bad.kind), Array.isArray(address) ? [] : '', family);
      callback(null, address, family);
    });
  };
}

/** The same check ahead of time, for connections made through a proxy (which resolves the name itself). */
export function checkResolvesSafely(hostname: string, base: LookupFunction = systemLookup, guard: AddressGuard = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    guardedLookup(base, guard)(hostname, { all: true }, (err) => {
      // Only our own refusal stops the request; a name that does not resolve here may still resolve at the proxy.
      if (err instanceof AddressRefusedError) reject(err);
      else resolve();
    });
  });
}
