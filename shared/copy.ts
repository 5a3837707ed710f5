/**
 * Copy plans, progress and results: produced by the engine, shown by the UI
 * and printed by the CLI. Plain data, so they cross IPC unchanged.
 */
import type { Platform } from './platform';

/** What happens to one blob: already there, mounted from another repository, or streamed. */
export type BlobAction = 'exists' | 'mount' | 'upload';

export interface PlannedBlob {
  digest: string;
  size: number;
  mediaType: string;
  action: BlobAction;
  /** For `mount`: the source repository on the same registry. */
  mountFrom?: string;
}

export interface PlannedManifest {
  digest: string;
  mediaType: string;
  size: number;
  role: 'image' | 'index' | 'referrer' | 'attestation';
  platform?: Platform;
  /** Already present at the destination (by digest). */
  exists: boolean;
}

export interface CopyPlanSummary {
  source: string;
  destination: string;
  /** Digest the destination tag will point at (equals the source's unless a subset or a single platform was chosen). */
  digest: string;
  sourceDigest: string;
  platforms: Platform[];
  manifests: PlannedManifest[];
  blobs: PlannedBlob[];
  bytesToTransfer: number;
  bytesToMount: number;
  bytesPresent: number;
  /** The destination tag already names another image: the copy moves the tag off it. */
  replaces?: { tag: string; digest: string };
}

/**
 * A plan the main side keeps for a while: `copy.start` with its id runs exactly
 * what was shown (the same manifests and blobs), rechecking only what may have
 * moved since: the source tag and the destination tag.
 */
export interface PlannedCopy extends CopyPlanSummary {
  planId: string;
  /** After this (ISO time) the plan is forgotten and the copy must be planned again. */
  expiresAt: string;
}

export type BlobState = 'pending' | 'exists' | 'mounting' | 'mounted' | 'uploading' | 'retrying' | 'done' | 'failed';

export interface BlobProgress {
  digest: string;
  size: number;
  done: number;
  state: BlobState;
}

export interface CopyProgress {
  phase: 'checking' | 'blobs' | 'manifests' | 'done';
  /** Bytes that must cross the network (uploads only). */
  totalBytes: number;
  doneBytes: number;
  /** Bytes per second over the last few seconds. */
  rate: number;
  /** Seconds left at the current rate, when known. */
  etaSeconds?: number;
  blobs: BlobProgress[];
}

export interface CopyResult {
  source: string;
  destination: string;
  digest: string;
  platforms: Platform[];
  blobs: number;
  bytesTransferred: number;
  mounted: number;
  skipped: number;
  seconds: number;
  /** What went wrong after the image was tagged (a referrers index not updated); absent when nothing did. */
  warnings?: string[];
}
