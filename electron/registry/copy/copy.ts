/**
 * Executes a copy plan: the push routine (image-io.ts) from the source
 * repository to the destination's (blobs in parallel, each retried alone, each
 * HEADed at the destination before any manifest; then manifests, children
 * first, the tagged image last), and after it the referrers tag-schema indexes
 * (merged with the destination's). A failure or a cancel deletes the open
 * upload sessions and never writes the tag.
 */
import { RegistryError, isRegistryError } from '../../../shared/errors';
import type { CopyProgress, CopyResult } from '../../../shared/copy';
import type { RegistryClient } from '../client';
import { pushImage } from './image-io';
import { planCopy, type CopyPlan, type CopyRequest, type ManifestToPush } from './plan';
import { ProgressTracker } from './progress';
import { pushReferrersIndex } from './referrers-index';
import { registrySink, registrySource } from './registry-io';
import { formatReference } from '../../../shared/names';

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

function cancelled(): RegistryError {
  return new RegistryError('cancelled', 'the copy was cancelled; nothing was tagged', {});
}

/** A `sha256-<hex>` index of the referrers tag schema: it goes after the image it describes. */
const isReferrersTag = (m: ManifestToPush): boolean => m.role === 'referrer' && m.tag !== undefined;

export async function executeCopy(client: RegistryClient, plan: CopyPlan, options: ExecuteOptions = {}): Promise<CopyResult> {
  const started = (options.now ?? Date.now)();
  const signal = options.signal ?? new AbortController().signal;
  const { source, destination } = plan.request;
  const dst = { registry: destination.registry, repository: destination.repository };
  const progress = new ProgressTracker(plan.blobs, options.onProgress ?? (() => undefined));
  let sent = { bytes: 0, mounted: 0 };
  const warnings: string[] = [];

  try {
    const sink = registrySink(client, dst, {
      concurrency: options.concurrency,
      attempts: options.blobAttempts,
      chunkedAbove: options.chunkedAbove,
      chunkSize: options.chunkSize,
    });
    const image = { blobs: plan.blobs, manifests: plan.manifests.filter((m) => !isReferrersTag(m)) };
    sent = await pushImage(registrySource(client, source), sink, image, { signal, progress, cancelled });
    // The image is tagged: the copy has succeeded. A referrers index that cannot be updated now
    // (a failure, or a cancel this late) is reported beside the result, not as a failed copy.
    for (const manifest of plan.manifests.filter(isReferrersTag)) {
      try {
        if (signal.aborted) throw cancelled();
        await pushReferrersIndex(client, { ...dst, tag: manifest.tag! }, manifest, signal);
      } catch (err) {
        const why = isRegistryError(err, 'cancelled') || signal.aborted ? 'cancelled' : err instanceof Error ? err.message : String(err);
        warnings.push(`the referrers index ${formatReference(dst, manifest.tag)} was not updated: ${why.slice(0, 300)}`);
      }
    }
    progress.setPhase('done');
  } catch (err) {
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
    bytesTransferred: sent.bytes,
    mounted: sent.mounted,
    skipped: plan.blobs.filter((b) => b.action === 'exists').length,
    seconds: Math.round(((options.now ?? Date.now)() - started) / 10) / 100,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** Plan, then execute. */
export async function copyImage(client: RegistryClient, request: CopyRequest, options: ExecuteOptions = {}): Promise<{ plan: CopyPlan; result: CopyResult }> {
  const plan = await planCopy(client, { ...request, signal: options.signal });
  const result = await executeCopy(client, plan, options);
  return { plan, result };
}
