/**
 * Executes a copy plan: blobs in parallel (bounded), each retried alone when it
 * fails; then a HEAD of every blob at the destination, so no manifest is pushed
 * over a missing blob; then manifests, children first; and the tag last. A
 * failure or a cancel deletes the open upload sessions and never writes the tag.
 */
import { RegistryError, isRegistryError } from '../../../shared/errors';
import type { CopyProgress, CopyResult, PlannedBlob } from '../../../shared/copy';
import type { RegistryClient } from '../client';
import { inParallel } from '../parallel';
import { abortableSleep } from '../transport/retry';
import { DEFAULT_CHUNK_SIZE, DEFAULT_CHUNKED_ABOVE, transferBlob, type SessionHolder } from './blob-transfer';
import { planCopy, type CopyPlan, type CopyRequest } from './plan';
import { ProgressTracker } from './progress';
import { cancelUpload } from './upload';

export interface ExecuteOptions {
  /** Blobs in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: CopyProgress) => void;
  /** Attempts per blob (the first included). */
  blobAttempts?: number;
  chunkedAbove?: number;
  chunkSize?: number;
  now?: () => number;
}

export const DEFAULT_CONCURRENCY = 4;
const DEFAULT_BLOB_ATTEMPTS = 3;

/** Errors a blob retry cannot fix. */
function isFinal(err: unknown): boolean {
  return isRegistryError(err) && ['cancelled', 'digest_mismatch', 'authentication', 'authorization', 'not_found', 'invalid_reference', 'unsupported'].includes(err.code);
}

function cancelled(): RegistryError {
  return new RegistryError('cancelled', 'the copy was cancelled; nothing was tagged', {});
}

export async function executeCopy(client: RegistryClient, plan: CopyPlan, options: ExecuteOptions = {}): Promise<CopyResult> {
  const started = (options.now ?? Date.now)();
  const signal = options.signal ?? new AbortController().signal;
  const { source, destination } = plan.request;
  const dst = { registry: destination.registry, repository: destination.repository };
  const progress = new ProgressTracker(plan.blobs, options.onProgress ?? (() => undefined));
  const openSessions = new Set<SessionHolder>();
  let bytesTransferred = 0;
  let mounted = 0;
  const attempts = options.blobAttempts ?? DEFAULT_BLOB_ATTEMPTS;

  const copyOne = async (blob: PlannedBlob): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw cancelled();
      progress.setState(blob.digest, blob.action === 'mount' ? 'mounting' : 'uploading');
      let moved = 0;
      try {
        const outcome = await transferBlob({
          fetch: client.transport.fetch,
          openBlob: (target, o) => client.openBlob(target, o),
          source: { registry: source.registry, repository: source.repository },
          destination: dst,
          signal,
          openSessions,
          onBytes: (digest, delta) => {
            moved += delta;
            progress.addBytes(digest, delta);
          },
          chunkedAbove: options.chunkedAbove ?? DEFAULT_CHUNKED_ABOVE,
          chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
        }, blob);
        if (outcome === 'mounted') {
          mounted++;
          progress.setState(blob.digest, 'mounted');
        } else {
          bytesTransferred += blob.size;
          progress.setState(blob.digest, 'done');
        }
        return;
      } catch (err) {
        if (signal.aborted) throw cancelled();
        if (isFinal(err) || attempt >= attempts) {
          progress.setState(blob.digest, 'failed');
          throw err;
        }
        progress.addBytes(blob.digest, -moved);
        progress.setState(blob.digest, 'retrying');
        await abortableSleep(250 * attempt, signal).catch(() => undefined);
      }
    }
  };

  try {
    progress.setPhase('blobs');
    await inParallel(plan.blobs.filter((b) => b.action !== 'exists'), options.concurrency ?? DEFAULT_CONCURRENCY, copyOne);
    if (signal.aborted) throw cancelled();

    progress.setPhase('manifests');
    // No manifest goes up until every blob answers at the destination.
    await inParallel(plan.blobs, 8, async (blob) => {
      if (!(await client.headBlob({ ...dst, digest: blob.digest }, { signal }))) {
        throw new RegistryError('protocol', `${dst.registry}: blob ${blob.digest} is missing after the upload`, dst, 'Run the copy again.');
      }
    });
    for (const manifest of plan.manifests) {
      if (signal.aborted) throw cancelled();
      if (manifest.exists && !manifest.tag) continue;
      await client.putManifest({ ...dst, reference: manifest.tag ?? manifest.digest }, manifest.bytes, manifest.mediaType, { signal });
    }
    progress.setPhase('done');
  } catch (err) {
    await Promise.all([...openSessions].map((h) => cancelUpload(client.transport.fetch, h.session)));
    throw isRegistryError(err, 'cancelled') || signal.aborted ? cancelled() : err;
  } finally {
    progress.close();
  }

  const summary = plan.summary;
  return {
    source: summary.source,
    destination: summary.destination,
    digest: summary.digest,
    platforms: summary.platforms,
    blobs: plan.blobs.length,
    bytesTransferred,
    mounted,
    skipped: plan.blobs.filter((b) => b.action === 'exists').length,
    seconds: Math.round(((options.now ?? Date.now)() - started) / 10) / 100,
  };
}

/** Plan, then execute. */
export async function copyImage(client: RegistryClient, request: CopyRequest, options: ExecuteOptions = {}): Promise<{ plan: CopyPlan; result: CopyResult }> {
  const plan = await planCopy(client, { ...request, ...(options.signal ? { signal: options.signal } : {}) });
  const result = await executeCopy(client, plan, options);
  return { plan, result };
}
