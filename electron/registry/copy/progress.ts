/**
 * Folds per-blob byte counts into CopyProgress events: per blob and in total,
 * with a rate over a sliding window and an ETA, emitted at most every
 * `intervalMs` (10 a second by default) plus once at every phase change.
 */
import type { BlobProgress, BlobState, CopyProgress, PlannedBlob } from '../../../shared/copy';

export interface ProgressOptions {
  intervalMs: number;
  /** Window for the rate, in ms. */
  windowMs: number;
  now: () => number;
}

/** Rate samples are taken at most this often. */
const SAMPLE_STEP_MS = 50;
/** Samples kept at most (a window's worth at one per step, and then some). */
const MAX_SAMPLES = 1000;

export const DEFAULT_PROGRESS: ProgressOptions = { intervalMs: 100, windowMs: 3000, now: Date.now };

export class ProgressTracker {
  private readonly options: ProgressOptions;
  private readonly blobs = new Map<string, BlobProgress>();
  private phase: CopyProgress['phase'] = 'checking';
  private lastEmit = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly samples: Array<{ at: number; bytes: number }> = [];
  private done = 0;

  constructor(blobs: PlannedBlob[], private readonly emit: (progress: CopyProgress) => void, options: Partial<ProgressOptions> = {}) {
    this.options = { ...DEFAULT_PROGRESS, ...options };
    for (const b of blobs) {
      const state: BlobState = b.action === 'exists' ? 'exists' : 'pending';
      this.blobs.set(b.digest, { digest: b.digest, size: b.size, done: 0, state });
    }
  }

  private get total(): number {
    let total = 0;
    for (const b of this.blobs.values()) if (b.state !== 'exists' && b.state !== 'mounted') total += b.size;
    return total;
  }

  snapshot(): CopyProgress {
    const now = this.options.now();
    while (this.samples.length > 1 && now - this.samples[0]!.at > this.options.windowMs) this.samples.shift();
    const first = this.samples[0];
    const elapsed = first ? (now - first.at) / 1000 : 0;
    const rate = first && elapsed > 0.2 ? Math.max(0, (this.done - first.bytes) / elapsed) : 0;
    const remaining = this.total - this.done;
    return {
      phase: this.phase,
      totalBytes: this.total,
      doneBytes: this.done,
      rate: Math.round(rate),
      ...(rate > 0 ? { etaSeconds: Math.ceil(remaining / rate) } : {}),
      blobs: [...this.blobs.values()].map((b) => ({ ...b })),
    };
  }

  private schedule(force: boolean): void {
    const now = this.options.now();
    if (force || now - this.lastEmit >= this.options.intervalMs) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.lastEmit = now;
      this.emit(this.snapshot());
      return;
    }
    // A trailing emit so the last bytes of a burst are shown.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.schedule(true);
    }, this.options.intervalMs - (now - this.lastEmit));
  }

  setPhase(phase: CopyProgress['phase']): void {
    this.phase = phase;
    if (phase === 'blobs') this.samples.push({ at: this.options.now(), bytes: this.done });
    this.schedule(true);
  }

  setState(digest: string, state: BlobState): void {
    const blob = this.blobs.get(digest);
    if (!blob) return;
    if (state === 'retrying' || state === 'pending') {
      this.done -= blob.done;
      blob.done = 0;
    }
    if (state === 'done') {
      this.done += blob.size - blob.done;
      blob.done = blob.size;
    }
    blob.state = state;
    this.schedule(false);
  }

  addBytes(digest: string, delta: number): void {
    const blob = this.blobs.get(digest);
    if (!blob) return;
    const next = Math.max(0, Math.min(blob.size, blob.done + delta));
    this.done += next - blob.done;
    blob.done = next;
    // One sample per SAMPLE_STEP_MS is plenty for a rate over seconds; one per chunk (thousands a second) cost real CPU.
    const now = this.options.now();
    const last = this.samples.at(-1);
    if (!last || now - last.at >= SAMPLE_STEP_MS) {
      this.samples.push({ at: now, bytes: this.done });
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
    }
    this.schedule(false);
  }

  /** Stops the trailing timer (the copy ended). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
