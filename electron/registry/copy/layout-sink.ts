/**
 * An OCI image layout as an image sink: a directory (created, or an existing
 * layout the image is added to) or a `.tar` of one. Every blob is streamed to
 * disk and checked against its digest before it gets its final name (a
 * temporary file in the same folder, renamed only once verified; for a
 * `.tar`, the whole archive is a temporary file until index.json, its last
 * entry, is written). index.json's entry is the last manifest put, named by
 * its tag (the ref.name annotation).
 */
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { RegistryError } from '../../../shared/errors';
import { parseManifest, type Descriptor } from '../api/manifest-types';
import { digestParts, parseDigest } from '../digest';
import { MEDIA_TYPES } from '../media-types';
import { inParallel } from '../parallel';
import type { TarHeader } from '../archive/tar-header';
import { TarWriter } from '../archive/tar-writer';
import { pullBlob, type ImageSink } from './image-io';
import { blobPath, fileMatches, indexFile, layoutFile, mergeEntries, readLayoutVersion, REF_NAME, tempName, verified, writeAtomic } from './layout-files';
import { formatReference } from '../../../shared/names';

/** The files of a layout being written: a directory or a tar archive. */
interface LayoutStore {
  /** For messages. */
  readonly where: string;
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

export interface LayoutSink extends ImageSink {
  /** Bytes of the manifests written (blobs the layout already held are not counted). */
  readonly manifestBytes: number;
  /** Writes index.json with the last manifest put and makes the layout final. */
  commit(): Promise<void>;
  /** Removes what a failed export left. */
  abort(): Promise<void>;
}

async function directoryStore(dest: string, concurrency: number): Promise<LayoutStore> {
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
    where: dest,
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

async function tarStore(dest: string): Promise<LayoutStore> {
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
    where: dest,
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

function layoutSink(store: LayoutStore): LayoutSink {
  let entry: Descriptor | undefined;
  let manifestBytes = 0;
  return {
    get manifestBytes() {
      return manifestBytes;
    },
    putBlobs: async (blobs, source, run) => {
      const where = formatReference(source.where);
      let bytes = 0;
      await inParallel(blobs, store.parallel, async (blob) => {
        if (run.signal.aborted) throw run.cancelled();
        if (await store.has(blob)) {
          run.progress.setState(blob.digest, 'exists');
          return;
        }
        run.progress.setState(blob.digest, 'uploading');
        await store.write(blob, verified(pullBlob(source, blob, run), blob, where, (n) => run.progress.addBytes(blob.digest, n)));
        bytes += blob.size;
        run.progress.setState(blob.digest, 'done');
      });
      return { bytes, mounted: 0 };
    },
    putManifest: async (m) => {
      const descriptor = { digest: m.digest, size: m.bytes.length };
      if (!(await store.has(descriptor))) {
        // Manifests were verified when read; checked again on the way to disk all the same.
        await store.write(descriptor, verified([m.bytes], descriptor, store.where));
        manifestBytes += m.bytes.length;
      }
      entry = { mediaType: m.mediaType, digest: parseDigest(m.digest), size: m.bytes.length, annotations: m.tag !== undefined ? { [REF_NAME]: m.tag } : undefined };
    },
    commit: async () => {
      if (!entry) throw new RegistryError('internal', `${store.where}: no manifest to name in index.json`, {});
      await store.commit(entry);
    },
    abort: () => store.abort(),
  };
}

/** A layout sink at `dest`: a tar archive when it ends in `.tar`, else a directory. */
export async function openLayoutSink(dest: string, concurrency: number): Promise<LayoutSink> {
  return layoutSink(dest.endsWith('.tar') ? await tarStore(resolve(dest)) : await directoryStore(resolve(dest), concurrency));
}
