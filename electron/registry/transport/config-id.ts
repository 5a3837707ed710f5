/**
 * A short identity for a registry's transport settings, so the transport can
 * tell when the user changed them while it runs and rebuild what depends on
 * them (that host's connections, its remembered scheme, its breaker).
 */
import { createHash } from 'node:crypto';
import type { RegistryHostConfig } from './types';

const caIds = new WeakMap<object, string>();

function caId(ca: RegistryHostConfig['ca']): string {
  if (!ca) return '';
  // The same Buffer is hashed once: settings hand the same object out until the file changes.
  if (typeof ca === 'object') {
    let id = caIds.get(ca);
    if (!id) caIds.set(ca, (id = createHash('sha256').update(ca).digest('hex').slice(0, 16)));
    return id;
  }
  return createHash('sha256').update(ca).digest('hex').slice(0, 16);
}

/** What the connection's TLS depends on. */
export function tlsId(config: RegistryHostConfig | undefined): string {
  return `${config?.skipVerify ? 'unverified' : 'verified'}:${caId(config?.ca)}`;
}

/** Everything of the settings the transport depends on. */
export function configId(config: RegistryHostConfig | undefined): string {
  return `${tlsId(config)}|${config?.insecure ? 'insecure' : 'secure'}|${(config?.mirrors ?? []).join(',')}`;
}
