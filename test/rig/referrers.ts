/**
 * Signatures the way registries without the referrers API hold them (the OCI
 * referrers tag schema): an artifact manifest whose `subject` is the image,
 * listed in an index tagged `sha256-<hex>` of the image's digest.
 */
import { MT, sha256 } from '../../electron/demo/images';
import type { Descriptor } from '../../electron/registry/api/manifest-types';
import { RigPusher } from './push';
import type { RigRegistry } from './registry';

export const SIGNATURE_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

/** The `sha256-<hex>` tag of the referrers tag schema. */
export const referrersTagOf = (digest: string): string => digest.replace(':', '-');

/** Pushes a signature artifact (its payload as the one layer) for `subject`; returns its descriptor, unlisted. */
export async function pushSignature(registry: Pick<RigRegistry, 'url' | 'dispatcher' | 'users' | 'tokenServer'>, repo: string, subject: { digest: string; mediaType: string; size: number }, payload: string): Promise<Descriptor> {
  const pusher = new RigPusher(registry);
  const empty = Buffer.from('{}');
  const signature = Buffer.from(payload);
  await pusher.pushBlob(repo, empty, sha256(empty));
  await pusher.pushBlob(repo, signature, sha256(signature));
  const artifact = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    artifactType: SIGNATURE_TYPE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: empty.length },
    layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: sha256(signature), size: signature.length }],
    subject,
  }));
  await pusher.putManifest(repo, sha256(artifact), { bytes: artifact, mediaType: MT.ociManifest });
  return { mediaType: MT.ociManifest, digest: sha256(artifact), size: artifact.length, artifactType: SIGNATURE_TYPE };
}

/** Tags the referrers index of `subjectDigest` listing `referrers`, as a client of the tag schema does. */
export async function putReferrersIndex(registry: Pick<RigRegistry, 'url' | 'dispatcher' | 'users' | 'tokenServer'>, repo: string, subjectDigest: string, referrers: Descriptor[]): Promise<void> {
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: referrers }));
  await new RigPusher(registry).putManifest(repo, referrersTagOf(subjectDigest), { bytes: index, mediaType: MT.ociIndex });
}
