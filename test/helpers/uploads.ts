/**
 * What a copy left at a rig registry, read from its storage and its API: open
 * upload sessions, the tag, and every blob read back and verified.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryClient } from '../../electron/registry/client';
import type { RigRegistry } from '../rig/registry';

/**
 * Upload sessions distribution still holds open for a repository: a folder
 * under `_uploads` with its `startedat` marker (DELETE removes the marker and
 * the data, and leaves only the hash state behind).
 */
export async function openUploads(registry: Pick<RigRegistry, 'storageDir'>, repository: string): Promise<string[]> {
  const root = join(registry.storageDir, 'docker/registry/v2/repositories', repository, '_uploads');
  const ids = await readdir(root).catch(() => []);
  return ids.filter((id) => existsSync(join(root, id, 'startedat')));
}

/** The digest `reference` names at an anonymous rig registry, asked directly (no proxy, no cache); undefined when absent. */
export async function digestAt(registry: Pick<RigRegistry, 'host'>, repository: string, reference: string): Promise<string | undefined> {
  const client = new RegistryClient({ cache: false });
  try {
    return (await client.headManifest({ registry: registry.host, repository, reference }, { fresh: true }))?.digest;
  } finally {
    await client.close();
  }
}

/** Reads every blob back from an anonymous rig registry; each is verified against its digest while read (a wrong byte throws). */
export async function readBackBlobs(registry: Pick<RigRegistry, 'host'>, repository: string, digests: string[]): Promise<void> {
  const client = new RegistryClient({ cache: false });
  try {
    for (const digest of digests) {
      const { stream } = await client.getBlob({ registry: registry.host, repository, digest });
      for await (const _ of stream) void _;
    }
  } finally {
    await client.close();
  }
}
