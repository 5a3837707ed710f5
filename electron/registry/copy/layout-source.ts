/**
 * An OCI image layout, a directory or a `.tar` of one, read strictly as an
 * image source: every digest is parsed before it becomes a path, blobs are
 * plain files (no links), manifests are read bounded and checked against their
 * descriptor. A `.tar` layout is indexed once and its blobs are read in place,
 * never unpacked.
 */
import { constants, createReadStream } from 'node:fs';
import { lstat, open, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { RegistryError } from '../../../shared/errors';
import { parseManifest, type Descriptor, type ImageIndex, type ParsedManifest } from '../api/manifest-types';
import type { Digest } from '../digest';
import { MEDIA_TYPES } from '../media-types';
import { MAX_MANIFEST_BYTES } from '../transport/body';
import { indexTarFile } from '../archive/tar-reader';
import type { TarHeader } from '../archive/tar-header';
import type { ImageSource } from './image-io';
import { blobPath, layoutDigest, MAX_LAYOUT_FILE, readLayoutVersion, tooLarge, verified } from './layout-files';

/** Read access to a layout, directory or tar; paths come from parsed digests only. */
export interface LayoutReader {
  /** For messages. */
  readonly where: string;
  /** A small top-level file (oci-layout, index.json), or undefined when absent. */
  file(name: 'oci-layout' | 'index.json', limit: number): Promise<Buffer | undefined>;
  /** The blob's size, or undefined when the layout lacks it. */
  size(digest: Digest): Promise<number | undefined>;
  /** The blob's bytes from `offset` on (the caller verifies them). */
  open(digest: Digest, offset: number): Promise<Readable>;
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

export async function openLayout(src: string): Promise<LayoutReader> {
  const info = await stat(src).catch(() => undefined);
  return src.endsWith('.tar') || info?.isFile() ? tarReader(resolve(src)) : directoryReader(resolve(src));
}

export interface LayoutManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  parsed: ParsedManifest;
}

/** A manifest of the layout, read whole (bounded) and checked against its descriptor. */
export async function readManifest(reader: LayoutReader, d: Pick<Descriptor, 'digest' | 'size' | 'mediaType'>): Promise<LayoutManifest> {
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

/** The layout's index.json, after its oci-layout file says a version regdesk reads. */
export async function readLayoutIndex(reader: LayoutReader): Promise<ImageIndex> {
  const where = reader.where;
  const layoutBytes = await reader.file('oci-layout', MAX_LAYOUT_FILE);
  if (!layoutBytes) throw new RegistryError('not_found', `${where} is not an OCI image layout (no oci-layout file)`, {}, 'Give a directory or .tar written by regdesk export, skopeo or buildx.');
  readLayoutVersion(layoutBytes, where);
  const indexBytes = await reader.file('index.json', MAX_MANIFEST_BYTES);
  if (!indexBytes) throw new RegistryError('not_found', `${where}: the layout has no index.json`, {});
  const index = parseManifest(indexBytes, MEDIA_TYPES.ociIndex, where);
  if (index.kind !== 'index') throw new RegistryError('protocol', `${where}: index.json is not an image index`, {});
  return index;
}

/** The layout as an image source: its manifests read strictly, a blob's file from an offset (the reader verifies it). */
export function layoutSource(reader: LayoutReader): ImageSource {
  return {
    where: { registry: reader.where, repository: 'layout' },
    manifest: (descriptor) => readManifest(reader, descriptor),
    openBlob: async (blob, options) => {
      const offset = options.offset ?? 0;
      return { stream: await reader.open(layoutDigest(reader.where, blob.digest), offset), offset, size: -1 };
    },
  };
}
