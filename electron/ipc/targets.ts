/**
 * IPC requests carry a registry, a repository and a tag or digest as separate
 * strings (the contract's schema only bounds their length). Each is checked
 * here, at the boundary, before it reaches a URL, a cache key or a credential
 * lookup: a malformed one is a typed `invalid_reference` naming the part.
 */
import type { BlobTarget } from '../registry/api/blobs';
import type { ManifestTarget } from '../registry/api/manifests';
import type { RepositoryTarget } from '../registry/client';
import { parseDigest } from '../registry/digest';
import { checkRepositoryName, parseRegistryHost, parseTagOrDigest } from '../registry/reference';

export function repositoryTarget(r: { registry: string; repository: string }): RepositoryTarget {
  return { registry: parseRegistryHost(r.registry), repository: checkRepositoryName(r.repository) };
}

export function manifestTarget(r: { registry: string; repository: string; reference: string }): ManifestTarget {
  return { ...repositoryTarget(r), reference: parseTagOrDigest(r.reference) };
}

export function blobTarget(r: { registry: string; repository: string; digest: string }): BlobTarget {
  return { ...repositoryTarget(r), digest: parseDigest(r.digest).toString() };
}
