/**
 * Builds real images in memory (gzip'd tar layers, config, manifests, indexes)
 * in Docker schema2 or OCI form: the samples of `regdesk serve --demo` and the
 * test rig's fixtures. Small by design.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tarBytes } from '../registry/archive/tar-writer';
import { digestOf, type Digest } from '../registry/digest';
import type { Platform } from '../../shared/platform';

/** A layer's entry, written exactly as told (hostile names included: extract tests need layers a careful tool would refuse). */
export type TarEntry =
  | { type: 'file'; name: string; content: Uint8Array | string; mode?: number }
  | { type: 'dir'; name: string; mode?: number }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'hardlink'; name: string; target: string };

/** Sample layers carry one fixed time, so the same entries always make the same digest. */
const SAMPLE_MTIME = 1700000000;

/** An uncompressed layer tar of `entries`. */
export function tar(entries: TarEntry[]): Buffer {
  return tarBytes(entries.map((entry) => {
    const common = { name: entry.name, mtime: SAMPLE_MTIME };
    switch (entry.type) {
      case 'file': {
        const body = Buffer.from(entry.content);
        return { header: { ...common, type: 'file' as const, size: body.length, mode: entry.mode }, body };
      }
      case 'dir':
        return { header: { ...common, type: 'directory' as const, size: 0, mode: entry.mode } };
      case 'symlink':
        return { header: { ...common, type: 'symlink' as const, size: 0, linkname: entry.target } };
      case 'hardlink':
        return { header: { ...common, type: 'link' as const, size: 0, linkname: entry.target } };
    }
  }));
}

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  inToto: 'application/vnd.in-toto+json',
} as const;

export interface RigBlob {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** A manifest with everything needed to push it: its blobs and, for an index, its children. */
export interface RigManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  blobs: RigBlob[];
  children: RigManifest[];
  platform?: Platform;
  /** For image manifests: the parsed config, so tests can compare. */
  config?: Record<string, unknown>;
}

export const sha256 = (bytes: Uint8Array): Digest => digestOf(bytes, 'sha256');

const blob = (mediaType: string, bytes: Buffer): RigBlob => ({ digest: sha256(bytes), mediaType, bytes });
const descriptor = (b: { digest: string; mediaType: string; bytes: Buffer }): Record<string, unknown> => ({
  mediaType: b.mediaType,
  digest: b.digest,
  size: b.bytes.length,
});

export interface ImageSpec {
  format?: 'oci' | 'docker';
  platform?: Platform;
  /** Each layer's tar entries; default: one small layer with a release file and some random bytes. */
  layers?: TarEntry[][];
  /** Random payload bytes per default layer (uniqueness and size). */
  layerBytes?: number;
  labels?: Record<string, string>;
  env?: string[];
  cmd?: string[];
  entrypoint?: string[];
  created?: string;
}

export function defaultLayers(platform: Platform, count: number, bytes: number): TarEntry[][] {
  const layers: TarEntry[][] = [];
  for (let i = 0; i < count; i++) {
    layers.push([
      { type: 'dir', name: 'etc/' },
      { type: 'file', name: `etc/layer-${i}`, content: `${platform.os}/${platform.architecture}${platform.variant ? '/' + platform.variant : ''} layer ${i}\n` },
      { type: 'file', name: `data/random-${i}.bin`, content: randomBytes(bytes) },
    ]);
  }
  return layers;
}

export function buildImage(spec: ImageSpec = {}): RigManifest {
  const format = spec.format ?? 'oci';
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const layerEntries = spec.layers ?? defaultLayers(platform, 2, spec.layerBytes ?? 2048);
  const layerType = format === 'oci' ? MT.ociLayerGzip : MT.dockerLayer;
  const tars = layerEntries.map((entries) => tar(entries));
  const layers = tars.map((t) => blob(layerType, gzipSync(t)));
  const created = spec.created ?? '2026-01-02T03:04:05Z';
  const config = {
    created,
    author: 'regdesk test rig',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: spec.env ?? ['PATH=/usr/local/bin:/usr/bin:/bin', 'REGDESK_FIXTURE=1'],
      Cmd: spec.cmd ?? ['/bin/sh'],
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
      WorkingDir: '/',
      Labels: spec.labels ?? { 'org.opencontainers.image.title': 'regdesk fixture' },
    },
    rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) },
    history: [
      ...tars.map((_, i) => ({ created, created_by: `/bin/sh -c #(nop) ADD layer ${i}` })),
      { created, created_by: '/bin/sh -c #(nop) CMD ["/bin/sh"]', empty_layer: true },
    ],
  };
  const configBlob = blob(format === 'oci' ? MT.ociConfig : MT.dockerConfig, Buffer.from(JSON.stringify(config)));
  const manifestType = format === 'oci' ? MT.ociManifest : MT.dockerManifest;
  const manifest = { schemaVersion: 2, mediaType: manifestType, config: descriptor(configBlob), layers: layers.map(descriptor) };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
  return { digest: sha256(bytes), mediaType: manifestType, bytes, blobs: [configBlob, ...layers], children: [], platform, config };
}

/** A BuildKit-style attestation manifest attached to `subject` in an index (platform unknown/unknown). */
export function buildAttestation(subject: RigManifest): RigManifest {
  const statement = blob(MT.inToto, Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: { sha256: subject.digest.slice(7) } }] })));
  const configBlob = blob(MT.ociConfig, Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statement.digest] } })));
  const manifest = {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: descriptor(configBlob),
    layers: [{ ...descriptor(statement), annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } }],
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { digest: sha256(bytes), mediaType: MT.ociManifest, bytes, blobs: [configBlob, statement], children: [], platform: { os: 'unknown', architecture: 'unknown' } };
}

export function buildIndex(children: RigManifest[], format: 'oci' | 'docker' = 'oci', attestationsFor: RigManifest[] = []): RigManifest {
  const attestations = attestationsFor.map((subject) => ({ subject, att: buildAttestation(subject) }));
  const entries = [
    ...children.map((c) => ({ ...descriptor(c), platform: c.platform })),
    ...attestations.map(({ subject, att }) => ({
      ...descriptor(att),
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.digest': subject.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    })),
  ];
  const mediaType = format === 'oci' ? MT.ociIndex : MT.dockerList;
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }, null, 2));
  return { digest: sha256(bytes), mediaType, bytes, blobs: [], children: [...children, ...attestations.map((a) => a.att)] };
}

/** The multi-platform image of the fixtures: amd64, arm64/v8, arm/v7 and an attestation. */
export function buildMultiPlatform(format: 'oci' | 'docker' = 'oci'): RigManifest {
  const platforms: Platform[] = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ];
  const children = platforms.map((platform) => buildImage({ format, platform }));
  return buildIndex(children, format, format === 'oci' ? [children[0]!] : []);
}

/** Every blob of a manifest tree, without duplicates. */
export function allBlobs(manifest: RigManifest): RigBlob[] {
  const seen = new Map<string, RigBlob>();
  const walk = (m: RigManifest): void => {
    for (const b of m.blobs) seen.set(b.digest, b);
    m.children.forEach(walk);
  };
  walk(manifest);
  return [...seen.values()];
}
