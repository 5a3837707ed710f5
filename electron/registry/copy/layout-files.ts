/**
 * The OCI image layout's files (image-spec `image-layout.md`) and the checks
 * every reader and writer of a layout shares: `blobs/<alg>/<hex>` paths built
 * from parsed digests only, the oci-layout version, index.json entries and
 * their ref.name, atomic writes, and a blob file's verification.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RegistryError } from '../../../shared/errors';
import type { Descriptor } from '../api/manifest-types';
import { BlobVerifier, verifiedChunks } from '../blob-verify';
import { digestParts, parseDigest, type Digest } from '../digest';
import { MEDIA_TYPES } from '../media-types';

/** The annotation of index.json entries that names them (a tag, usually). */
export const REF_NAME = 'org.opencontainers.image.ref.name';
export const LAYOUT_VERSION = '1.0.0';
/** Indexes nested deeper than this are refused: real images nest one or two deep. */
export const MAX_DEPTH = 4;
/** The oci-layout file is a line of JSON. */
export const MAX_LAYOUT_FILE = 64 * 1024;

export function cancelled(what: string): RegistryError {
  return new RegistryError('cancelled', `the ${what} was cancelled`, {});
}

export function checkAbort(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelled(what);
}

/** `blobs/<alg>/<hex>`: built from a parsed digest only, so no descriptor can name a path of its choosing. */
export function blobPath(digest: string): string {
  const d = digestParts(parseDigest(digest));
  return `blobs/${d.algorithm}/${d.hex}`;
}

/** A tag from a ref.name: the name itself when it is a valid tag, else what follows the last ':' of a reference. */
export function tagFromRefName(refName: string | undefined): string | undefined {
  if (!refName) return undefined;
  const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
  if (TAG.test(refName)) return refName;
  const colon = refName.lastIndexOf(':');
  if (colon > refName.lastIndexOf('/')) {
    const tag = refName.slice(colon + 1);
    if (TAG.test(tag)) return tag;
  }
  return undefined;
}

/** Passes `input` through, checked against its descriptor (blob-verify.ts); a mismatch names `where`. */
export function verified(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, descriptor: { digest: string; size: number }, where: string, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  const verifier = new BlobVerifier(descriptor, (detail) => new RegistryError('digest_mismatch', `${where}: blob ${descriptor.digest} ${detail}`, {},
    'The data does not match its descriptor; it was not kept.'));
  return verifiedChunks(input, verifier, onBytes);
}

/** True when `path` is a regular file of `size` bytes whose content has `digest`. */
export async function fileMatches(path: string, digest: string, size: number): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile() || info.size !== size) return false;
  try {
    for await (const _ of verified(createReadStream(path), { digest, size }, path)) void _;
    return true;
  } catch {
    return false;
  }
}

export const tempName = (path: string): string => join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

/** Writes `data` to a temporary file next to `path`, then renames it into place. */
export async function writeAtomic(path: string, data: Buffer | AsyncIterable<Buffer>): Promise<void> {
  const temp = tempName(path);
  try {
    if (Buffer.isBuffer(data)) await writeFile(temp, data, { flag: 'wx', mode: 0o644 });
    else await pipeline(data, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

export function layoutFile(): Buffer {
  return Buffer.from(JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
}

export function indexFile(manifests: Descriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }));
}

/** index.json entries minus the one the new entry replaces (same ref.name; or same digest, both unnamed). */
export function mergeEntries(existing: Descriptor[], entry: Descriptor): Descriptor[] {
  const name = entry.annotations?.[REF_NAME];
  const kept = existing.filter((d) => (name !== undefined ? d.annotations?.[REF_NAME] !== name : d.annotations?.[REF_NAME] !== undefined || d.digest !== entry.digest));
  return [...kept, entry];
}

export function readLayoutVersion(bytes: Buffer, where: string): void {
  let version: unknown;
  try {
    version = (JSON.parse(bytes.toString('utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    throw new RegistryError('protocol', `${where}: oci-layout is not valid JSON`, {});
  }
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    throw new RegistryError('unsupported', `${where}: unsupported image layout version ${String(version).slice(0, 20)}`, {}, `regdesk reads layouts of version 1.x (${LAYOUT_VERSION}).`);
  }
}

export function tooLarge(where: string, what: string, limit: number): RegistryError {
  return new RegistryError('protocol', `${where}: ${what} is larger than ${limit} bytes`, {});
}

/** A descriptor's digest, parsed before it names any file: `sha256:../../x` is refused here. */
export function layoutDigest(where: string, digest: string): Digest {
  try {
    return parseDigest(digest);
  } catch (err) {
    throw new RegistryError('protocol', `${where}: the layout names an invalid digest (${(err as Error).message})`, {}, 'The layout is corrupt or hostile; nothing was read from it.');
  }
}
