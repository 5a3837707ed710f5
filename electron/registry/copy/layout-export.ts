/**
 * Export: an image from a registry written as an OCI image layout, a
 * directory or a `.tar` of one (layout-sink.ts), with the push routine
 * (image-io.ts): blobs, then manifests, children first, and index.json last.
 * A platform subset is exported like `cp --platform` copies it.
 */
import { RegistryError } from '../../../shared/errors';
import type { CopyProgress, PlannedBlob } from '../../../shared/copy';
import type { RegistryClient } from '../client';
import type { Descriptor } from '../api/manifest-types';
import { digestOf, isDigest } from '../digest';
import { inParallel } from '../parallel';
import { formatPlatform, isAttestation, platformMatches, type Platform } from '../platform';
import { pushImage, type SourceManifest } from './image-io';
import { cancelled, checkAbort, MAX_DEPTH } from './layout-files';
import { openLayoutSink } from './layout-sink';
import { chooseEntries, isForeign, platformRef, subsetIndex } from './plan';
import { ProgressTracker } from './progress';
import { registrySource } from './registry-io';
import { formatReference } from '../../../shared/names';

export interface LayoutImageSource {
  registry: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
}

export interface ExportOptions {
  signal?: AbortSignal;
  /** `all` (default) exports an index whole; a list picks platforms (one platform: its manifest becomes the top). */
  platforms?: 'all' | Platform[];
  onProgress?: (progress: CopyProgress) => void;
  /** The index.json ref.name; default: the source tag (none when the source is a digest). */
  refName?: string;
  /** Blobs downloaded at once (directory layouts; a .tar is written one blob at a time). */
  concurrency?: number;
}

export interface ExportResult {
  source: string;
  destination: string;
  /** Digest of the manifest index.json points at. */
  digest: string;
  mediaType: string;
  refName?: string;
  platforms: Platform[];
  manifests: number;
  /** Configs and layers. */
  blobs: number;
  /** Bytes written (blobs downloaded and manifests); blobs a directory layout already held are not counted. */
  bytes: number;
}

interface ManifestFile {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

interface BlobFile {
  digest: string;
  size: number;
  mediaType: string;
}

interface Collected {
  top: ManifestFile;
  /** Every manifest, children before their index, the top last. */
  manifests: ManifestFile[];
  blobs: BlobFile[];
  platforms: Platform[];
}

/** Reads the manifests to export (the top one, or a subset index built like `cp --platform` does) and lists their blobs. */
async function collect(client: RegistryClient, source: LayoutImageSource, options: ExportOptions): Promise<Collected> {
  const src = { registry: source.registry, repository: source.repository };
  const from = registrySource(client, src);
  const signal = options.signal;
  const top = await client.getManifest(source, { signal });
  const manifests = new Map<string, ManifestFile>();
  const blobs = new Map<string, BlobFile>();
  const file = (m: SourceManifest): ManifestFile => ({ digest: m.digest, mediaType: m.mediaType, bytes: m.bytes });

  const walk = async (m: SourceManifest, depth: number): Promise<void> => {
    if (m.parsed.kind === 'schema1') {
      throw new RegistryError('unsupported', `${source.registry}: ${source.repository} holds a Docker schema 1 manifest (${m.digest}), which regdesk does not export`, src,
        'Re-push the image with a current Docker to convert it.');
    }
    if (m.parsed.kind === 'image') {
      for (const d of [m.parsed.config, ...m.parsed.layers]) {
        if (!isForeign(d) && !blobs.has(d.digest)) blobs.set(d.digest, { digest: d.digest, size: d.size, mediaType: d.mediaType });
      }
    } else {
      if (depth >= MAX_DEPTH) throw new RegistryError('unsupported', `${source.registry}: indexes nested more than ${MAX_DEPTH} deep are not exported`, src);
      await walkEntries(m.parsed.manifests, depth + 1);
    }
    manifests.set(m.digest, file(m));
  };
  const walkEntries = async (entries: Descriptor[], depth: number): Promise<void> => {
    const children: SourceManifest[] = [];
    await inParallel(entries, 8, async (d, i) => {
      children[i] = await from.manifest(d, { signal });
    });
    for (const child of children) await walk(child, depth);
  };

  const wanted = options.platforms === undefined || options.platforms === 'all' ? undefined : options.platforms;
  let final: ManifestFile;
  let platforms: Platform[] = [];
  if (top.parsed.kind === 'index') {
    const index = top.parsed;
    const entries = wanted ? chooseEntries(index, wanted, source) : index.manifests;
    platforms = entries.filter((d) => !isAttestation(d) && d.platform).map((d) => platformRef(d)!);
    if (wanted && entries.length === 1) {
      // One platform: its manifest is the image, no index (as cp does).
      const child = await from.manifest(entries[0]!, { signal });
      await walk(child, 1);
      final = file(child);
    } else if (wanted) {
      const chosen = new Set<string>(entries.map((d) => d.digest));
      const attestations = index.manifests.filter((d) => isAttestation(d) && chosen.has(d.annotations?.['vnd.docker.reference.digest'] ?? ''));
      await walkEntries([...entries, ...attestations], 1);
      const bytes = subsetIndex(index, entries, top.mediaType);
      final = { digest: digestOf(bytes), mediaType: top.mediaType, bytes };
      manifests.set(final.digest, final);
    } else {
      await walk(top, 0);
      final = file(top);
    }
  } else {
    if (wanted && top.parsed.kind === 'image') {
      const config = await client.imageConfig(src, top.parsed, { signal });
      const actual: Platform = { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
      if (!wanted.some((p) => platformMatches(p, actual))) {
        throw new RegistryError('not_found', `${source.registry}: ${source.repository} is a single ${formatPlatform(actual)} image`, { ...src, kind: 'manifest', part: 'platform' });
      }
      platforms = [actual];
    }
    await walk(top, 0);
    final = file(top);
  }
  // The top manifest last.
  manifests.delete(final.digest);
  return { top: final, manifests: [...manifests.values(), final], blobs: [...blobs.values()], platforms };
}

/**
 * Writes the image (every manifest, config and layer) as an OCI image layout
 * at `dest`: a directory (created, or an existing layout the image is added
 * to), or a tar archive when `dest` ends in `.tar`. index.json's entry for the
 * image carries the ref.name annotation (the tag).
 */
export async function exportImage(client: RegistryClient, source: LayoutImageSource, dest: string, options: ExportOptions = {}): Promise<ExportResult> {
  const signal = options.signal;
  const src = { registry: source.registry, repository: source.repository };
  const refName = options.refName ?? (isDigest(source.reference) ? undefined : source.reference);
  if (refName !== undefined && (refName.length === 0 || refName.length > 256 || [...refName].some((c) => c.charCodeAt(0) < 0x20))) {
    throw new RegistryError('usage', 'invalid ref.name for the layout', {}, 'A ref.name is a short printable name, usually the tag.');
  }
  const collected = await collect(client, source, options);
  checkAbort(signal, 'export');

  const planned: PlannedBlob[] = collected.blobs.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType, action: 'upload' }));
  const progress = new ProgressTracker(planned, options.onProgress ?? (() => undefined));
  const sink = await openLayoutSink(dest, options.concurrency ?? 4);
  const run = { signal: signal ?? new AbortController().signal, progress, cancelled: () => cancelled('export') };
  // Every manifest by digest; the top one last, named: it becomes index.json's entry.
  const manifests = collected.manifests.map((m) => (m === collected.top ? { ...m, tag: refName } : m));
  let bytes = 0;
  try {
    const sent = await pushImage(registrySource(client, src), sink, { blobs: planned, manifests }, run);
    checkAbort(signal, 'export');
    await sink.commit();
    bytes = sent.bytes + sink.manifestBytes;
    progress.setPhase('done');
  } catch (err) {
    await sink.abort();
    throw signal?.aborted ? cancelled('export') : err;
  } finally {
    progress.close();
  }
  return {
    source: formatReference(src, source.reference),
    destination: dest,
    digest: collected.top.digest,
    mediaType: collected.top.mediaType,
    refName,
    platforms: collected.platforms,
    manifests: collected.manifests.length,
    blobs: collected.blobs.length,
    bytes,
  };
}