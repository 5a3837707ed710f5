/** The resolve-time address check: both lookup forms (one address, all addresses), and the ahead-of-time check. */
import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { AddressRefusedError, checkResolvesSafely, guardedLookup, type AddressGuard, type LookupFunction } from '../../electron/registry/transport/resolve-guard';
import { toRegistryError } from '../../electron/registry/transport/network-errors';
import { rejectionReason } from '../helpers/errors';

/** A resolver answering from a table, as a hosts file would. */
const table = (answers: Record<string, LookupAddress[]>): LookupFunction => (hostname, options, callback) => {
  const found = answers[hostname];
  if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
  if ((options as { all?: boolean }).all) callback(null, found);
  else callback(null, found[0]!.address, found[0]!.family);
};

const hosts = table({
  ok: [{ address: '10.0.0.5', family: 4 }],
  metadata: [{ address: '169.254.169.254', family: 4 }],
  mapped: [{ address: '::ffff:a9fe:a9fe', family: 6 }],
  second: [{ address: '10.0.0.5', family: 4 }, { address: 'fe80::1', family: 6 }],
  alibaba: [{ address: '100.100.100.200', family: 4 }],
  local: [{ address: '127.0.0.1', family: 4 }],
  local6: [{ address: '::1', family: 6 }],
  unspecified: [{ address: '0.0.0.0', family: 4 }],
  mappedLocal: [{ address: '::ffff:7f00:1', family: 6 }],
  secondLocal: [{ address: '10.0.0.5', family: 4 }, { address: '127.0.0.2', family: 4 }],
});

function resolve(name: string, all: boolean, guard: AddressGuard = {}): Promise<{ err: NodeJS.ErrnoException | null; address: unknown }> {
  return new Promise((done) => guardedLookup(hosts, guard)(name, all ? { all: true } : {}, (err, address) => done({ err, address })));
}

describe('guardedLookup', () => {
  it('passes normal answers through, in both forms', async () => {
    expect(await resolve('ok', false)).toEqual({ err: null, address: '10.0.0.5' });
    expect(await resolve('ok', true)).toEqual({ err: null, address: [{ address: '10.0.0.5', family: 4 }] });
  });

  it.each(['metadata', 'mapped', 'second', 'alibaba'])('refuses %s, whichever of its addresses is the bad one', async (name) => {
    for (const all of [false, true]) {
      const { err } = await resolve(name, all);
      if (name === 'second' && !all) expect(err).toBeNull(); // one-address form: only the first answer is used
      else expect(err).toBeInstanceOf(AddressRefusedError);
    }
  });

  it('passes resolver failures through unchanged', async () => {
    expect((await resolve('missing', true)).err?.code).toBe('ENOTFOUND');
  });

  it.each(['local', 'local6', 'unspecified', 'mappedLocal', 'secondLocal'])('%s (this machine) passes unless loopback is refused too', async (name) => {
    expect((await resolve(name, true)).err).toBeNull();
    const { err } = await resolve(name, true, { loopback: true });
    expect(err).toBeInstanceOf(AddressRefusedError);
    expect((err as AddressRefusedError).kind).toBe('loopback');
    expect(err?.message).toMatch(new RegExp(`^${name} resolves to .*, this machine \\(loopback\\)$`));
    // Link-local stays refused with the loopback guard on.
    expect((await resolve('metadata', true, { loopback: true })).err).toMatchObject({ kind: 'link-local' });
  });

  it('a loopback refusal becomes a typed protocol error with its own hint', () => {
    const err = toRegistryError(new AddressRefusedError('tokens.example', '127.0.0.1', 'loopback'), 'registry.example');
    expect(err.code).toBe('protocol');
    expect(err.message).toBe('registry.example: tokens.example resolves to 127.0.0.1, this machine (loopback); refused, nothing was sent');
    expect(err.context.registryCode).toBe('ADDRESS_REFUSED');
    expect(err.hint).toMatch(/never sends a registry's credentials to this machine when the registry itself is elsewhere/);
  });

  it('becomes a typed protocol error naming the host and address', () => {
    const err = toRegistryError(new AddressRefusedError('tokens.example', '169.254.169.254'), 'registry.example');
    expect(err.code).toBe('protocol');
    expect(err.message).toBe('registry.example: tokens.example resolves to 169.254.169.254, a link-local or metadata address; refused, nothing was sent');
    expect(err.context.registryCode).toBe('ADDRESS_REFUSED');
  });
});

describe('checkResolvesSafely (ahead of a proxied connection)', () => {
  it('rejects a name with any refused address; accepts good and unresolvable names (the proxy may know them)', async () => {
    expect(await rejectionReason(checkResolvesSafely('second', hosts))).toBeInstanceOf(AddressRefusedError);
    await expect(checkResolvesSafely('ok', hosts)).resolves.toBeUndefined();
    await expect(checkResolvesSafely('missing', hosts)).resolves.toBeUndefined();
  });

  it('with loopback refused, a name resolving here is rejected too', async () => {
    await expect(checkResolvesSafely('local', hosts)).resolves.toBeUndefined();
    expect(await rejectionReason(checkResolvesSafely('local', hosts, { loopback: true }))).toMatchObject({ kind: 'loopback' });
  });
});
