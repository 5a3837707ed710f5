/**
 * The only place registry API paths are built. Each builder takes parsed
 * names (a RepositoryName, a Tag, a Digest: types only their parsers make), so
 * a raw string from a registry or a user can never become part of a URL: a
 * `../` digest or repository fails to parse before any request exists.
 */
import { isDigest, parseDigest, type Digest } from '../digest';
import { checkRepositoryName, parseTagOrDigest, type RepositoryName, type Tag } from '../reference';

export const v2Path = {
  manifest: (repository: RepositoryName, reference: Tag | Digest): string => `/v2/${repository}/manifests/${reference}`,
  blob: (repository: RepositoryName, digest: Digest): string => `/v2/${repository}/blobs/${digest}`,
  uploads: (repository: RepositoryName): string => `/v2/${repository}/blobs/uploads/`,
  referrers: (repository: RepositoryName, digest: Digest): string => `/v2/${repository}/referrers/${digest}`,
  tags: (repository: RepositoryName): string => `/v2/${repository}/tags/list`,
};

/** A target given as plain strings (by a caller of the engine), parsed before it can name a URL. */
export interface ParsedManifestTarget {
  registry: string;
  repository: RepositoryName;
  reference: Tag | Digest;
}

export interface ParsedBlobTarget {
  registry: string;
  repository: RepositoryName;
  digest: Digest;
}

export function parseManifestTarget(t: { registry: string; repository: string; reference: string }): ParsedManifestTarget {
  return { registry: t.registry, repository: checkRepositoryName(t.repository), reference: parseTagOrDigest(t.reference) };
}

export function parseBlobTarget(t: { registry: string; repository: string; digest: string }): ParsedBlobTarget {
  return { registry: t.registry, repository: checkRepositoryName(t.repository), digest: parseDigest(t.digest) };
}

/** `repo:tag` or `repo@digest`, for messages. */
export function describeReference(repository: string, reference: string): string {
  return `${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
}
