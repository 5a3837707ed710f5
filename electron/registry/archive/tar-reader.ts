/**
 * A small, strict tar reader, streamed: no entry body is ever held whole in
 * memory. It pulls entries from a byte stream (a gunzip'd layer), or indexes
 * an uncompressed tar file by position (an OCI layout archive, whose blobs are
 * then read in place). Entry names are returned exactly as the archive spells them.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { RegistryError } from '../../../shared/errors';
import { BLOCK, corrupt, isZeroBlock, padding, parseHeader, parsePax, paxNumber, truncated, type TarEntry, type TarEntryType, type TarHeader } from './tar-header';

/** Where the reader's bytes come from: a stream (skipping means reading) or a file (skipping is free). */
export interface ByteSource {
  readonly position: number;
  /** Exactly `n` bytes, or undefined at a clean end of input; throws when the input ends midway. */
  read(n: number): Promise<Buffer | undefined>;
  skip(n: number): Promise<void>;
  /** The next `n` bytes in pieces. */
  chunks(n: number): AsyncGenerator<Buffer>;
}

/** Longest PAX or GNU long-name record accepted: real ones are a few hundred bytes. */
const MAX_META = 1024 * 1024;
const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'directory', '6': 'fifo',
};
/** Go's archive/tar (what image tools use) reads no data after these headers, whatever their size says. */
const HEADER_ONLY = new Set<TarEntryType>(['link', 'symlink', 'char', 'block', 'directory', 'fifo']);

/** A ByteSource over a stream of chunks. */
export class StreamSource implements ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  private pos = 0;

  constructor(input: AsyncIterable<Uint8Array>) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  get position(): number {
    return this.pos;
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    if (chunk.length) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    return true;
  }

  /** Up to `max` bytes of what is buffered (filling when empty); undefined at the end. */
  private async take(max: number): Promise<Buffer | undefined> {
    while (this.pendingBytes === 0) if (!(await this.fill())) return undefined;
    const first = this.pending[0]!;
    let out: Buffer;
    if (first.length <= max) {
      this.pending.shift();
      out = first;
    } else {
      out = first.subarray(0, max);
      this.pending[0] = first.subarray(max);
    }
    this.pendingBytes -= out.length;
    this.pos += out.length;
    return out;
  }

  async read(n: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.take(n - got);
      if (!part) {
        if (got === 0) return undefined;
        throw truncated();
      }
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.chunks(n)) void _;
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      const part = await this.take(left);
      if (!part) throw truncated();
      left -= part.length;
      yield part;
    }
  }

  /** Stops the underlying stream (the archive ended before the input did, or the reader gave up). */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/** A ByteSource over an open file: random access, so skipping an entry's data costs nothing. */
export class FileSource implements ByteSource {
  private pos = 0;

  constructor(private readonly file: FileHandle, private readonly size: number, private readonly pieceSize = 64 * 1024) {}

  get position(): number {
    return this.pos;
  }

  private async readAt(position: number, n: number): Promise<Buffer> {
    const buffer = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.file.read(buffer, got, n - got, position + got);
      if (bytesRead === 0) throw truncated();
      got += bytesRead;
    }
    return buffer;
  }

  async read(n: number): Promise<Buffer | undefined> {
    if (this.pos >= this.size) return undefined;
    if (this.pos + n > this.size) throw truncated();
    const out = await this.readAt(this.pos, n);
    this.pos += n;
    return out;
  }

  async skip(n: number): Promise<void> {
    if (this.pos + n > this.size) throw truncated();
    this.pos += n;
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    if (this.pos + n > this.size) throw truncated();
    let left = n;
    while (left > 0) {
      const length = Math.min(left, this.pieceSize);
      const piece = await this.readAt(this.pos, length);
      this.pos += length;
      left -= length;
      yield piece;
    }
  }
}

const MAPPED_PAX = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname', 'mtime', 'atime', 'ctime']);
async function readMeta(source: ByteSource, size: number, what: string): Promise<Buffer> {
  if (size > MAX_META) throw corrupt(`${what} too large (${size} bytes)`);
  const data = size === 0 ? Buffer.alloc(0) : await source.read(size);
  if (!data) throw truncated();
  await source.skip(padding(size));
  return data;
}

/**
 * The entries of an archive, in order. Each entry's body must be read, or
 * left alone, before the next entry is asked for: the reader skips whatever
 * was not read. Ends at the end-of-archive block (or a clean end of input).
 */
export async function* readTar(input: ByteSource | AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const source: ByteSource = 'read' in input && 'skip' in input ? input : new StreamSource(input);
  let pax: Record<string, string> = {};
  let global: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await source.read(BLOCK);
    if (!block || isZeroBlock(block)) return;
    const raw = parseHeader(block);
    const records = { ...global, ...pax };
    const size = paxNumber(records.size, 'size') ?? raw.size;
    if (raw.typeflag === 'x' || raw.typeflag === 'g') {
      const parsed = parsePax(await readMeta(source, raw.size, 'PAX header'));
      if (raw.typeflag === 'x') pax = { ...pax, ...parsed };
      else global = { ...global, ...parsed };
      continue;
    }
    if (raw.typeflag === 'L' || raw.typeflag === 'K') {
      const data = await readMeta(source, raw.size, 'GNU long name');
      const end = data.indexOf(0);
      const text = data.subarray(0, end < 0 ? data.length : end).toString('utf8');
      if (raw.typeflag === 'L') longName = text;
      else longLink = text;
      continue;
    }
    const type = TYPES[raw.typeflag] ?? 'other';
    const dataSize = HEADER_ONLY.has(type) ? 0 : size;
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(records)) if (!MAPPED_PAX.has(k)) extra[k] = v;
    const linkname = records.linkpath ?? longLink ?? raw.linkname;
    const header: TarHeader = {
      name: records.path ?? longName ?? raw.name,
      type,
      typeflag: raw.typeflag,
      size: dataSize,
      mode: raw.mode & 0o7777,
      uid: paxNumber(records.uid, 'uid') ?? raw.uid,
      gid: paxNumber(records.gid, 'gid') ?? raw.gid,
      mtime: paxNumber(records.mtime, 'mtime') ?? raw.mtime,
      ...(records.uname ?? raw.uname ? { uname: records.uname ?? raw.uname } : {}),
      ...(records.gname ?? raw.gname ? { gname: records.gname ?? raw.gname } : {}),
      ...(linkname ? { linkname } : {}),
      ...(type === 'char' || type === 'block' ? { devmajor: raw.devmajor, devminor: raw.devminor } : {}),
      ...(Object.keys(extra).length ? { pax: extra } : {}),
    };
    pax = {};
    longName = undefined;
    longLink = undefined;

    const offset = source.position;
    let consumed = 0;
    let started = false;
    // `consumed` counts what the consumer took, so a body it stopped reading midway is skipped from there.
    const body: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => {
        if (started) throw new RegistryError('internal', 'a tar entry body can be read once', {});
        started = true;
        return (async function* () {
          for await (const chunk of source.chunks(dataSize)) {
            consumed += chunk.length;
            yield chunk;
          }
        })();
      },
    };
    yield { header, offset, body };
    // Whatever the consumer did not read is skipped (a partly read body resumes where it stopped).
    await source.skip(dataSize - consumed + padding(dataSize));
  }
}

/** Every entry of an uncompressed tar file with the position of its data, read without touching the data. */
export async function indexTarFile(path: string): Promise<Array<{ header: TarHeader; offset: number }>> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const entries: Array<{ header: TarHeader; offset: number }> = [];
    for await (const entry of readTar(new FileSource(file, size))) entries.push({ header: entry.header, offset: entry.offset });
    return entries;
  } finally {
    await file.close();
  }
}
