/**
 * OCI image layouts (image-spec `image-layout.md`) on disk: export an image
 * from a registry into a layout directory or a `.tar` of one, and import a
 * layout back into a registry.
 *
 * Export streams every blob to disk and checks it against its digest before
 * it gets its final name (a temporary file in the same folder, renamed only
 * once verified; for a `.tar`, the whole archive is a temporary file until the
 * last entry is written). Blobs interrupted midway are resumed with a ranged GET.
 *
 * Import reads the layout strictly: every digest is parsed before it becomes
 * a path, every manifest and blob is checked against its descriptor (size and
 * digest) while it is read, and a missing or corrupt blob fails the import
 * before any manifest is pushed, so nothing is tagged. A `.tar` layout is
 * indexed once and its blobs are read in place, never unpacked.
 */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isRegistryError, RegistryError } from '../../../shared/errors';
import type { CopyProgress, PlannedBlob, PlatformRef } from '../../../shared/copy';
import type { RegistryClient } from '../client';
import type { Descriptor, ImageIndex, ParsedManifest } from '../api/manifest-types';
import { parseManifest } from '../api/manifest-types';
import type { FetchedManifest } from '../api/manifests';
import { digestOf, digestParts, isDigest, parseDigest, type Digest } from '../digest';
import { BlobVerifier, verifiedChunks } from '../blob-verify';
import { MEDIA_TYPES } from '../media-types';
import { inParallel } from '../parallel';
import { formatPlatform, isAttestation, platformMatches, type Platform } from '../platform';
import { MAX_MANIFEST_BYTES } from '../transport/body';
import { abortableSleep } from '../transport/retry';
import { DEFAULT_CHUNK_SIZE, DEFAULT_CHUNKED_ABOVE } from './blob-transfer';
import { uploadBlobs } from './blob-uploads';
import { chooseEntries, isForeign, platformRef, subsetIndex } from './plan';
import { ProgressTracker } from './progress';
import type { TarHeader } from '../archive/tar-header';
import { indexTarFile } from '../archive/tar-reader';
import { TarWriter } from '../archive/tar-writer';

/** The annotation of index.json entries that names them (a tag, usually). */
export const REF_NAME = 'org.opencontainers.image.ref.name';
export const LAYOUT_VERSION = '1.0.0';

export interface LayoutImageSource {
  registry: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
}

export interface LayoutImageDestination {
  registry: string;
  repository: string;
  /** The tag to write last; default: the ref.name of the layout entry (when it is a tag), else by digest only. */
  tag?: string;
}

export interface ExportOptions {
  signal?: AbortSignal;
  /** `all` (default) exports an index whole; a list picks platforms (one platform: its manifest becomes the top). */
  platforms?: 'all' | Platform[];
  onProgress?: (progress: CopyProgress) => void;
  /** The index.json ref.name; default: the source tag (none when the source is a digest). */
  refName?: string;
  /** Blobs downloaded at once (directory layouts; a .tar is written one blob at a time). */
  concurrency?: number;
}

export interface ExportResult {
  source: string;
  destination: string;
  /** Digest of the manifest index.json points at. */
  digest: string;
  mediaType: string;
  refName?: string;
  platforms: PlatformRef[];
  manifests: number;
  /** Configs and layers. */
  blobs: number;
  /** Bytes written (blobs downloaded and manifests); blobs a directory layout already held are not counted. */
  bytes: number;
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: CopyProgress) => void;
  /** Which index.json entry to push (by ref.name); default: the only one, or the one named like the destination tag. */
  refName?: string;
  concurrency?: number;
  chunkedAbove?: number;
  chunkSize?: number;
}

export interface ImportResult {
  source: string;
  destination: string;
  digest: string;
  manifests: number;
  blobs: number;
  /** Bytes uploaded. */
  bytes: number;
  /** Blobs the destination already had. */
  skipped: number;
}

const DOWNLOAD_ATTEMPTS = 3;
const UPLOAD_ATTEMPTS = 3;
const MAX_DEPTH = 4;
const MAX_LAYOUT_FILE = 64 * 1024;

const call = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

function cancelled(what: string): RegistryError {
  return new RegistryError('cancelled', `the ${what} was cancelled`, {});
}

function checkAbort(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelled(what);
}

const retryable = (err: unknown): boolean => isRegistryError(err) && (err.code === 'network' || err.code === 'timeout');

/** `blobs/<alg>/<hex>`: built from a parsed digest only, so no descriptor can name a path of its choosing. */
export function blobPath(digest: string): string {
  const d = digestParts(parseDigest(digest));
  return `blobs/${d.algorithm}/${d.hex}`;
}

const describeImage = (r: { registry: string; repository: string }, ref?: string): string =>
  `${r.registry}/${r.repository}${ref ? (isDigest(ref) ? `@${ref}` : `:${ref}`) : ''}`;

/** A tag from a ref.name: the name itself when it is a valid tag, else what follows the last ':' of a reference. */
function tagFromRefName(refName: string | undefined): string | undefined {
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

// ---------------------------------------------------------------------------
// Verified streams

/** Passes `input` through, checked against its descriptor (blob-verify.ts); a mismatch names `where`. */
function verified(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, descriptor: { digest: string; size: number }, where: string, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  const verifier = new BlobVerifier(descriptor, (detail) => new RegistryError('digest_mismatch', `${where}: blob ${descriptor.digest} ${detail}`, {},
    'The data does not match its descriptor; it was not kept.'));
  return verifiedChunks(input, verifier, onBytes);
}

/** A registry blob as a stream of chunks, resumed with a ranged GET when the connection breaks midway. */
async function* download(client: RegistryClient, target: { registry: string; repository: string; digest: string }, size: number, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  let position = 0;
  let failures = 0;
  for (;;) {
    checkAbort(signal, 'export');
    let body;
    try {
      // The descriptor's size: a registry that sends more is stopped as the bytes arrive.
      body = await client.openBlob(target, { ...call(signal), offset: position, expectedSize: size });
    } catch (err) {
      if (!retryable(err) || ++failures >= DOWNLOAD_ATTEMPTS) throw err;
      await abortableSleep(250 * failures, signal).catch(() => undefined);
      continue;
    }
    // A registry that ignored the Range starts again from 0: skip what was already passed on.
    let skip = position - body.offset;
    try {
      for await (const raw of body.stream as AsyncIterable<Buffer>) {
        let chunk = raw;
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        position += chunk.length;
        yield chunk;
      }
      return;
    } catch (err) {
      if (signal?.aborted) throw cancelled('export');
      if (!retryable(err) || ++failures >= DOWNLOAD_ATTEMPTS) throw err;
      await abortableSleep(250 * failures, signal).catch(() => undefined);
    } finally {
      body.stream.destroy();
    }
  }
}

/** True when `path` is a regular file of `size` bytes whose content has `digest`. */
async function fileMatches(path: string, digest: string, size: number): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile() || info.size !== size) return false;
  try {
    for await (const _ of verified(createReadStream(path), { digest, size }, path)) void _;
    return true;
  } catch {
    return false;
  }
}

const tempName = (path: string): string => join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

/** Writes `data` to a temporary file next to `path`, then renames it into place. */
async function writeAtomic(path: string, data: Buffer | AsyncIterable<Buffer>): Promise<void> {
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

// ---------------------------------------------------------------------------
// Export

interface ManifestFile {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

interface BlobFile {
  digest: string;
  size: number;
  mediaType: string;
}

interface Collected {
  top: ManifestFile;
  /** Every manifest, children before their index, the top last. */
  manifests: ManifestFile[];
  blobs: BlobFile[];
  platforms: PlatformRef[];
}

/** Reads the manifests to export (the top one, or a subset index built like `cp --platform` does) and lists their blobs. */
async function collect(client: RegistryClient, source: LayoutImageSource, options: ExportOptions): Promise<Collected> {
  const src = { registry: source.registry, repository: source.repository };
  const signal = options.signal;
  const top = await client.getManifest(source, call(signal));
  const manifests = new Map<string, ManifestFile>();
  const blobs = new Map<string, BlobFile>();
  const file = (m: FetchedManifest): ManifestFile => ({ digest: m.digest, mediaType: m.mediaType, bytes: m.bytes });

  const walk = async (m: FetchedManifest, depth: number): Promise<void> => {
    if (m.parsed.kind === 'schema1') {
      throw new RegistryError('unsupported', `${source.registry}: ${source.repository} holds a Docker schema 1 manifest (${m.digest}), which regdesk does not export`, src,
        'Re-push the image with a current Docker to convert it.');
    }
    if (m.parsed.kind === 'image') {
      for (const d of [m.parsed.config, ...m.parsed.layers]) {
        if (!isForeign(d) && !blobs.has(d.digest)) blobs.set(d.digest, { digest: d.digest, size: d.size, mediaType: d.mediaType });
      }
    } else {
      if (depth >= MAX_DEPTH) throw new RegistryError('unsupported', `${source.registry}: indexes nested more than ${MAX_DEPTH} deep are not exported`, src);
      await walkEntries(m.parsed.manifests, depth + 1);
    }
    manifests.set(m.digest, file(m));
  };
  const walkEntries = async (entries: Descriptor[], depth: number): Promise<void> => {
    const children: FetchedManifest[] = [];
    await inParallel(entries, 8, async (d, i) => {
      children[i] = await client.getChildManifest(src, d, call(signal));
    });
    for (const child of children) await walk(child, depth);
  };

  const wanted = options.platforms === undefined || options.platforms === 'all' ? undefined : options.platforms;
  let final: ManifestFile;
  let platforms: PlatformRef[] = [];
  if (top.parsed.kind === 'index') {
    const index = top.parsed;
    const entries = wanted ? chooseEntries(index, wanted, source) : index.manifests;
    platforms = entries.filter((d) => !isAttestation(d) && d.platform).map((d) => platformRef(d)!);
    if (wanted && entries.length === 1) {
      // One platform: its manifest is the image, no index (as cp does).
      const child = await client.getChildManifest(src, entries[0]!, call(signal));
      await walk(child, 1);
      final = file(child);
    } else if (wanted) {
      const chosen = new Set<string>(entries.map((d) => d.digest));
      const attestations = index.manifests.filter((d) => isAttestation(d) && chosen.has(d.annotations?.['vnd.docker.reference.digest'] ?? ''));
      await walkEntries([...entries, ...attestations], 1);
      const bytes = subsetIndex(index, entries, top.mediaType);
      final = { digest: digestOf(bytes), mediaType: top.mediaType, bytes };
      manifests.set(final.digest, final);
    } else {
      await walk(top, 0);
      final = file(top);
    }
  } else {
    if (wanted && top.parsed.kind === 'image') {
      const config = await client.imageConfig(src, top.parsed, call(signal));
      const actual: Platform = { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
      if (!wanted.some((p) => platformMatches(p, actual))) {
        throw new RegistryError('not_found', `${source.registry}: ${source.repository} is a single ${formatPlatform(actual)} image`, { ...src, kind: 'manifest', part: 'platform' });
      }
      platforms = [actual];
    }
    await walk(top, 0);
    final = file(top);
  }
  // The top manifest last.
  manifests.delete(final.digest);
  return { top: final, manifests: [...manifests.values(), final], blobs: [...blobs.values()], platforms };
}

/** Where exported blobs go: a layout directory or a tar archive of one. */
interface LayoutSink {
  /** Blobs written at once. */
  readonly parallel: number;
  /** True when the layout already holds this blob, verified (directory layouts being added to). */
  has(blob: { digest: string; size: number }): Promise<boolean>;
  /** Writes a blob from verified chunks. */
  write(blob: { digest: string; size: number }, data: AsyncIterable<Buffer> | Buffer): Promise<void>;
  /** Writes index.json with `entry` and makes the layout final. */
  commit(entry: Descriptor): Promise<void>;
  /** Removes what a failed export left. */
  abort(): Promise<void>;
}

function layoutFile(): Buffer {
  return Buffer.from(JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
}

function indexFile(manifests: Descriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }));
}

/** index.json entries minus the one the new entry replaces (same ref.name; or same digest, both unnamed). */
function mergeEntries(existing: Descriptor[], entry: Descriptor): Descriptor[] {
  const name = entry.annotations?.[REF_NAME];
  const kept = existing.filter((d) => (name !== undefined ? d.annotations?.[REF_NAME] !== name : d.annotations?.[REF_NAME] !== undefined || d.digest !== entry.digest));
  return [...kept, entry];
}

function readLayoutVersion(bytes: Buffer, where: string): void {
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

async function directorySink(dest: string, concurrency: number): Promise<LayoutSink> {
  const info = await stat(dest).catch(() => undefined);
  let existing: Descriptor[] = [];
  if (info) {
    if (!info.isDirectory()) throw new RegistryError('usage', `${dest} exists and is not a directory`, {}, 'Give a new or empty directory, an existing OCI layout, or a path ending in .tar.');
    const names = await readdir(dest);
    if (names.includes('oci-layout')) {
      readLayoutVersion(await readFile(join(dest, 'oci-layout')), dest);
      const index = await readFile(join(dest, 'index.json')).catch(() => undefined);
      if (index) {
        const parsed = parseManifest(index, MEDIA_TYPES.ociIndex, dest);
        if (parsed.kind !== 'index') throw new RegistryError('protocol', `${dest}: index.json is not an image index`, {});
        existing = parsed.manifests;
      }
    } else if (names.length > 0) {
      throw new RegistryError('usage', `${dest} is not empty and is not an OCI image layout`, {}, 'Give a new or empty directory, or an existing layout to add the image to.');
    }
  }
  const created = !info;
  await mkdir(dest, { recursive: true });
  if (!(await lstat(join(dest, 'oci-layout')).catch(() => undefined))) await writeAtomic(join(dest, 'oci-layout'), layoutFile());
  const made = new Set<string>();
  const pathOf = async (digest: string): Promise<string> => {
    const d = digestParts(parseDigest(digest));
    const folder = join(dest, 'blobs', d.algorithm);
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    return join(folder, d.hex);
  };
  return {
    parallel: concurrency,
    has: async (blob) => fileMatches(await pathOf(blob.digest), blob.digest, blob.size),
    write: async (blob, data) => writeAtomic(await pathOf(blob.digest), data),
    commit: async (entry) => writeAtomic(join(dest, 'index.json'), indexFile(mergeEntries(existing, entry))),
    // A layout this export created goes; in an existing one, verified blobs stay (content-addressed, still valid)
    // and index.json is unchanged. Temporary files are already gone (writeAtomic).
    abort: async () => {
      if (created) await rm(dest, { recursive: true, force: true });
    },
  };
}

async function tarSink(dest: string): Promise<LayoutSink> {
  const info = await stat(dest).catch(() => undefined);
  if (info?.isDirectory()) throw new RegistryError('usage', `${dest} is a directory`, {}, 'A path ending in .tar names the archive file to write.');
  await mkdir(dirname(dest), { recursive: true });
  const temp = tempName(dest);
  const out = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
  const opened = new Promise<void>((resolveOpen, reject) => {
    out.once('open', () => resolveOpen());
    out.once('error', reject);
  });
  await opened;
  const tar = new TarWriter(out);
  const mtime = Math.floor(Date.now() / 1000);
  const folders = new Set<string>();
  const entry = (name: string, size: number): TarHeader => ({ name, type: 'file', size, mode: 0o644, mtime });
  const folder = async (name: string): Promise<void> => {
    if (folders.has(name)) return;
    folders.add(name);
    await tar.add({ name, type: 'directory', size: 0, mode: 0o755, mtime });
  };
  const layout = layoutFile();
  await tar.add(entry('oci-layout', layout.length), layout);
  const written = new Set<string>();
  return {
    parallel: 1,
    has: async (blob) => written.has(blob.digest),
    write: async (blob, data) => {
      const d = parseDigest(blob.digest);
      written.add(blob.digest);
      await folder('blobs/');
      await folder(`blobs/${digestParts(d).algorithm}/`);
      await tar.add(entry(blobPath(d), blob.size), data);
    },
    commit: async (top) => {
      const index = indexFile([top]);
      await tar.add(entry('index.json', index.length), index);
      await tar.finish();
      await rename(temp, dest);
    },
    abort: async () => {
      out.destroy();
      await unlink(temp).catch(() => undefined);
    },
  };
}

/**
 * Writes the image (every manifest, config and layer) as an OCI image layout
 * at `dest`: a directory (created, or an existing layout the image is added
 * to), or a tar archive when `dest` ends in `.tar`. index.json's entry for the
 * image carries the ref.name annotation (the tag).
 */
export async function exportImage(client: RegistryClient, source: LayoutImageSource, dest: string, options: ExportOptions = {}): Promise<ExportResult> {
  const signal = options.signal;
  const src = { registry: source.registry, repository: source.repository };
  const refName = options.refName ?? (isDigest(source.reference) ? undefined : source.reference);
  if (refName !== undefined && (refName.length === 0 || refName.length > 256 || [...refName].some((c) => c.charCodeAt(0) < 0x20))) {
    throw new RegistryError('usage', 'invalid ref.name for the layout', {}, 'A ref.name is a short printable name, usually the tag.');
  }
  const collected = await collect(client, source, options);
  checkAbort(signal, 'export');

  const planned: PlannedBlob[] = collected.blobs.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType, action: 'upload' }));
  const progress = new ProgressTracker(planned, options.onProgress ?? (() => undefined));
  const sink = dest.endsWith('.tar') ? await tarSink(resolve(dest)) : await directorySink(resolve(dest), options.concurrency ?? 4);
  let bytes = 0;
  try {
    progress.setPhase('blobs');
    await inParallel(collected.blobs, sink.parallel, async (blob) => {
      checkAbort(signal, 'export');
      if (await sink.has(blob)) {
        progress.setState(blob.digest, 'exists');
        return;
      }
      progress.setState(blob.digest, 'uploading');
      const where = describeImage(src);
      await sink.write(blob, verified(download(client, { ...src, digest: blob.digest }, blob.size, signal), blob, where, (n) => progress.addBytes(blob.digest, n)));
      bytes += blob.size;
      progress.setState(blob.digest, 'done');
    });
    checkAbort(signal, 'export');
    progress.setPhase('manifests');
    for (const m of collected.manifests) {
      const descriptor = { digest: m.digest, size: m.bytes.length };
      if (await sink.has(descriptor)) continue;
      // Manifests were verified when fetched; checked again on the way to disk all the same.
      await sink.write(descriptor, verified([m.bytes], descriptor, describeImage(src)));
      bytes += m.bytes.length;
    }
    const entry: Descriptor = {
      mediaType: collected.top.mediaType,
      digest: collected.top.digest,
      size: collected.top.bytes.length,
      ...(refName !== undefined ? { annotations: { [REF_NAME]: refName } } : {}),
    };
    checkAbort(signal, 'export');
    await sink.commit(entry);
    progress.setPhase('done');
  } catch (err) {
    await sink.abort();
    throw signal?.aborted ? cancelled('export') : err;
  } finally {
    progress.close();
  }
  return {
    source: describeImage(src, source.reference),
    destination: dest,
    digest: collected.top.digest,
    mediaType: collected.top.mediaType,
    ...(refName !== undefined ? { refName } : {}),
    platforms: collected.platforms,
    manifests: collected.manifests.length,
    blobs: collected.blobs.length,
    bytes,
  };
}

// ---------------------------------------------------------------------------
// Import

/** Read access to a layout, directory or tar; paths come from parsed digests only. */
interface LayoutReader {
  /** For messages. */
  readonly where: string;
  /** A small top-level file (oci-layout, index.json), or undefined when absent. */
  file(name: 'oci-layout' | 'index.json', limit: number): Promise<Buffer | undefined>;
  /** The blob's size, or undefined when the layout lacks it. */
  size(digest: Digest): Promise<number | undefined>;
  /** The blob's bytes from `offset` on (the caller verifies them). */
  open(digest: Digest, offset: number): Promise<Readable>;
}

function tooLarge(where: string, what: string, limit: number): RegistryError {
  return new RegistryError('protocol', `${where}: ${what} is larger than ${limit} bytes`, {});
}

async function directoryReader(root: string): Promise<LayoutReader> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new RegistryError('not_found', `${root} does not exist`, {}, 'Give an OCI layout directory or a .tar of one.');
  if (!info.isDirectory()) throw new RegistryError('usage', `${root} is not a directory`, {}, 'Give an OCI layout directory or a .tar of one.');
  const regular = async (path: string, name: string): Promise<number | undefined> => {
    const entry = await lstat(path).catch(() => undefined);
    if (!entry) return undefined;
    if (!entry.isFile()) throw new RegistryError('protocol', `${root}: ${name} is not a regular file`, {}, 'regdesk reads layouts whose blobs are plain files (no links).');
    return entry.size;
  };
  return {
    where: root,
    file: async (name, limit) => {
      const size = await regular(join(root, name), name);
      if (size === undefined) return undefined;
      if (size > limit) throw tooLarge(root, name, limit);
      return readFile(join(root, name));
    },
    size: (digest) => regular(join(root, blobPath(digest)), blobPath(digest)),
    open: async (digest, offset) => {
      // O_NOFOLLOW: a blob swapped for a symlink since it was checked is refused, not followed.
      const handle = await open(join(root, blobPath(digest)), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      return handle.createReadStream({ start: offset });
    },
  };
}

async function tarReader(path: string): Promise<LayoutReader> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new RegistryError('not_found', `${path} does not exist`, {}, 'Give an OCI layout directory or a .tar of one.');
  if (!info.isFile()) throw new RegistryError('usage', `${path} is not a file`, {});
  const entries = new Map<string, { header: TarHeader; offset: number }>();
  for (const entry of await indexTarFile(path)) {
    // `./blobs/…` and `blobs/…` name the same file; a later entry replaces an earlier one, as on extraction.
    const name = entry.header.name.replace(/^(?:\.?\/)+/, '');
    entries.set(name, entry);
  }
  const find = (name: string): { header: TarHeader; offset: number } | undefined => {
    let entry = entries.get(name);
    if (entry?.header.type === 'link' && entry.header.linkname !== undefined) entry = entries.get(entry.header.linkname.replace(/^(?:\.?\/)+/, ''));
    if (entry && entry.header.type !== 'file') throw new RegistryError('protocol', `${path}: ${name} is not a regular file in the archive`, {});
    return entry;
  };
  const read = (entry: { header: TarHeader; offset: number }, offset: number): Readable =>
    entry.header.size - offset <= 0 ? Readable.from([]) : createReadStream(path, { start: entry.offset + offset, end: entry.offset + entry.header.size - 1 });
  return {
    where: path,
    file: async (name, limit) => {
      const entry = find(name);
      if (!entry) return undefined;
      if (entry.header.size > limit) throw tooLarge(path, name, limit);
      const chunks: Buffer[] = [];
      for await (const chunk of read(entry, 0)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    size: async (digest) => find(blobPath(digest))?.header.size,
    open: async (digest, offset) => {
      const entry = find(blobPath(digest));
      if (!entry) throw new RegistryError('not_found', `${path}: ${blobPath(digest)} is missing`, { kind: 'blob' });
      return read(entry, offset);
    },
  };
}

async function openLayout(src: string): Promise<LayoutReader> {
  const info = await stat(src).catch(() => undefined);
  return src.endsWith('.tar') || info?.isFile() ? tarReader(resolve(src)) : directoryReader(resolve(src));
}

interface LayoutManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  parsed: ParsedManifest;
}

/** A descriptor's digest, parsed before it names any file: `sha256:../../x` is refused here. */
function layoutDigest(where: string, digest: string): Digest {
  try {
    return parseDigest(digest);
  } catch (err) {
    throw new RegistryError('protocol', `${where}: the layout names an invalid digest (${(err as Error).message})`, {}, 'The layout is corrupt or hostile; nothing was read from it.');
  }
}

/** A manifest of the layout, read whole (bounded) and checked against its descriptor. */
async function readManifest(reader: LayoutReader, d: Descriptor): Promise<LayoutManifest> {
  const digest = layoutDigest(reader.where, d.digest);
  const size = await reader.size(digest);
  if (size === undefined) {
    throw new RegistryError('not_found', `${reader.where}: manifest ${d.digest} is missing from the layout`, { kind: 'manifest' }, 'The layout is incomplete; export it again.');
  }
  if (size > MAX_MANIFEST_BYTES) throw tooLarge(reader.where, `manifest ${d.digest}`, MAX_MANIFEST_BYTES);
  const chunks: Buffer[] = [];
  for await (const chunk of verified(await reader.open(digest, 0), d, reader.where)) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const parsed = parseManifest(bytes, d.mediaType, reader.where);
  const declared = 'mediaType' in parsed && typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  return { digest: d.digest, mediaType: declared ?? d.mediaType, bytes, parsed };
}

/** The index.json entry to import. */
function chooseEntry(index: ImageIndex, where: string, refName: string | undefined, tag: string | undefined): Descriptor {
  const names = index.manifests.map((d) => d.annotations?.[REF_NAME]).filter((n): n is string => n !== undefined);
  const list = names.length ? names.join(', ') : 'none';
  if (refName !== undefined) {
    const match = index.manifests.filter((d) => d.annotations?.[REF_NAME] === refName);
    if (!match.length) throw new RegistryError('not_found', `${where}: no image named ${refName.slice(0, 80)} in the layout (names: ${list})`, { kind: 'tag' });
    return match.at(-1)!;
  }
  if (index.manifests.length === 1) return index.manifests[0]!;
  if (index.manifests.length === 0) throw new RegistryError('not_found', `${where}: the layout's index.json lists no image`, { kind: 'manifest' });
  const byTag = tag !== undefined ? index.manifests.filter((d) => d.annotations?.[REF_NAME] === tag) : [];
  if (byTag.length) return byTag.at(-1)!;
  throw new RegistryError('usage', `${where} holds ${index.manifests.length} images; say which one (names: ${list})`, {}, 'Name it with --ref NAME, or tag the destination like the ref.name.');
}

/**
 * Pushes an image from an OCI layout (a directory or a .tar of one): blobs
 * first (those the destination lacks; the others are still checked locally),
 * then child manifests by digest, then the top manifest under the tag.
 */
export async function importImage(client: RegistryClient, src: string, destination: LayoutImageDestination, options: ImportOptions = {}): Promise<ImportResult> {
  const signal = options.signal;
  const dst = { registry: destination.registry, repository: destination.repository };
  const reader = await openLayout(src);
  const where = reader.where;

  const layoutBytes = await reader.file('oci-layout', MAX_LAYOUT_FILE);
  if (!layoutBytes) throw new RegistryError('not_found', `${where} is not an OCI image layout (no oci-layout file)`, {}, 'Give a directory or .tar written by regdesk export, skopeo or buildx.');
  readLayoutVersion(layoutBytes, where);
  const indexBytes = await reader.file('index.json', MAX_MANIFEST_BYTES);
  if (!indexBytes) throw new RegistryError('not_found', `${where}: the layout has no index.json`, {});
  const index = parseManifest(indexBytes, MEDIA_TYPES.ociIndex, where);
  if (index.kind !== 'index') throw new RegistryError('protocol', `${where}: index.json is not an image index`, {});
  const entry = chooseEntry(index, where, options.refName, destination.tag);
  const tag = destination.tag ?? tagFromRefName(entry.annotations?.[REF_NAME]);

  // Read and check every manifest, children before their index.
  const manifests = new Map<string, LayoutManifest>();
  const blobs = new Map<string, Descriptor>();
  const walk = async (d: Descriptor, depth: number): Promise<LayoutManifest> => {
    checkAbort(signal, 'import');
    const m = await readManifest(reader, d);
    if (m.parsed.kind === 'schema1') throw new RegistryError('unsupported', `${where}: manifest ${d.digest} is Docker schema 1, which regdesk does not push`, {});
    if (m.parsed.kind === 'index') {
      if (depth >= MAX_DEPTH) throw new RegistryError('unsupported', `${where}: indexes nested more than ${MAX_DEPTH} deep are not imported`, {});
      for (const child of m.parsed.manifests) if (!manifests.has(child.digest)) await walk(child, depth + 1);
    } else {
      for (const b of [m.parsed.config, ...m.parsed.layers]) {
        layoutDigest(where, b.digest);
        if (!blobs.has(b.digest)) blobs.set(b.digest, b);
      }
    }
    manifests.delete(m.digest);
    manifests.set(m.digest, m);
    return m;
  };
  const top = await walk(entry, 0);
  manifests.delete(top.digest);

  // Every blob is there with its descriptor's size (foreign layers may be absent: the registry does not hold them).
  const toPush: Descriptor[] = [];
  for (const b of blobs.values()) {
    const size = await reader.size(layoutDigest(where, b.digest));
    if (size === undefined) {
      if (isForeign(b)) continue;
      throw new RegistryError('not_found', `${where}: blob ${b.digest} is missing from the layout`, { kind: 'blob' }, 'The layout is incomplete; nothing was pushed or tagged.');
    }
    if (size !== b.size) {
      throw new RegistryError('digest_mismatch', `${where}: blob ${b.digest} has ${size} bytes, its descriptor says ${b.size}`, {}, 'The layout is corrupt; nothing was tagged.');
    }
    toPush.push(b);
  }

  const planned: PlannedBlob[] = toPush.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType, action: 'upload' }));
  await inParallel(planned, 8, async (b) => {
    if (await client.headBlob({ ...dst, digest: b.digest }, call(signal))) b.action = 'exists';
  });
  const progress = new ProgressTracker(planned, options.onProgress ?? (() => undefined));
  const abort = signal ?? new AbortController().signal;
  let bytes = 0;

  try {
    progress.setPhase('blobs');
    // Blobs the destination has are not sent, but their local copy is checked all the same.
    await inParallel(planned.filter((b) => b.action === 'exists'), 4, async (b) => {
      checkAbort(signal, 'import');
      for await (const _ of verified(await reader.open(parseDigest(b.digest), 0), b, where)) void _;
    });
    ({ bytes } = await uploadBlobs(planned, {
      uploads: client,
      openBlob: async (target, o) => ({ stream: await reader.open(parseDigest(target.digest), o.offset ?? 0), offset: o.offset ?? 0, size: -1 }),
      source: { registry: where, repository: 'layout' },
      destination: dst,
      signal: abort,
      isPresent: (t, o) => client.headBlob(t, o),
      progress,
      concurrency: options.concurrency ?? 4,
      attempts: UPLOAD_ATTEMPTS,
      chunkedAbove: options.chunkedAbove ?? DEFAULT_CHUNKED_ABOVE,
      chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
      cancelled: () => cancelled('import'),
      // The source side of the transfer is the local file: a mismatch is the layout's.
      explain: (b, err) => (isRegistryError(err, 'digest_mismatch')
        ? new RegistryError('digest_mismatch', `${where}: blob ${b.digest} does not match its digest: the layout is corrupt`, {}, 'Nothing was tagged. Export the image again.', { cause: err })
        : err),
    }));

    progress.setPhase('manifests');
    for (const m of manifests.values()) {
      checkAbort(signal, 'import');
      await client.putManifest({ ...dst, reference: m.digest }, m.bytes, m.mediaType, call(signal));
    }
    checkAbort(signal, 'import');
    await client.putManifest({ ...dst, reference: tag ?? top.digest }, top.bytes, top.mediaType, call(signal));
    progress.setPhase('done');
  } catch (err) {
    throw signal?.aborted ? cancelled('import') : err;
  } finally {
    progress.close();
  }
  return {
    source: src,
    destination: describeImage(dst, tag ?? top.digest),
    digest: top.digest,
    manifests: manifests.size + 1,
    blobs: planned.length,
    bytes,
    skipped: planned.filter((b) => b.action === 'exists').length,
  };
}

/** The entries of a layout's index.json (to list what a layout holds). */
export async function listLayout(src: string): Promise<Array<{ digest: string; mediaType: string; size: number; refName?: string }>> {
  const reader = await openLayout(src);
  const layoutBytes = await reader.file('oci-layout', MAX_LAYOUT_FILE);
  if (!layoutBytes) throw new RegistryError('not_found', `${reader.where} is not an OCI image layout (no oci-layout file)`, {});
  readLayoutVersion(layoutBytes, reader.where);
  const indexBytes = await reader.file('index.json', MAX_MANIFEST_BYTES);
  if (!indexBytes) throw new RegistryError('not_found', `${reader.where}: the layout has no index.json`, {});
  const index = parseManifest(indexBytes, MEDIA_TYPES.ociIndex, reader.where);
  if (index.kind !== 'index') throw new RegistryError('protocol', `${reader.where}: index.json is not an image index`, {});
  return index.manifests.map((d) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, ...(d.annotations?.[REF_NAME] !== undefined ? { refName: d.annotations[REF_NAME] } : {}) }));
}
