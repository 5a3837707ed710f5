/**
 * The referrers tag schema at the destination (for registries without the
 * referrers API): the `sha256-<hex>` tag names an index of the manifests that
 * refer to that digest. A copy pushes it after the image itself (a failed copy
 * leaves no such tag for an image that is not there), and merges it with the
 * index the destination already has, so signatures pushed there before stay.
 */
import { isRegistryError, RegistryError } from '../../../shared/errors';
import type { RegistryClient } from '../client';
import { parseManifest } from '../api/manifest-types';
import { MEDIA_TYPES } from '../media-types';

interface IndexTarget {
  registry: string;
  repository: string;
  /** The `sha256-<hex>` tag. */
  tag: string;
}

/** The digest a `sha256-<hex>` tag stands for. */
const subjectOf = (tag: string): string => tag.replace('-', ':');

/** Pushes the source's referrers index under `target.tag`, merged with what the destination lists there. */
export async function pushReferrersIndex(client: RegistryClient, target: IndexTarget, source: { bytes: Buffer; mediaType: string }, signal: AbortSignal): Promise<void> {
  const ref = { registry: target.registry, repository: target.repository, reference: target.tag };
  // What the destination itself lists: a mirror's index may name manifests the destination never had.
  const found = await client.getManifest(ref, { signal, mirrorable: false }).catch((err: unknown) => {
    if (isRegistryError(err, 'not_found')) return undefined;
    throw err;
  });
  // GitLab resolves an unknown `sha256-<hex>` tag to that digest, the subject itself: no index there yet.
  const existing = found && found.digest !== subjectOf(target.tag) ? found : undefined;
  if (!existing) {
    await client.putManifest(ref, source.bytes, source.mediaType, { signal });
    return;
  }
  const where = { registry: target.registry, repository: target.repository };
  const incoming = parseManifest(source.bytes, source.mediaType, target.registry);
  if (existing.parsed.kind !== 'index' || incoming.kind !== 'index') {
    throw new RegistryError('protocol', `${target.registry}: the tag ${target.tag} in ${target.repository} is not a referrers index; it was left as it is`, where,
      'The image was copied; its signatures and other referrers were not listed under that tag.');
  }
  const listed = new Set(existing.parsed.manifests.map((d) => d.digest));
  const added = incoming.manifests.filter((d) => !listed.has(d.digest));
  if (added.length === 0) return;
  const merged = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...existing.parsed.manifests, ...added] }));
  await client.putManifest(ref, merged, MEDIA_TYPES.ociIndex, { signal });
}
