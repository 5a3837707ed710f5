/**
 * Image-level reads built on manifests and blobs: the platforms of an index
 * (attestations hidden unless asked), picking one platform with containerd's
 * variant defaults, and an image's config, layers and total size.
 */
import { RegistryError } from '../../../shared/errors';
import { formatPlatform, isAttestation, platformMatches, type Platform } from '../platform';
import type { Digest } from '../digest';
import type { Descriptor, ImageIndex, ImageManifest } from './manifest-types';

export interface PlatformEntry {
  platform: Platform;
  digest: Digest;
  mediaType: string;
  size: number;
  attestation: boolean;
  annotations?: Record<string, string>;
}

function toPlatform(d: Descriptor): Platform {
  const p = d.platform;
  return {
    os: p?.os ?? 'unknown',
    architecture: p?.architecture ?? 'unknown',
    ...(p?.variant ? { variant: p.variant } : {}),
    ...(p?.['os.version'] ? { osVersion: p['os.version'] } : {}),
  };
}

/** The index's entries as platforms, in index order; attestations only when asked. */
export function platformsOf(index: ImageIndex, options: { includeAttestations?: boolean } = {}): PlatformEntry[] {
  return index.manifests
    .map((d) => ({
      platform: toPlatform(d),
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
      attestation: isAttestation(d),
      ...(d.annotations ? { annotations: d.annotations } : {}),
    }))
    .filter((e) => options.includeAttestations || !e.attestation);
}

/** The entry for `wanted` (arm64 matches arm64/v8, arm matches arm/v7); an error listing what exists otherwise. */
export function selectPlatform(index: ImageIndex, wanted: Platform, context: { registry: string; repository: string }): PlatformEntry {
  const entries = platformsOf(index);
  const match = entries.find((e) => platformMatches(wanted, e.platform));
  if (match) return match;
  const available = entries.map((e) => formatPlatform(e.platform)).join(', ') || 'none';
  throw new RegistryError('not_found', `${context.registry}: no ${formatPlatform(wanted)} image in ${context.repository} (available: ${available})`,
    { ...context, kind: 'manifest', part: 'platform' }, 'Pick one of the available platforms (--platform).');
}

export interface LayerInfo {
  digest: Digest;
  mediaType: string;
  size: number;
}

export interface ImageSummary {
  config: Descriptor;
  layers: LayerInfo[];
  /** Config plus layers, compressed: what a pull transfers. */
  totalSize: number;
}

export function summarise(manifest: ImageManifest): ImageSummary {
  const layers = manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size }));
  return { config: manifest.config, layers, totalSize: manifest.config.size + layers.reduce((sum, l) => sum + l.size, 0) };
}

