/**
 * Content digests (`sha256:<64 hex>`, `sha512:<128 hex>`): parsed strictly at
 * the boundary, because a digest becomes part of URLs and file paths
 * (`sha256:../x` must never get that far), and verified while bytes stream.
 */
import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from '../../shared/errors';

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const PATTERN = /^(sha256|sha512):([0-9a-f]+)$/;

export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  toString(): string;
}

function quote(input: string): string {
  const printable = input.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 100 ? `${printable.slice(0, 100)}…` : printable;
}

export function parseDigest(input: string): Digest {
  const match = typeof input === 'string' && input.length <= 140 ? PATTERN.exec(input) : null;
  const algorithm = match?.[1] as DigestAlgorithm | undefined;
  if (!match || !algorithm || match[2]!.length !== HEX_LENGTH[algorithm]) {
    throw new RegistryError('invalid_reference', `invalid digest "${quote(String(input))}"`, { part: 'digest' },
      'A digest is sha256: followed by 64 lower-case hex digits (or sha512: and 128).');
  }
  const hex = match[2]!;
  const text = `${algorithm}:${hex}`;
  return Object.freeze({ algorithm, hex, toString: () => text });
}

export function isDigest(input: unknown): input is string {
  if (typeof input !== 'string' || input.length > 140) return false;
  const match = PATTERN.exec(input);
  return Boolean(match && match[2]!.length === HEX_LENGTH[match[1] as DigestAlgorithm]);
}

/** `sha256:3f2a9c1b4e5d`: the algorithm and the first 12 hex digits, for display. */
export function shortDigest(digest: string): string {
  const d = parseDigest(digest);
  return `${d.algorithm}:${d.hex.slice(0, 12)}`;
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Hashes bytes as they stream and checks them against the expected digest at the end. */
export class DigestVerifier {
  private readonly hash: Hash;
  private count = 0;

  constructor(readonly expected: Digest) {
    this.hash = createHash(expected.algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.count += chunk.length;
  }

  get bytes(): number {
    return this.count;
  }

  /** The digest of what was seen; the verifier cannot be used afterwards. */
  digest(): string {
    return `${this.expected.algorithm}:${this.hash.digest('hex')}`;
  }

  verify(): void {
    const actual = this.digest();
    if (actual !== this.expected.toString()) {
      throw new RegistryError('digest_mismatch', `content has digest ${shortDigest(actual)}, expected ${shortDigest(this.expected.toString())}`, {},
        'The data was altered or truncated on the way; do not trust it.');
    }
  }
}
