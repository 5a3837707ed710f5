/**
 * Builds engine clients for rig registries: trusting the registry's CA when it
 * has one, with the given credentials, and with fast retries so failing tests
 * fail fast.
 */
import { readFileSync } from 'node:fs';
import type { Credential } from '../../electron/registry/auth/credentials';
import { RegistryClient, type RegistryClientOptions } from '../../electron/registry/client';
import type { RigRegistry } from '../rig/registry';

export function clientFor(registry: Pick<RigRegistry, 'host' | 'caFile'>, credential?: Credential, extra: RegistryClientOptions = {}): RegistryClient {
  const ca = registry.caFile ? readFileSync(registry.caFile) : undefined;
  return new RegistryClient({
    credentials: async (host) => (host === registry.host ? credential : undefined),
    hostConfig: (host) => (host === registry.host && ca ? { ca } : undefined),
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  });
}

/** Runs `use` with `client`, then closes the client whatever happened. */
export async function withClient<T>(client: RegistryClient, use: (client: RegistryClient) => Promise<T>): Promise<T> {
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}
