/**
 * An IPv4 address of this machine that is not loopback, for the tests of what the
 * engine does only for loopback (plain HTTP allowed, never proxied). Traffic to it
 * stays on this machine: the kernel delivers to its own addresses locally.
 *
 * The machine's own address when it has one; otherwise an address added to `lo` for
 * the run (in 198.18.0.0/15, reserved for benchmarks and never routed; no kernel
 * module needed, unlike a dummy interface), which needs root or CAP_NET_ADMIN and
 * iproute2. Where neither works the tests that need the address fail, saying why:
 * they never skip.
 */
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);

export type NetworkAddress = { address: string } | { missing: string };

declare module 'vitest' {
  export interface ProvidedContext {
    networkAddress: NetworkAddress;
  }
}

function ownAddress(): string | undefined {
  // Addresses on lo (ours among them) are `internal`.
  return Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

/** For the global setup: finds or makes the address; `release` removes what was made. */
export async function setUpNetworkAddress(): Promise<{ value: NetworkAddress; release: () => Promise<void> }> {
  const own = ownAddress();
  if (own) return { value: { address: own }, release: async () => undefined };
  // One address per run, so runs side by side never remove each other's.
  const address = `198.18.${(process.pid >> 8) & 255}.${process.pid & 255 || 1}`;
  const ip = (verb: 'add' | 'del') => run('ip', ['addr', verb, `${address}/32`, 'dev', 'lo']);
  try {
    await ip('add');
  } catch (err) {
    const why = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    return {
      value: { missing: `this machine has no non-loopback IPv4 address, and adding one to lo failed (${why}): run the tests as root (or with CAP_NET_ADMIN) with iproute2 installed, or on a machine with a network address` },
      release: async () => undefined,
    };
  }
  return { value: { address }, release: () => ip('del').then(() => undefined) };
}

/** In a test: the address, or a failure that says why there is none. */
export function networkAddress(): string {
  const value = inject('networkAddress');
  if ('missing' in value) throw new Error(value.missing);
  return value.address;
}
