/**
 * Blobs: HEAD, streaming GET verified on the fly, ranged GET for resuming, and
 * small bounded reads (configs). A blob is never held whole in memory unless
 * it is small by contract (a config), and every byte is checked against its
 * digest (blob-verify.ts).
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { RegistryError } from '../../../shared/errors';
import { pullScope } from '../auth/scopes';
import { BlobVerifier, verifyBytes, verifyingStream, type MismatchError } from '../blob-verify';
import { discard, readBounded } from '../transport/body';
import { toRegistryError } from '../transport/network-errors';
import { errorForStatus } from '../transport/status-errors';
import type { Fetch } from '../transport/types';
import { deniedAfterAuth, type AbsentWhenDenied } from './denied';
import { parseBlobTarget, v2Path } from './paths';

export interface BlobTarget {
  registry: string;
  repository: string;
  digest: string;
}

interface CallOptions {
  signal?: AbortSignal;
}

/** A read against a descriptor: more bytes than its size fail the read as they arrive, and end the request. */
interface SizedRead {
  /** The descriptor's size; absent or -1 when unknown. */
  expectedSize?: number;
}

/**
 * Bytes a blob read buffers before it pauses the connection. The default 16 KB is less than one
 * socket read (64 KB): every read paused and resumed the connection again.
 */
const READ_BUFFER = 1024 * 1024;

const describe = (t: BlobTarget): string => `blob ${t.digest} in ${t.repository}`;

/**
 * Does this registry hold the blob? Always asked of the registry itself, never a
 * mirror: the answer decides what a copy may skip uploading there.
 */
export async function headBlob(fetch: Fetch, target: BlobTarget, options: CallOptions & AbsentWhenDenied = {}): Promise<{ size: number } | undefined> {
  const t = parseBlobTarget(target);
  const where = { registry: t.registry, repository: t.repository };
  const res = await fetch({ ...where, method: 'HEAD', target: v2Path.blob(t.repository, t.digest), scopes: [pullScope(t.repository)], mirrorable: false, signal: options.signal });
  await res.body.dump();
  if (res.status === 404 || (options.absentWhenDenied && deniedAfterAuth(res))) return undefined;
  if (res.status !== 200) throw await errorForStatus(res, { ...where, what: describe(t), notFound: 'blob' });
  const size = Number(res.headers['content-length']);
  return { size: Number.isSafeInteger(size) && size >= 0 ? size : -1 };
}

export interface BlobBody {
  /** The raw bytes from `offset` on; errors are already typed RegistryErrors. */
  stream: Readable;
  /** Where the stream starts: the asked offset on a 206, 0 when the registry sent everything. */
  offset: number;
  /** Total blob size when the registry said, else -1. */
  size: number;
}

function totalFromContentRange(value: string | undefined, offset: number): number | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!match || Number(match[1]) !== offset) return undefined;
  return match[3] === '*' ? -1 : Number(match[3]);
}

/**
 * GET a blob, from `offset` when resuming. A 206 is accepted only when its
 * Content-Range starts exactly at `offset`; any other 206 is not trusted and
 * the blob is asked for again from 0. A 200 means the registry restarted from
 * 0; either way `offset` in the result says where the stream starts.
 */
export async function openBlob(fetch: Fetch, target: BlobTarget, options: CallOptions & SizedRead & { offset?: number } = {}): Promise<BlobBody> {
  const t = parseBlobTarget(target);
  const where = { registry: t.registry, repository: t.repository };
  const offset = options.offset ?? 0;
  const res = await fetch({
    ...where,
    method: 'GET',
    target: v2Path.blob(t.repository, t.digest),
    scopes: [pullScope(t.repository)],
    mirrorable: true,
    headers: offset > 0 ? { range: `bytes=${offset}-` } : undefined,
    signal: options.signal,
  });
  let start = 0;
  let size = Number(res.headers['content-length']);
  if (res.status === 206 && offset > 0) {
    const total = totalFromContentRange(res.headers['content-range'], offset);
    if (total === undefined) {
      await res.body.dump();
      return openBlob(fetch, t, { ...options, offset: 0 });
    }
    start = offset;
    size = total;
  } else if (res.status !== 200) {
    throw await errorForStatus(res, { ...where, what: describe(t), notFound: 'blob' });
  }
  const expected = options.expectedSize ?? -1;
  const oversized = (detail: string): RegistryError => new RegistryError('digest_mismatch',
    `${t.registry}: ${describe(t)} is larger than its descriptor says (${expected} bytes; ${detail})`, where,
    'The registry served more than the manifest says the blob holds; it was not used.');
  if (expected >= 0 && Number.isSafeInteger(size) && size > expected) {
    discard(res);
    throw oversized(`the registry announced ${size}`);
  }
  const stream = res.body as unknown as Readable;
  let position = start;
  const typed = new Transform({
    highWaterMark: READ_BUFFER,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      position += chunk.length;
      // Failing here destroys `typed`, and with it the request: nothing past the descriptor's size is read.
      if (expected >= 0 && position > expected) return done(oversized(`${position} bytes arrived`));
      done(null, chunk);
    },
  });
  stream.on('error', (err) => typed.destroy(toRegistryError(err, t.registry, t.repository)));
  // Whoever stops reading early destroys `typed`; the request under it must end too, or its connection stays busy.
  typed.on('close', () => {
    if (!stream.destroyed) stream.destroy();
  });
  stream.pipe(typed);
  return { stream: typed, offset: start, size: Number.isSafeInteger(size) ? size : -1 };
}

/** A blob from `t` that is not the one its digest and descriptor name. */
function mismatchIn(t: BlobTarget, hint: string): MismatchError {
  return (detail) => new RegistryError('digest_mismatch', `${t.registry}: ${describe(t)} ${detail}`, { registry: t.registry, repository: t.repository }, hint);
}

/** A whole blob, streamed and verified. */
export async function getBlob(fetch: Fetch, t: BlobTarget, options: CallOptions & SizedRead = {}): Promise<{ stream: Readable; size: number }> {
  const body = await openBlob(fetch, t, options);
  const verified = verifyingStream(new BlobVerifier({ digest: t.digest, size: options.expectedSize ?? body.size }, mismatchIn(t, 'The source registry served a truncated or altered blob.')));
  body.stream.on('error', (err) => verified.destroy(err));
  verified.on('close', () => {
    if (!body.stream.destroyed) body.stream.destroy();
  });
  body.stream.pipe(verified);
  return { stream: verified, size: body.size };
}

/** A small blob (a config) read whole, bounded and verified. */
export async function readSmallBlob(fetch: Fetch, target: BlobTarget, limit: number, options: CallOptions = {}): Promise<Buffer> {
  const t = parseBlobTarget(target);
  const where = { registry: t.registry, repository: t.repository };
  const res = await fetch({ ...where, method: 'GET', target: v2Path.blob(t.repository, t.digest), scopes: [pullScope(t.repository)], mirrorable: true, signal: options.signal });
  if (res.status !== 200) throw await errorForStatus(res, { ...where, what: describe(t), notFound: 'blob' });
  const bytes = await readBounded(res, limit, { ...where, what: describe(t) });
  return verifyBytes(bytes, new BlobVerifier({ digest: t.digest }, mismatchIn(t, 'The registry served altered content; do not trust it.')));
}
