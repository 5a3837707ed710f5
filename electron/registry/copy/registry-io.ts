/**
 * A registry repository as an image source and sink, through the client only:
 * blobs are read with ranged GETs, uploaded or mounted by blob-uploads.ts
 * (parallel, retried, sessions cleaned up, every blob HEADed before any
 * manifest), and manifests PUT by digest or tag.
 */
import type { PlannedBlob } from '../../../shared/copy';
import type { UploadTarget } from '../api/uploads';
import type { RegistryClient } from '../client';
import { DEFAULT_CHUNK_SIZE, DEFAULT_CHUNKED_ABOVE } from './blob-transfer';
import { uploadBlobs } from './blob-uploads';
import type { ImageSink, ImageSource } from './image-io';

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_BLOB_ATTEMPTS = 3;

export function registrySource(client: RegistryClient, repo: { registry: string; repository: string }): ImageSource {
  const where = { registry: repo.registry, repository: repo.repository };
  return {
    where,
    manifest: (descriptor, options) => client.getChildManifest(where, descriptor, options),
    // The descriptor's size: a registry that sends more is stopped as the bytes arrive.
    openBlob: (blob, options) => client.openBlob({ ...where, digest: blob.digest }, { ...options, expectedSize: blob.size }),
  };
}

export interface RegistrySinkOptions {
  /** Blobs in flight at once. */
  concurrency?: number;
  /** Attempts per blob, the first included. */
  attempts?: number;
  chunkedAbove?: number;
  chunkSize?: number;
  /** Rewrites a blob's final error for the caller's user (import says a mismatch is a corrupt layout). */
  explain?: (blob: PlannedBlob, err: unknown) => unknown;
}

export function registrySink(client: RegistryClient, destination: UploadTarget, options: RegistrySinkOptions = {}): ImageSink {
  const dst = { registry: destination.registry, repository: destination.repository };
  return {
    putBlobs: (blobs, source, run) => uploadBlobs(blobs, {
      uploads: client,
      source,
      destination: dst,
      signal: run.signal,
      isPresent: (t, o) => client.headBlob(t, o),
      progress: run.progress,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      attempts: options.attempts ?? DEFAULT_BLOB_ATTEMPTS,
      chunkedAbove: options.chunkedAbove ?? DEFAULT_CHUNKED_ABOVE,
      chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
      cancelled: run.cancelled,
      explain: options.explain,
    }),
    putManifest: async (m, signal) => {
      await client.putManifest({ ...dst, reference: m.tag ?? m.digest }, m.bytes, m.mediaType, { signal });
    },
  };
}
