/**
 * Import: an image from an OCI layout (layout-source.ts) pushed to a registry
 * with the push routine (image-io.ts). The layout is read strictly: every
 * manifest and blob is checked against its descriptor (size and digest) while
 * it is read, and a missing or corrupt blob fails the import before any
 * manifest is pushed, so nothing is tagged.
 */
import { isRegistryError, RegistryError } from '../../../shared/errors';
import type { CopyProgress, PlannedBlob } from '../../../shared/copy';
import type { RegistryClient } from '../client';
import type { Descriptor, ImageIndex } from '../api/manifest-types';
import { inParallel } from '../parallel';
import { pullBlob, pushImage, type ImageSink } from './image-io';
import { cancelled, checkAbort, layoutDigest, MAX_DEPTH, REF_NAME, tagFromRefName, verified } from './layout-files';
import { layoutSource, openLayout, readLayoutIndex, type LayoutManifest } from './layout-source';
import { isForeign } from './plan';
import { ProgressTracker } from './progress';
import { registrySink } from './registry-io';
import { formatReference } from '../../../shared/names';

export interface LayoutImageDestination {
  registry: string;
  repository: string;
  /** The tag to write last; default: the ref.name of the layout entry (when it is a tag), else by digest only. */
  tag?: string;
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: CopyProgress) => void;
  /** Which index.json entry to push (by ref.name); default: the only one, or the one named like the destination tag. */
  refName?: string;
  concurrency?: number;
  chunkedAbove?: number;
  chunkSize?: number;
}

export interface ImportResult {
  source: string;
  destination: string;
  digest: string;
  manifests: number;
  blobs: number;
  /** Bytes uploaded. */
  bytes: number;
  /** Blobs the destination already had. */
  skipped: number;
}

/** Attempts per blob, the first included (as a copy). */
const UPLOAD_ATTEMPTS = 3;

/** The index.json entry to import. */
function chooseEntry(index: ImageIndex, where: string, refName: string | undefined, tag: string | undefined): Descriptor {
  const names = index.manifests.map((d) => d.annotations?.[REF_NAME]).filter((n): n is string => n !== undefined);
  const list = names.length ? names.join(', ') : 'none';
  if (refName !== undefined) {
    const match = index.manifests.filter((d) => d.annotations?.[REF_NAME] === refName);
    if (!match.length) throw new RegistryError('not_found', `${where}: no image named ${refName.slice(0, 80)} in the layout (names: ${list})`, { kind: 'tag' });
    return match.at(-1)!;
  }
  if (index.manifests.length === 1) return index.manifests[0]!;
  if (index.manifests.length === 0) throw new RegistryError('not_found', `${where}: the layout's index.json lists no image`, { kind: 'manifest' });
  const byTag = tag !== undefined ? index.manifests.filter((d) => d.annotations?.[REF_NAME] === tag) : [];
  if (byTag.length) return byTag.at(-1)!;
  throw new RegistryError('usage', `${where} holds ${index.manifests.length} images; say which one (names: ${list})`, {}, 'Name it with --ref NAME, or tag the destination like the ref.name.');
}

/**
 * Pushes an image from an OCI layout (a directory or a .tar of one): blobs
 * first (those the destination lacks; the others are still checked locally),
 * then child manifests by digest, then the top manifest under the tag.
 */
export async function importImage(client: RegistryClient, src: string, destination: LayoutImageDestination, options: ImportOptions = {}): Promise<ImportResult> {
  const signal = options.signal;
  const dst = { registry: destination.registry, repository: destination.repository };
  const reader = await openLayout(src);
  const source = layoutSource(reader);
  const where = reader.where;

  const index = await readLayoutIndex(reader);
  const entry = chooseEntry(index, where, options.refName, destination.tag);
  const tag = destination.tag ?? tagFromRefName(entry.annotations?.[REF_NAME]);

  // Read and check every manifest, children before their index.
  const manifests = new Map<string, LayoutManifest>();
  const blobs = new Map<string, Descriptor>();
  const walk = async (d: Descriptor, depth: number): Promise<LayoutManifest> => {
    checkAbort(signal, 'import');
    const m = await source.manifest(d, {});
    if (m.parsed.kind === 'schema1') throw new RegistryError('unsupported', `${where}: manifest ${d.digest} is Docker schema 1, which regdesk does not push`, {});
    if (m.parsed.kind === 'index') {
      if (depth >= MAX_DEPTH) throw new RegistryError('unsupported', `${where}: indexes nested more than ${MAX_DEPTH} deep are not imported`, {});
      for (const child of m.parsed.manifests) if (!manifests.has(child.digest)) await walk(child, depth + 1);
    } else {
      for (const b of [m.parsed.config, ...m.parsed.layers]) {
        layoutDigest(where, b.digest);
        if (!blobs.has(b.digest)) blobs.set(b.digest, b);
      }
    }
    manifests.delete(m.digest);
    manifests.set(m.digest, m);
    return m;
  };
  const top = await walk(entry, 0);
  manifests.delete(top.digest);

  // Every blob is there with its descriptor's size (foreign layers may be absent: the registry does not hold them).
  const toPush: Descriptor[] = [];
  for (const b of blobs.values()) {
    const size = await reader.size(layoutDigest(where, b.digest));
    if (size === undefined) {
      if (isForeign(b)) continue;
      throw new RegistryError('not_found', `${where}: blob ${b.digest} is missing from the layout`, { kind: 'blob' }, 'The layout is incomplete; nothing was pushed or tagged.');
    }
    if (size !== b.size) {
      throw new RegistryError('digest_mismatch', `${where}: blob ${b.digest} has ${size} bytes, its descriptor says ${b.size}`, {}, 'The layout is corrupt; nothing was tagged.');
    }
    toPush.push(b);
  }

  const planned: PlannedBlob[] = toPush.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType, action: 'upload' }));
  await inParallel(planned, 8, async (b) => {
    if (await client.headBlob({ ...dst, digest: b.digest }, { signal })) b.action = 'exists';
  });
  const progress = new ProgressTracker(planned, options.onProgress ?? (() => undefined));
  const run = { signal: signal ?? new AbortController().signal, progress, cancelled: () => cancelled('import') };
  const registry = registrySink(client, dst, {
    concurrency: options.concurrency ?? 4,
    attempts: UPLOAD_ATTEMPTS,
    chunkedAbove: options.chunkedAbove,
    chunkSize: options.chunkSize,
    // The source side of the transfer is the local file: a mismatch is the layout's.
    explain: (b, err) => (isRegistryError(err, 'digest_mismatch')
      ? new RegistryError('digest_mismatch', `${where}: blob ${b.digest} does not match its digest: the layout is corrupt`, {}, 'Nothing was tagged. Export the image again.', { cause: err })
      : err),
  });
  const sink: ImageSink = {
    putBlobs: async (blobs, from, r) => {
      // Blobs the destination has are not sent, but their local copy is checked all the same.
      await inParallel(blobs.filter((b) => b.action === 'exists'), 4, async (b) => {
        checkAbort(signal, 'import');
        for await (const _ of verified(pullBlob(from, b, r), b, where)) void _;
      });
      return registry.putBlobs(blobs, from, r);
    },
    putManifest: (m, s) => registry.putManifest(m, s),
  };
  let bytes = 0;

  try {
    // Children by digest, then the top one under the tag.
    ({ bytes } = await pushImage(source, sink, { blobs: planned, manifests: [...manifests.values(), { ...top, tag }] }, run));
    progress.setPhase('done');
  } catch (err) {
    throw signal?.aborted ? cancelled('import') : err;
  } finally {
    progress.close();
  }
  return {
    source: src,
    destination: formatReference(dst, tag ?? top.digest),
    digest: top.digest,
    manifests: manifests.size + 1,
    blobs: planned.length,
    bytes,
    skipped: planned.filter((b) => b.action === 'exists').length,
  };
}

/** The entries of a layout's index.json (to list what a layout holds). */
export async function listLayout(src: string): Promise<Array<{ digest: string; mediaType: string; size: number; refName?: string }>> {
  const index = await readLayoutIndex(await openLayout(src));
  return index.manifests.map((d) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, ...(d.annotations?.[REF_NAME] !== undefined ? { refName: d.annotations[REF_NAME] } : {}) }));
}
