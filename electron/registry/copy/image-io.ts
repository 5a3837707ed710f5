/**
 * One way to move an image, whatever holds it (as regclient's scheme interface
 * serves registries and OCI layouts alike): an ImageSource gives blob bytes, an
 * ImageSink takes blobs and manifests, and pushImage is the one push routine
 * that copy, export, import and the demo's samples run. Its order is the
 * guarantee: every blob is in place before any manifest goes, children before
 * their index, the tag last; a failure or a cancel stops before the tag.
 * pullBlob is the one pull routine for a blob written whole (to a layout).
 * Implementations: registry-io.ts (a repository), layout-sink.ts and
 * layout-source.ts (an OCI layout directory or tar), the demo's images in memory.
 */
import { isRegistryError, type RegistryError } from '../../../shared/errors';
import type { PlannedBlob } from '../../../shared/copy';
import type { BlobBody } from '../api/blobs';
import type { Descriptor, ParsedManifest } from '../api/manifest-types';
import { abortableSleep } from '../transport/retry';
import type { ProgressTracker } from './progress';

/** A manifest read from a source: exactly its bytes, checked against the descriptor that named it. */
export interface SourceManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  parsed: ParsedManifest;
}

/** Where an image's bytes come from. */
export interface ImageSource {
  /** For messages: the registry and repository, or the layout's path (and `layout`). */
  readonly where: { registry: string; repository: string };
  /** The manifest a descriptor names (an index entry, an index.json entry), its digest and size checked. */
  manifest(descriptor: Pick<Descriptor, 'digest' | 'size' | 'mediaType'>, options: { signal?: AbortSignal }): Promise<SourceManifest>;
  /**
   * A blob's bytes from `offset` on; the result's `offset` says where they really
   * start (a registry may ignore a Range). The reader verifies them (blob-verify.ts).
   */
  openBlob(blob: { digest: string; size: number }, options: { signal?: AbortSignal; offset?: number }): Promise<BlobBody>;
}

/** A manifest to write: under `tag` when it has one, else under its digest. */
export interface ManifestToWrite {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  tag?: string;
  /** The sink already holds it by digest: written again only under a tag. */
  exists?: boolean;
}

/** What a push run shares with the sink: the caller's cancel, progress, and the error a cancel ends with. */
export interface PushRun {
  signal: AbortSignal;
  progress: ProgressTracker;
  cancelled: () => RegistryError;
}

/** Where an image goes. */
export interface ImageSink {
  /**
   * Puts every blob not marked `exists` (read from `source`), and makes sure
   * every blob is there before it resolves; a blob that fails for good stops
   * the others. Returns the bytes written and the blobs mounted.
   */
  putBlobs(blobs: readonly PlannedBlob[], source: ImageSource, run: PushRun): Promise<{ bytes: number; mounted: number }>;
  putManifest(manifest: ManifestToWrite, signal: AbortSignal): Promise<void>;
}

export interface ImageToPush {
  blobs: readonly PlannedBlob[];
  /** Children before their index, the top one (and its tags) last. */
  manifests: readonly ManifestToWrite[];
}

/** The one push routine: blobs, then manifests in order. Returns what `putBlobs` moved. */
export async function pushImage(source: ImageSource, sink: ImageSink, image: ImageToPush, run: PushRun): Promise<{ bytes: number; mounted: number }> {
  run.progress.setPhase('blobs');
  const sent = await sink.putBlobs(image.blobs, source, run);
  run.progress.setPhase('manifests');
  for (const manifest of image.manifests) {
    if (run.signal.aborted) throw run.cancelled();
    if (!manifest.exists || manifest.tag !== undefined) await sink.putManifest(manifest, run.signal);
  }
  return sent;
}

/** Reads of one blob before pullBlob gives up: a connection that breaks midway is resumed from where it broke. */
const PULL_ATTEMPTS = 3;

const retryable = (err: unknown): boolean => isRegistryError(err) && (err.code === 'network' || err.code === 'timeout');

/**
 * A blob from `source` as a stream of chunks, resumed with a ranged read when
 * the connection breaks midway (a source that ignores the Range starts again
 * from 0, and what was already passed on is skipped). The caller verifies.
 */
export async function* pullBlob(source: ImageSource, blob: { digest: string; size: number }, run: Pick<PushRun, 'signal' | 'cancelled'>): AsyncGenerator<Buffer> {
  let position = 0;
  let failures = 0;
  for (;;) {
    if (run.signal.aborted) throw run.cancelled();
    let body;
    try {
      body = await source.openBlob(blob, { signal: run.signal, offset: position });
    } catch (err) {
      if (!retryable(err) || ++failures >= PULL_ATTEMPTS) throw err;
      await abortableSleep(250 * failures, run.signal).catch(() => undefined);
      continue;
    }
    let skip = position - body.offset;
    try {
      for await (const raw of body.stream as AsyncIterable<Buffer>) {
        let chunk = raw;
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        position += chunk.length;
        yield chunk;
      }
      return;
    } catch (err) {
      if (run.signal.aborted) throw run.cancelled();
      if (!retryable(err) || ++failures >= PULL_ATTEMPTS) throw err;
      await abortableSleep(250 * failures, run.signal).catch(() => undefined);
    } finally {
      body.stream.destroy();
    }
  }
}
