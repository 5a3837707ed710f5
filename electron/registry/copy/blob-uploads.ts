/**
 * Uploads a set of blobs to one destination repository, for copy (from a
 * registry), import (from an OCI layout) and the demo's samples: in parallel (bounded), each blob
 * retried alone, in a new session, while a retry can help. The first blob that
 * fails for good aborts the others, whose sessions are deleted, so a failed
 * copy stops at once and leaves no upload open. Before any manifest goes up,
 * every blob must answer its HEAD at the destination: each is asked as soon as
 * its own transfer ends (a blob the plan found there, at once), beside the
 * transfers rather than in their slots, so the checks overlap the uploads.
 */
import { isRegistryError, RegistryError } from '../../../shared/errors';
import type { PlannedBlob } from '../../../shared/copy';
import { createLimiter, inParallel } from '../parallel';
import { abortableSleep } from '../transport/retry';
import { LOCATION_REFUSED, type UploadTarget } from '../api/uploads';
import { transferBlob, type SessionHolder, type TransferContext } from './blob-transfer';
import type { ProgressTracker } from './progress';

export interface BlobUploadOptions {
  uploads: TransferContext['uploads'];
  /** Where the bytes come from (a registry repository, or a layout). */
  source: TransferContext['source'];
  destination: UploadTarget;
  /** The caller's cancel. */
  signal: AbortSignal;
  /** HEAD at the destination: true when the registry answers 200 for this blob. */
  isPresent: (target: UploadTarget & { digest: string }, options: { signal: AbortSignal }) => Promise<unknown>;
  progress: ProgressTracker;
  /** Blobs in flight at once. */
  concurrency: number;
  /** Attempts per blob, the first included. */
  attempts: number;
  chunkedAbove: number;
  chunkSize: number;
  /** The error a cancel ends with. */
  cancelled: () => RegistryError;
  /** Rewrites a blob's final error for the caller's user (import says a mismatch is a corrupt layout). */
  explain?: (blob: PlannedBlob, err: unknown) => unknown;
}

const FINAL_CODES = new Set(['cancelled', 'internal', 'digest_mismatch', 'authentication', 'authorization', 'not_found', 'invalid_reference', 'unsupported']);

/**
 * Errors another attempt of the blob cannot fix, our own refusal of an upload
 * Location among them. A lost upload session is not one: distribution refuses
 * a session whose request broke midway, and the next attempt opens a new session.
 */
export function isFinal(err: unknown): boolean {
  if (!isRegistryError(err)) return false;
  if (err.code === 'not_found' && err.context.kind === 'upload') return false;
  return FINAL_CODES.has(err.code) || err.context.registryCode === LOCATION_REFUSED;
}

/** Uploads (or mounts) every blob not marked `exists`, and checks every blob is there; returns the bytes sent and the blobs mounted. */
export async function uploadBlobs(blobs: readonly PlannedBlob[], options: BlobUploadOptions): Promise<{ bytes: number; mounted: number }> {
  const { progress } = options;
  // One signal for every transfer: the caller's cancel, or the first blob that failed for good.
  const stop = new AbortController();
  const forwardCancel = (): void => stop.abort();
  if (options.signal.aborted) stop.abort();
  else options.signal.addEventListener('abort', forwardCancel, { once: true });
  const openSessions = new Set<SessionHolder>();
  let bytes = 0;
  let mounted = 0;
  const checking = createLimiter(8);
  const checks: Array<Promise<void>> = [];
  let missing: { error: unknown } | undefined;
  const check = (blob: PlannedBlob): void => {
    checks.push(checking(async () => {
      if (!(await options.isPresent({ ...options.destination, digest: blob.digest }, { signal: stop.signal }))) {
        throw new RegistryError('protocol', `${options.destination.registry}: blob ${blob.digest} is missing after the upload; nothing was tagged`, options.destination,
          'Try again: blobs already at the destination are not sent twice.');
      }
    }).catch((error: unknown) => {
      // The first failure is the copy's; checks cut short by a stop already under way are not.
      if (!stop.signal.aborted) missing ??= { error };
      stop.abort();
    }));
  };

  const one = async (blob: PlannedBlob): Promise<void> => {
    if (blob.action === 'exists') return check(blob);
    for (let attempt = 1; ; attempt++) {
      if (stop.signal.aborted) throw options.cancelled();
      progress.setState(blob.digest, blob.action === 'mount' ? 'mounting' : 'uploading');
      let moved = 0;
      try {
        const outcome = await transferBlob({
          uploads: options.uploads,
          source: options.source,
          destination: options.destination,
          signal: stop.signal,
          openSessions,
          onBytes: (digest, delta) => {
            moved += delta;
            progress.addBytes(digest, delta);
          },
          chunkedAbove: options.chunkedAbove,
          chunkSize: options.chunkSize,
        }, blob);
        check(blob);
        if (outcome === 'mounted') {
          mounted++;
          progress.setState(blob.digest, 'mounted');
        } else {
          bytes += blob.size;
          progress.setState(blob.digest, 'done');
        }
        return;
      } catch (err) {
        if (stop.signal.aborted) throw options.cancelled();
        if (isFinal(err) || attempt >= options.attempts) {
          progress.setState(blob.digest, 'failed');
          // The copy has failed: the blobs still in flight stop now instead of running to their end.
          stop.abort();
          throw options.explain ? options.explain(blob, err) : err;
        }
        progress.addBytes(blob.digest, -moved);
        progress.setState(blob.digest, 'retrying');
        await abortableSleep(250 * attempt, stop.signal).catch(() => undefined);
      }
    }
  };

  try {
    // inParallel settles once every transfer has ended (and deleted its session), with the first error.
    await inParallel(blobs, options.concurrency, one);
    await Promise.all(checks);
    if (missing) throw missing.error;
  } catch (err) {
    await Promise.all(checks);
    await Promise.all([...openSessions].map((h) => options.uploads.cancelUpload(h.session)));
    throw options.signal.aborted ? options.cancelled() : (missing?.error ?? err);
  } finally {
    options.signal.removeEventListener('abort', forwardCancel);
  }
  if (options.signal.aborted) throw options.cancelled();
  return { bytes, mounted };
}
