/**
 * Flattens one platform of an image into a single tar: its layers applied in
 * order, OCI whiteouts honoured (`.wh.NAME` hides NAME of lower layers,
 * `.wh..wh..opq` hides everything lower in its directory), the way a container
 * runtime would unpack them — but into a tar file only, never onto the disk.
 *
 * Entries that could reach outside the root are refused (skipped, with a
 * warning) and never written: names with `..` components, symlinks whose
 * relative target climbs above the root, hardlinks to paths outside the image
 * or through a symlink, and any entry whose path goes through a symlink or a
 * non-directory laid down earlier (layer 1 `evil -> /etc`, layer 2
 * `evil/passwd`). A leading `/` is dropped (`/etc/x` is `etc/x`); absolute
 * symlink targets are kept as written, since they resolve inside the image's
 * root. So every path in the output is relative and below the root, and none
 * goes through a symlink of the output.
 *
 * Memory stays bounded by the number of files, not their size: layers are
 * downloaded (verified) to a private temporary folder, read once to build the
 * final tree (names, types, modes, link targets, and where each file's content
 * is), then read again to stream the contents of the files that survive.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { isRegistryError, RegistryError } from '../../../shared/errors';
import type { RegistryClient } from '../client';
import type { Descriptor } from '../api/manifest-types';
import type { FetchedManifest } from '../api/manifests';
import { platformsOf, selectPlatform } from '../api/image';
import { MEDIA_TYPES } from '../media-types';
import { inParallel } from '../parallel';
import { formatPlatform, hostPlatform, platformMatches, type Platform } from '../platform';
import { DEFAULT_EXTRACT_MAX_BYTES, DEFAULT_EXTRACT_MAX_ENTRIES, ExtractBudget } from './extract-limits';
import { headerFor, Tree, type Content, type Node } from './layer-tree';
import { readTar, StreamSource } from './tar-reader';
import type { TarHeader } from './tar-header';
import { TarWriter } from './tar-writer';
import { formatReference } from '../../../shared/names';

export interface ExtractSource {
  registry: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
}

export interface ExtractOptions {
  /** Which image of an index; default: the only one, else this machine's (linux/<arch>). */
  platform?: Platform;
  signal?: AbortSignal;
  /** Called for every refused or ignored entry, as it is found. */
  onWarning?: (message: string) => void;
  /** Most bytes the layers may unpack to, all together (a gzip bomb stops here); default 16 GiB. */
  maxBytes?: number;
  /** Most entries the layers may hold, directories their paths imply included (the tree is kept in memory); default 5,000,000. */
  maxEntries?: number;
}

export interface ExtractResult {
  source: string;
  destination: string;
  /** The image manifest extracted. */
  digest: string;
  platform?: Platform;
  layers: number;
  /** Entries in the output tar. */
  entries: number;
  /** File content bytes in the output tar. */
  bytes: number;
  /** Entries refused or ignored, one message each. */
  warnings: string[];
}

const GZIP_TYPES = new Set<string>([
  MEDIA_TYPES.ociLayerGzip,
  MEDIA_TYPES.dockerLayerGzip,
  MEDIA_TYPES.dockerForeignLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
]);
const TAR_TYPES = new Set<string>([MEDIA_TYPES.ociLayer, 'application/vnd.oci.image.layer.nondistributable.v1.tar', 'application/vnd.docker.image.rootfs.diff.tar']);

type Compression = 'gzip' | 'none';

function cancelled(): RegistryError {
  return new RegistryError('cancelled', 'the extract was cancelled', {});
}

function compressionOf(layer: Descriptor, where: { registry: string; repository: string }): Compression {
  const type = layer.mediaType.toLowerCase();
  if (type.includes('zstd')) {
    throw new RegistryError('unsupported', `${where.registry}: layer ${layer.digest} is zstd-compressed, which regdesk cannot extract`, where,
      'Extract a gzip variant of the image, or convert it (e.g. docker buildx imagetools create with gzip compression).');
  }
  if (GZIP_TYPES.has(type)) return 'gzip';
  if (TAR_TYPES.has(type)) return 'none';
  throw new RegistryError('unsupported', `${where.registry}: layer ${layer.digest} has media type ${layer.mediaType.slice(0, 100)}, which is not a filesystem layer`, where,
    'Only tar layers (plain or gzip) can be extracted.');
}

/** The image manifest to extract: the reference's own, or one platform of its index. */
async function chooseImage(client: RegistryClient, source: ExtractSource, options: ExtractOptions): Promise<{ image: FetchedManifest; platform?: Platform }> {
  const call = options.signal ? { signal: options.signal } : {};
  const src = { registry: source.registry, repository: source.repository };
  const top = await client.getManifest(source, call);
  if (top.parsed.kind === 'schema1') {
    throw new RegistryError('unsupported', `${source.registry}: ${source.repository} uses Docker schema 1, which regdesk does not extract`, src, 'Re-push the image with a current Docker.');
  }
  if (top.parsed.kind === 'image') {
    if (options.platform) {
      const config = await client.imageConfig(src, top.parsed, call);
      const actual: Platform = { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
      if (!platformMatches(options.platform, actual)) {
        throw new RegistryError('not_found', `${source.registry}: ${source.repository} is a single ${formatPlatform(actual)} image`, { ...src, kind: 'manifest', part: 'platform' });
      }
      return { image: top, platform: actual };
    }
    return { image: top };
  }
  const entries = platformsOf(top.parsed);
  let wanted = options.platform;
  if (!wanted) {
    const host = hostPlatform();
    if (entries.length === 1) wanted = entries[0]!.platform;
    else if (entries.some((e) => platformMatches(host, e.platform))) wanted = host;
    else {
      throw new RegistryError('usage', `${source.registry}: ${source.repository} has several platforms (${entries.map((e) => formatPlatform(e.platform)).join(', ') || 'none'}); say which`, src,
        'Pick one with --platform os/arch[/variant].');
    }
  }
  const entry = selectPlatform(top.parsed, wanted, src);
  const image = await client.getChildManifest(src, entry, call);
  if (image.parsed.kind !== 'image') throw new RegistryError('unsupported', `${source.registry}: the ${entry.digest} entry of the index is not an image manifest`, src);
  const p = entry.platform;
  return { image, platform: { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) } };
}

function openLayer(path: string, compression: Compression): Readable {
  const input = createReadStream(path);
  if (compression === 'none') return input;
  const gunzip = createGunzip();
  input.on('error', (err) => gunzip.destroy(err));
  gunzip.on('close', () => input.destroy());
  return input.pipe(gunzip);
}

/** Passes chunks through, telling `count` each one's size first (it throws to stop). */
async function* counted(input: AsyncIterable<Buffer>, count: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    count(chunk.length);
    yield chunk;
  }
}

/**
 * Reads the layer's tar entries; `visit` may read an entry's body. Stops the streams when done or when `visit` says so.
 * `count` sees every unpacked byte as it is read, and stops the read by throwing.
 */
async function eachEntry(path: string, compression: Compression, label: string, visit: (ordinal: number, header: TarHeader, body: AsyncIterable<Buffer>) => Promise<boolean | void>, count?: (bytes: number) => void): Promise<void> {
  const stream = openLayer(path, compression);
  const source = new StreamSource(count ? counted(stream, count) : stream);
  let ordinal = 0;
  try {
    for await (const entry of readTar(source)) {
      if ((await visit(ordinal++, entry.header, entry.body)) === false) break;
    }
  } catch (err) {
    if (isRegistryError(err)) {
      if (err.code === 'protocol') throw new RegistryError('protocol', `${label}: ${err.message}`, err.context, 'The layer is not a valid tar archive.');
      throw err;
    }
    throw new RegistryError('protocol', `${label}: cannot be read (${(err as Error).message.slice(0, 200)})`, {}, 'The layer is not a valid (gzip-compressed) tar archive.');
  } finally {
    stream.destroy();
  }
}

async function detectCompression(path: string, declared: Compression, label: string): Promise<Compression> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await file.read(head, 0, 4, 0);
    if (bytesRead >= 4 && head.readUInt32BE(0) === 0x28b52ffd) {
      throw new RegistryError('unsupported', `${label} is zstd-compressed, which regdesk cannot extract`, {}, 'Extract a gzip variant of the image.');
    }
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    // Declared gzip but not gzip: some tools push plain tars under the gzip type; the tar reader checks the rest.
    return bytesRead === 0 ? declared : 'none';
  } finally {
    await file.close();
  }
}

/**
 * Writes the flattened filesystem of one platform of `source` to `outTar`
 * (replaced atomically once complete). Refused entries are reported in
 * `warnings` (and to `onWarning`), never written.
 */
export async function extractImage(client: RegistryClient, source: ExtractSource, outTar: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const signal = options.signal;
  const call = signal ? { signal } : {};
  const src = { registry: source.registry, repository: source.repository };
  const { image, platform } = await chooseImage(client, source, options);
  if (image.parsed.kind !== 'image') throw new RegistryError('internal', 'not an image manifest', src);
  const layers = image.parsed.layers;
  // Every layer must be one we can read before anything is downloaded or written.
  const declared = layers.map((l) => compressionOf(l, src));
  const budget = new ExtractBudget(options.maxBytes ?? DEFAULT_EXTRACT_MAX_BYTES, options.maxEntries ?? DEFAULT_EXTRACT_MAX_ENTRIES, src);
  budget.checkCompressed(layers.reduce((sum, l) => sum + l.size, 0));

  const target = resolve(outTar);
  const folder = dirname(target);
  const work = await mkdtemp(join(folder, `.${basename(target)}.extract-`)).catch((err: NodeJS.ErrnoException) => {
    throw new RegistryError('usage', `cannot write next to ${outTar.slice(0, 200)} (${err.code ?? err.message})`, {}, 'Give a path in an existing, writable folder.');
  });
  const temp = join(folder, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  let entries = 0;
  let bytes = 0;
  try {
    // Layers to private files, each verified against its digest and never longer than its descriptor says.
    const files = layers.map((_, i) => join(work, `layer-${i}`));
    await inParallel(layers, 3, async (layer, i) => {
      if (signal?.aborted) throw cancelled();
      const { stream } = await client.getBlob({ ...src, digest: layer.digest }, { ...call, expectedSize: layer.size });
      await pipeline(stream, createWriteStream(files[i]!, { flags: 'wx', mode: 0o600 }), ...(signal ? [{ signal }] : []));
    });
    const compression: Compression[] = [];
    for (const [i, file] of files.entries()) compression.push(await detectCompression(file, declared[i]!, `layer ${i + 1} (${layers[i]!.digest})`));

    // Pass 1: the final tree. Every unpacked byte and entry counts against the limits; pass 2 reads the same again.
    const tree = new Tree(warn, budget);
    for (const [i, file] of files.entries()) {
      if (signal?.aborted) throw cancelled();
      const label = `layer ${i + 1} (${layers[i]!.digest})`;
      await eachEntry(file, compression[i]!, label, async (ordinal, header) => {
        tree.apply(i, ordinal, header);
      }, (bytes) => budget.unpacked(bytes, label));
    }

    // What to write: directories, links and devices in tree order; files grouped by where their content is.
    const plain: Array<{ path: string; node: Node }> = [];
    const contents = new Map<Content, Array<{ path: string; node: Node }>>();
    const walk = (dir: Node, prefix: string): void => {
      for (const name of [...dir.children!.keys()].sort()) {
        const node = dir.children!.get(name)!;
        const path = prefix ? `${prefix}/${name}` : name;
        if (node.kind === 'file') {
          const list = contents.get(node.content!) ?? [];
          list.push({ path, node });
          contents.set(node.content!, list);
        } else plain.push({ path, node });
        if (node.kind === 'dir') walk(node, path);
      }
    };
    walk(tree.root, '');
    const byLayer = new Map<number, Map<number, Array<{ path: string; node: Node }>>>();
    for (const [content, paths] of contents) {
      const layer = byLayer.get(content.layer) ?? new Map<number, Array<{ path: string; node: Node }>>();
      layer.set(content.ordinal, paths);
      byLayer.set(content.layer, layer);
    }

    // Pass 2: the output tar.
    const out = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
    const tar = new TarWriter(out);
    try {
      for (const { path, node } of plain) {
        await tar.add(headerFor(path, node));
        entries++;
      }
      for (const [i, file] of files.entries()) {
        const wanted = byLayer.get(i);
        if (!wanted?.size) continue;
        if (signal?.aborted) throw cancelled();
        await eachEntry(file, compression[i]!, `layer ${i + 1} (${layers[i]!.digest})`, async (ordinal, header, body) => {
          const paths = wanted.get(ordinal);
          if (!paths) return true;
          wanted.delete(ordinal);
          const [first, ...links] = paths;
          if (header.size !== first!.node.content!.size) throw new RegistryError('internal', `layer ${i + 1} read differently the second time`, src);
          await tar.add(headerFor(first!.path, first!.node), body);
          entries++;
          bytes += header.size;
          for (const link of links) {
            await tar.add({ ...headerFor(link.path, link.node), type: 'link', size: 0, linkname: first!.path });
            entries++;
          }
          if (signal?.aborted) throw cancelled();
          return wanted.size > 0;
        });
        if (wanted.size) throw new RegistryError('internal', `layer ${i + 1} read differently the second time`, src);
      }
      await tar.finish();
    } catch (err) {
      out.destroy();
      throw err;
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    if (signal?.aborted) throw cancelled();
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return {
    source: formatReference(source, source.reference),
    destination: outTar,
    digest: image.digest,
    ...(platform ? { platform } : {}),
    layers: layers.length,
    entries,
    bytes,
    warnings,
  };
}
