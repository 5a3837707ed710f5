/**
 * The one check every blob read goes through (a registry GET, a copy's
 * transfer, a layout file, a manifest read from a layout): the bytes are the
 * blob their descriptor names. More bytes than its size fail as they arrive;
 * a short or altered blob fails at the end. Each reader says only where the
 * bytes came from and what to do, so a mismatch reads the same everywhere.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { RegistryError } from '../../shared/errors';
import { DigestVerifier, parseDigest, shortDigest } from './digest';

/** What the bytes must be; a size that is absent or negative is not known (only the digest is checked). */
export interface BlobClaim {
  digest: string;
  size?: number;
}

/** Builds the reader's error from what went wrong (`has 10 bytes, its descriptor says 12`). */
export type MismatchError = (detail: string) => RegistryError;

export class BlobVerifier {
  private readonly hash: DigestVerifier;
  private readonly size: number;

  constructor(claim: BlobClaim, private readonly mismatch: MismatchError) {
    this.hash = new DigestVerifier(parseDigest(claim.digest));
    this.size = claim.size !== undefined && claim.size >= 0 ? claim.size : -1;
  }

  /** Bytes hashed so far. */
  get bytes(): number {
    return this.hash.bytes;
  }

  /** Hashes the next bytes; more than the claimed size fail here, before they are passed on. */
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    if (this.size >= 0 && this.hash.bytes > this.size) throw this.mismatch(`has more than the ${this.size} bytes its descriptor says`);
  }

  /** Every byte has been seen: the size and the digest must be the claimed ones. */
  end(): void {
    if (this.size >= 0 && this.hash.bytes !== this.size) throw this.mismatch(`has ${this.hash.bytes} bytes, its descriptor says ${this.size}`);
    const actual = this.hash.digest();
    if (actual !== this.hash.expected) throw this.mismatch(`does not match its digest (got ${shortDigest(actual)} after ${this.hash.bytes} bytes)`);
  }
}

/** A pass-through stream that fails with the verifier's mismatch (over size as it happens, else at the end). */
export function verifyingStream(verifier: BlobVerifier): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        verifier.update(chunk);
      } catch (err) {
        return done(err as Error);
      }
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      try {
        verifier.end();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/** The same check over an iterable of chunks; `onBytes` sees each chunk once it is checked. */
export async function* verifiedChunks(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, verifier: BlobVerifier, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const piece of input) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    verifier.update(chunk);
    onBytes?.(chunk.length);
    yield chunk;
  }
  verifier.end();
}

/** Bytes read whole (a config, a manifest): checked at once. */
export function verifyBytes(bytes: Buffer, verifier: BlobVerifier): Buffer {
  verifier.update(bytes);
  verifier.end();
  return bytes;
}
