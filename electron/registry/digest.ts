/**
 * Content digests (`sha256:<64 hex>`, `sha512:<128 hex>`): parsed strictly at
 * the boundary, because a digest becomes part of URLs and file paths
 * (`sha256:../x` must never get that far), and verified while bytes stream so
 * a blob is never held whole in memory just to be checked.
 */
import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from '../../shared/errors';

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
/** Longer than any valid digest (`sha512:` + 128): anything past it is rejected before a regex runs. */
const MAX_DIGEST = 7 + 128;
// Lower case only: the digest is compared as a string and used as a cache and file key.
const PATTERN = /^(sha256|sha512):([0-9a-f]+)$/;

declare const DIGEST: unique symbol;
/**
 * `algorithm:hex` as it travels on the wire, in JSON and in URLs. Only the
 * parser (`parseDigest`, `isDigest`, `digestOf`) makes one, so a string that
 * reaches a URL or a file path as a Digest has passed the strict grammar.
 */
export type Digest = string & { readonly [DIGEST]: true };

/** Quotes user input for an error message: bounded, control characters made visible. */
function quote(input: string): string {
  const cut = input.length > 100 ? `${input.slice(0, 100)}…` : input;
  return cut.replace(/[^\x20-\x7e…]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function match(input: unknown): { algorithm: DigestAlgorithm; hex: string } | undefined {
  if (typeof input !== 'string' || input.length > MAX_DIGEST) return undefined;
  const m = PATTERN.exec(input);
  const algorithm = m?.[1] as DigestAlgorithm | undefined;
  const hex = m?.[2];
  if (!algorithm || hex === undefined || hex.length !== HEX_LENGTH[algorithm]) return undefined;
  return { algorithm, hex };
}

export function parseDigest(input: string): Digest {
  if (!match(input)) {
    throw new RegistryError('invalid_reference', `invalid digest "${quote(String(input))}"`, { part: 'digest' },
      'A digest is "sha256:" followed by 64 lower-case hex digits (or "sha512:" and 128), e.g. from `docker buildx imagetools inspect`.');
  }
  return input as Digest;
}

export function isDigest(input: unknown): input is Digest {
  return match(input) !== undefined;
}

/** The algorithm and hex parts of a parsed digest (the layout's `blobs/<algorithm>/<hex>`). */
export function digestParts(digest: Digest): { algorithm: DigestAlgorithm; hex: string } {
  const colon = digest.indexOf(':');
  return { algorithm: digest.slice(0, colon) as DigestAlgorithm, hex: digest.slice(colon + 1) };
}

/** `sha256:3f2a9c1b4e5d`: the algorithm and the first 12 hex digits, for display. Throws on a non-digest. */
export function shortDigest(digest: string): string {
  const d = digestParts(parseDigest(digest));
  return `${d.algorithm}:${d.hex.slice(0, 12)}`;
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}

/** Hashes bytes as they stream and checks them against the expected digest at the end. */
export class DigestVerifier {
  private readonly hash: Hash;
  private count = 0;
  private actual: Digest | undefined;
  private readonly algorithm: DigestAlgorithm;

  constructor(readonly expected: Digest) {
    this.algorithm = digestParts(expected).algorithm;
    this.hash = createHash(this.algorithm);
  }

  update(chunk: Uint8Array): void {
    if (this.actual !== undefined) {
      throw new RegistryError('internal', `digest verifier for ${shortDigest(this.expected)} received data after it was finished`);
    }
    this.hash.update(chunk);
    this.count += chunk.length;
  }

  get bytes(): number {
    return this.count;
  }

  /** The digest of what was seen. Finishes the hash: later `update` calls throw, later `digest`/`verify` calls reuse it. */
  digest(): Digest {
    this.actual ??= `${this.algorithm}:${this.hash.digest('hex')}` as Digest;
    return this.actual;
  }

  verify(): void {
    const actual = this.digest();
    if (actual !== this.expected) {
      throw new RegistryError('digest_mismatch',
        `content digest mismatch: expected ${shortDigest(this.expected)}, got ${shortDigest(actual)} after ${this.count} bytes`, {},
        'The data was altered or truncated on the way; it was not used. Retry; if it persists, the registry is serving corrupt content.');
    }
  }
}
