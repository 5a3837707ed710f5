/**
 * Checks where a host name resolves before a connection that carries
 * credentials is made: a token realm named `tokens.example` that resolves to
 * 169.254.169.254 (cloud metadata) or another link-local address is refused as
 * surely as one written that way. The check runs inside the connection's own
 * lookup, so the address checked is the address connected to.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isLinkLocalOrMetadata } from './hosts';

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

export class AddressRefusedError extends Error {
  readonly code = ADDRESS_REFUSED;
  constructor(readonly hostname: string, readonly address: string) {
    super(`${hostname} resolves to ${address}, a link-local or metadata address`);
  }
}

/** The first resolved address that credentials must never reach, if any. */
function refused(addresses: string[]): string | undefined {
  return addresses.find((address) => isLinkLocalOrMetadata(address));
}

/** A lookup that fails with AddressRefusedError when any address of the name is link-local or metadata. */
export function guardedLookup(base: LookupFunction = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const bad = refused(all);
      if (bad !== undefined) return callback(new AddressRefusedError(hostname, bad), Array.isArray(address) ? [] : '', family);
      callback(null, address, family);
    });
  };
}

/** The same check ahead of time, for connections made through a proxy (which resolves the name itself). */
export function checkResolvesSafely(hostname: string, base: LookupFunction = systemLookup): Promise<void> {
  return new Promise((resolve, reject) => {
    guardedLookup(base)(hostname, { all: true }, (err) => {
      // Only our own refusal stops the request; a name that does not resolve here may still resolve at the proxy.
      if (err instanceof AddressRefusedError) reject(err);
      else resolve();
    });
  });
}
