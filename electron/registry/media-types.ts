/**
 * Media types the engine reads and writes, and the Accept header for manifest
 * requests. Registries choose the manifest format from Accept, so it must list
 * every format regdesk can read, or a registry may answer 404 or convert the
 * manifest (older registries fall back to schema 1), changing its digest.
 */

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/**
 * Every manifest format regdesk reads, most wanted first, schema 1 last (read-only,
 * deprecated). Plain types without q-values: Artifact Registry and GitLab compare
 * each entry whole, so `…;q=0.5` matches nothing there and a manifest asked for
 * with it is answered 404 (registries choose from the set, never by weight).
 */
export const MANIFEST_ACCEPT_TYPES: readonly string[] = Object.freeze([
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerSchema1Signed,
  MEDIA_TYPES.dockerSchema1,
]);

/** The Accept header value for manifest GET and HEAD. */
export const MANIFEST_ACCEPT = MANIFEST_ACCEPT_TYPES.join(', ');

/**
 * A Content-Type reduced to its media type: parameters dropped, trimmed,
 * lower-cased (media types are case-insensitive; some registries add `charset`).
 */
export function baseMediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  return (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase() || undefined;
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  const type = baseMediaType(mediaType);
  return type === MEDIA_TYPES.ociIndex || type === MEDIA_TYPES.dockerManifestList;
}
