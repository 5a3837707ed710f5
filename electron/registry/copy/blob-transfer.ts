/**
 * Moves one blob from a source (a repository, a layout) into a destination
 * upload, verified on the fly: a cross-repository mount when the plan allows
 * it; else a small blob read whole and sent in one PUT, a larger one streamed
 * in one PATCH of unknown length then closed with a PUT, and a very large one
 * in PATCH chunks (resumable from the upload status when a chunk fails). Every
 * session opened is tracked so a failure or a cancel can DELETE it.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { RegistryError } from '../../../shared/errors';
import type { PlannedBlob } from '../../../shared/copy';
import { BlobVerifier } from '../blob-verify';
import type { UploadSession, UploadTarget } from '../api/uploads';
import type { RegistryClient } from '../client';
import type { ImageSource } from './image-io';

/** The client's upload operations: all a transfer needs of the destination. */
export type Uploads = Pick<RegistryClient, 'startUpload' | 'patchUpload' | 'uploadOffset' | 'putWholeBlob' | 'finishUpload' | 'cancelUpload'>;

export interface TransferContext {
  uploads: Uploads;
  /** Where the bytes come from: a registry repository, or a layout. */
  source: ImageSource;
  destination: UploadTarget;
  signal: AbortSignal;
  /** Sessions currently open (each holder follows its session's latest Location); the caller deletes what is left after a failure. */
  openSessions: Set<SessionHolder>;
  /** Bytes moved (may be negative when a resume rewinds). */
  onBytes: (digest: string, delta: number) => void;
  /** Blobs above this size go in PATCH chunks. */
  chunkedAbove: number;
  chunkSize: number;
}

export interface SessionHolder {
  session: UploadSession;
}

/** Blobs up to this size are read whole (verified) and sent in one PUT: fewer round trips for many small layers. */
export const SMALL_BLOB = 1024 * 1024;

export const DEFAULT_CHUNKED_ABOVE = 1024 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024;
/** Longest wait for the registry to open an upload session. */
const START_TIMEOUT_MS = 60_000;
/** Resumes of one chunked upload before the blob is failed (the caller may still retry it whole). */
const MAX_RESUMES = 3;

/** Checks what is read from the source against the blob the descriptor names: size and digest. */
function sourceVerifier(ctx: TransferContext, blob: PlannedBlob): BlobVerifier {
  return new BlobVerifier(blob, (detail) => new RegistryError('digest_mismatch', `${ctx.source.where.registry}: blob ${blob.digest} in ${ctx.source.where.repository} ${detail}`, ctx.source.where,
    'The source served a truncated or altered blob; nothing was tagged.'));
}

/**
 * The streamed PATCH's body: the source's bytes, checked and counted as they
 * pass, in one piped Transform (no per-chunk promises). A bad digest or size,
 * a failed source or a cancel ends the body early instead of failing it, and
 * is kept for the caller: see uploadStreamed.
 */
function checkedBody(ctx: TransferContext, blob: PlannedBlob, source: Readable): { body: Transform; failure: () => unknown } {
  const verifier = sourceVerifier(ctx, blob);
  let failure: unknown;
  let stopped = false;
  // A deep buffer: fewer pauses between the source and the upload (memory stays bounded per blob).
  const body = new Transform({
    highWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (stopped) return done();
      try {
        verifier.update(chunk);
      } catch (err) {
        stop(err);
        return done();
      }
      ctx.onBytes(blob.digest, chunk.length);
      this.push(chunk);
      if (ctx.signal.aborted) stop(cancelled(ctx));
      done();
    },
    flush(done: TransformCallback) {
      if (!stopped) {
        try {
          verifier.end();
        } catch (err) {
          failure = err;
        }
      }
      done();
    },
  });
  function stop(err: unknown): void {
    if (stopped) return;
    stopped = true;
    failure = ctx.signal.aborted ? cancelled(ctx) : err;
    source.destroy();
    body.push(null);
  }
  source.on('error', stop);
  // The upload's own failure is patchUpload's to report; an error event here has no one else to hear it.
  body.on('error', () => undefined);
  source.pipe(body);
  return { body, failure: () => failure };
}

/**
 * Streams the whole blob in one PATCH of unknown length, then closes the upload
 * with a PUT. The PATCH is never aborted midway: on a cancel or a bad digest the
 * body is ended early instead, so the registry answers with a fresh session
 * state that lets the session be deleted (an aborted request leaves a session
 * distribution can no longer delete).
 */
async function uploadStreamed(ctx: TransferContext, blob: PlannedBlob, holder: SessionHolder): Promise<void> {
  const source = await ctx.source.openBlob(blob, { signal: ctx.signal });
  const { body, failure } = checkedBody(ctx, blob, source.stream);
  let patched;
  try {
    patched = await ctx.uploads.patchUpload(holder.session, body);
  } catch (err) {
    // The upload died (the destination went away): stop reading the source too, or its request stays open.
    source.stream.destroy();
    body.destroy();
    throw err;
  }
  holder.session = patched.session;
  if (failure()) throw failure();
  if (!body.readableEnded) {
    // A registry that answers before the body ended has not taken the blob: do not send the rest, nor close the upload.
    source.stream.destroy();
    body.destroy();
    throw new RegistryError('protocol', `${ctx.destination.registry}: the registry answered the upload of ${blob.digest} before it was sent whole`, ctx.destination);
  }
  await ctx.uploads.finishUpload(holder.session, blob.digest, ctx.signal);
}

/** A small blob: read whole from the source (verified), then one PUT. */
async function uploadSmall(ctx: TransferContext, blob: PlannedBlob, holder: SessionHolder): Promise<void> {
  const source = await ctx.source.openBlob(blob, { signal: ctx.signal });
  const verifier = sourceVerifier(ctx, blob);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source.stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > SMALL_BLOB) throw new RegistryError('protocol', `${ctx.source.where.registry}: blob ${blob.digest} is larger than its descriptor says`, ctx.source.where);
    verifier.update(chunk);
    chunks.push(chunk);
  }
  verifier.end();
  // Not cancelled midway (a small PUT ends quickly): an aborted request would leave a session distribution cannot delete.
  await ctx.uploads.putWholeBlob(holder.session, blob.digest, Buffer.concat(chunks, size));
  ctx.onBytes(blob.digest, size);
}

function cancelled(ctx: TransferContext): RegistryError {
  return new RegistryError('cancelled', 'the copy was cancelled', ctx.destination);
}

/**
 * Reads exactly `length` bytes from `iterator` (keeping leftovers), hashing the
 * bytes the verifier has not seen yet: after a resume rewinds, what was hashed
 * before is not hashed again. The verifier's own count is the one position that
 * matters; a reader is closed before the next one starts, so a request body still
 * being pulled after its request failed can never hash bytes twice.
 */
class ChunkReader {
  private leftover: Buffer | undefined;
  private closed = false;

  constructor(
    private readonly iterator: AsyncIterator<Buffer>,
    private position: number,
    private readonly verifier: BlobVerifier,
  ) {}

  /** Reads and drops `length` bytes: a source that ignored the Range resent what the registry already has. */
  async skip(length: number): Promise<void> {
    for await (const _ of this.bytes(length)) void _;
  }

  /** A stream of the next `length` bytes. */
  take(length: number): Readable {
    return Readable.from(this.bytes(length), { objectMode: false });
  }

  /** Stops this reader for good: nothing it reads from now on is hashed or handed out. */
  close(): void {
    this.closed = true;
  }

  private async *bytes(length: number): AsyncGenerator<Buffer> {
    let remaining = length;
    while (remaining > 0) {
      let chunk = this.leftover;
      this.leftover = undefined;
      if (!chunk) {
        const next = await this.iterator.next();
        if (next.done) throw new RegistryError('protocol', 'the source blob ended early', {});
        chunk = next.value;
      }
      if (this.closed) throw new RegistryError('cancelled', 'the chunk was abandoned', {});
      if (chunk.length > remaining) {
        this.leftover = chunk.subarray(remaining);
        chunk = chunk.subarray(0, remaining);
      }
      const fresh = this.position + chunk.length - this.verifier.bytes;
      if (fresh > 0) this.verifier.update(chunk.subarray(chunk.length - fresh));
      this.position += chunk.length;
      remaining -= chunk.length;
      yield chunk;
    }
  }
}

/**
 * PATCH chunks with resume: after a failed chunk, ask the registry where it is
 * and go on from there, with a ranged GET of the source (or, when the source
 * ignores the Range, by skipping what it resends). The source stream is
 * destroyed whatever happens, so no request is left open.
 */
async function uploadChunked(ctx: TransferContext, blob: PlannedBlob, holder: SessionHolder): Promise<void> {
  let session = holder.session;
  const verifier = sourceVerifier(ctx, blob);
  let offset = 0;
  let resumes = 0;
  const chunkSize = Math.max(ctx.chunkSize, session.minChunk ?? 0);
  while (offset < blob.size) {
    const source = await ctx.source.openBlob(blob, { signal: ctx.signal, offset });
    const reader = new ChunkReader((source.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator](), source.offset, verifier);
    try {
      await reader.skip(offset - source.offset);
      while (offset < blob.size) {
        const length = Math.min(chunkSize, blob.size - offset);
        const result = await ctx.uploads.patchUpload(session, reader.take(length), { start: offset, length }, ctx.signal);
        if (result.status === 416) throw new RegistryError('protocol', 'range not satisfiable', ctx.destination);
        session = holder.session = result.session;
        offset += length;
        ctx.onBytes(blob.digest, length);
      }
    } catch (err) {
      reader.close();
      if (ctx.signal.aborted || (err instanceof RegistryError && err.code === 'digest_mismatch') || ++resumes > MAX_RESUMES) throw err;
      // A registry that refuses the session now (distribution does once part of a chunk arrived) has lost it:
      // the chunk's own failure stands, and the caller sends the blob again in a new session.
      const status = await ctx.uploads.uploadOffset(session, ctx.signal).catch(() => {
        throw err;
      });
      session = holder.session = status.session;
      // Never past what was read and verified from the source.
      const resumeAt = Math.min(status.offset, verifier.bytes);
      ctx.onBytes(blob.digest, resumeAt - offset);
      offset = resumeAt;
    } finally {
      reader.close();
      (source.stream as Readable).destroy();
    }
  }
  verifier.end();
  await ctx.uploads.finishUpload(session, blob.digest, ctx.signal);
}

/** Mount or upload one blob; returns what happened. */
export async function transferBlob(ctx: TransferContext, blob: PlannedBlob): Promise<'mounted' | 'uploaded'> {
  // The POST is not cancelled midway: a session the registry opened but we never heard of could not be deleted.
  const start = await ctx.uploads.startUpload(ctx.destination, {
    mount: blob.action === 'mount' && blob.mountFrom ? { digest: blob.digest, from: blob.mountFrom } : undefined,
    signal: AbortSignal.timeout(START_TIMEOUT_MS),
  });
  if (start.mounted) return 'mounted';
  const holder: SessionHolder = { session: start.session };
  ctx.openSessions.add(holder);
  try {
    if (ctx.signal.aborted) throw new RegistryError('cancelled', 'the copy was cancelled', ctx.destination);
    if (blob.size > ctx.chunkedAbove) await uploadChunked(ctx, blob, holder);
    else if (blob.size <= SMALL_BLOB) await uploadSmall(ctx, blob, holder);
    else await uploadStreamed(ctx, blob, holder);
    ctx.openSessions.delete(holder);
    return 'uploaded';
  } catch (err) {
    ctx.openSessions.delete(holder);
    await ctx.uploads.cancelUpload(holder.session);
    throw err;
  }
}
