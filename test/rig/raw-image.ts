/**
 * An OCI image from raw layer blobs: any bytes, any media type, and descriptors
 * that may lie about sizes (distribution accepts a manifest whose descriptor
 * sizes are wrong: it checks only that the blobs exist).
 */
import { MT, sha256, type RigManifest } from './images';

export interface RawLayer {
  bytes: Buffer;
  mediaType: string;
  /** The size the descriptor claims; the real size when absent. */
  claimedSize?: number;
}

export function rawImage(layers: RawLayer[], options: { configClaimedSize?: number } = {}): RigManifest {
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l.bytes)) } }));
  const config = { digest: sha256(configBytes), mediaType: MT.ociConfig, bytes: configBytes };
  const blobs = layers.map((l) => ({ digest: sha256(l.bytes), mediaType: l.mediaType, bytes: l.bytes }));
  const descriptor = (b: { digest: string; mediaType: string; bytes: Buffer }, claimed?: number) => ({ mediaType: b.mediaType, digest: b.digest, size: claimed ?? b.bytes.length });
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: descriptor(config, options.configClaimedSize),
    layers: blobs.map((b, i) => descriptor(b, layers[i]!.claimedSize)),
  }));
  return { digest: sha256(bytes), mediaType: MT.ociManifest, bytes, blobs: [config, ...blobs], children: [] };
}
