/**
 * A small, strict tar reader and writer (POSIX ustar with PAX extended headers,
 * and GNU long names when reading), streamed: no entry body is ever held whole
 * in memory. The reader pulls entries from a byte stream (a gunzip'd layer) or
 * indexes an uncompressed tar file by position (an OCI layout archive, whose
 * blobs are then read in place); the writer emits PAX records for what ustar
 * cannot hold (long names and link targets, sizes of 8 GiB and more, large ids).
 *
 * Entry names are returned exactly as the archive spells them: deciding which
 * names are safe is the caller's job.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { RegistryError } from '../../../shared/errors';

export const BLOCK = 512;

export type TarEntryType = 'file' | 'link' | 'symlink' | 'directory' | 'char' | 'block' | 'fifo' | 'other';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  /** The raw typeflag (`0`, `5`, `S`…); informative when `type` is `other`. */
  typeflag?: string;
  /** Bytes of data that follow the header (0 for links, directories and devices). */
  size: number;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Seconds since the epoch. */
  mtime?: number;
  /** Target of a symlink or hardlink. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** PAX records other than the ones mapped to fields above (xattrs, for instance). */
  pax?: Record<string, string>;
}

export interface TarEntry {
  header: TarHeader;
  /** Position of the entry's data in the archive. */
  offset: number;
  /** The entry's data; read it (or not) before asking for the next entry. */
  body: AsyncIterable<Buffer>;
}

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

function corrupt(message: string): RegistryError {
  return new RegistryError('protocol', `invalid tar archive: ${message}`, {});
}

function truncated(): RegistryError {
  return corrupt('it ends in the middle of an entry');
}

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

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** An octal field (NUL/space padded), or GNU base-256 when the high bit is set. */
function numeric(block: Buffer, start: number, length: number, what: string): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw corrupt(`negative ${what}`);
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + field[i]!;
      if (!Number.isSafeInteger(value)) throw corrupt(`${what} too large`);
    }
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw corrupt(`bad ${what} field`);
  const value = parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw corrupt(`${what} too large`);
  return value;
}

function checksumOk(block: Buffer): boolean {
  const stored = numeric(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

interface RawHeader {
  name: string;
  typeflag: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

/** Decodes one header block; the checksum must match. */
export function parseHeader(block: Buffer): RawHeader {
  if (block.length !== BLOCK) throw corrupt('short header');
  if (!checksumOk(block)) throw corrupt('header checksum mismatch');
  const magic = block.subarray(257, 263).toString('latin1');
  const ustar = magic === 'ustar\0';
  const gnu = magic === 'ustar ';
  let name = cString(block, 0, 100);
  // Only POSIX ustar has a prefix field; GNU keeps other data there.
  if (ustar) {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const typeflag = String.fromCharCode(block[156]!);
  return {
    name,
    typeflag,
    size: numeric(block, 124, 12, 'size'),
    mode: numeric(block, 100, 8, 'mode'),
    uid: numeric(block, 108, 8, 'uid'),
    gid: numeric(block, 116, 8, 'gid'),
    mtime: numeric(block, 136, 12, 'mtime'),
    linkname: cString(block, 157, 100),
    uname: ustar || gnu ? cString(block, 265, 32) : '',
    gname: ustar || gnu ? cString(block, 297, 32) : '',
    devmajor: ustar || gnu ? numeric(block, 329, 8, 'devmajor') : 0,
    devminor: ustar || gnu ? numeric(block, 337, 8, 'devminor') : 0,
  };
}

/** PAX records: `LEN key=value\n`, LEN counting the whole record. */
export function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // padding some writers leave
    const space = data.indexOf(0x20, pos);
    if (space < 0 || space - pos > 20) throw corrupt('bad PAX record');
    const lengthText = data.subarray(pos, space).toString('latin1');
    if (!/^[0-9]+$/.test(lengthText)) throw corrupt('bad PAX record length');
    const length = Number(lengthText);
    const end = pos + length;
    if (length <= space - pos + 1 || end > data.length || data[end - 1] !== 0x0a) throw corrupt('bad PAX record');
    const record = data.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw corrupt('bad PAX record');
    records[record.subarray(0, eq).toString('utf8')] = record.subarray(eq + 1).toString('utf8');
    pos = end;
  }
  return records;
}

function paxNumber(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  // mtime may carry a fraction; other numbers are integers.
  const m = /^(-?[0-9]+)(?:\.[0-9]*)?$/.exec(value);
  if (!m) throw corrupt(`bad PAX ${what}`);
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n)) throw corrupt(`PAX ${what} too large`);
  return n;
}

const MAPPED_PAX = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname', 'mtime', 'atime', 'ctime']);

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

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

// ---------------------------------------------------------------------------
// Writing

const MAX_OCTAL_11 = 0o77777777777;
const TYPEFLAGS: Record<TarEntryType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6', other: '0' };

function putString(block: Buffer, offset: number, length: number, value: string): boolean {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) return false;
  bytes.copy(block, offset);
  return true;
}

function putOctal(block: Buffer, offset: number, length: number, value: number): boolean {
  const text = Math.max(0, Math.floor(value)).toString(8);
  if (text.length > length - 1) return false;
  block.write(text.padStart(length - 1, '0') + '\0', offset, 'latin1');
  return true;
}

function putBase256(block: Buffer, offset: number, length: number, value: number): void {
  let v = value;
  for (let i = offset + length - 1; i > offset; i--) {
    block[i] = v % 256;
    v = Math.floor(v / 256);
  }
  block[offset] = 0x80;
}

/** `name` split into ustar prefix and name fields, or undefined when it cannot be. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { prefix: '', name };
  if (bytes > 256) return undefined;
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
    if (Buffer.byteLength(rest) > 100) return undefined;
  }
  return undefined;
}

export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let length = bodyBytes + 1;
  while (String(length).length + bodyBytes !== length) length = String(length).length + bodyBytes;
  return `${length}${body}`;
}

function encodeBlock(h: TarHeader, typeflag: string, pax: Record<string, string>): Buffer {
  const block = Buffer.alloc(BLOCK);
  const split = splitName(h.name);
  if (split) {
    putString(block, 0, 100, split.name);
    putString(block, 345, 155, split.prefix);
  } else {
    pax.path = h.name;
    putString(block, 0, 100, Buffer.from(h.name, 'utf8').subarray(0, 100).toString('latin1').replace(/[^\x20-\x7e]/g, '_'));
  }
  putOctal(block, 100, 8, (h.mode ?? (h.type === 'directory' ? 0o755 : 0o644)) & 0o7777);
  if (!putOctal(block, 108, 8, h.uid ?? 0)) {
    pax.uid = String(h.uid);
    putOctal(block, 108, 8, 0);
  }
  if (!putOctal(block, 116, 8, h.gid ?? 0)) {
    pax.gid = String(h.gid);
    putOctal(block, 116, 8, 0);
  }
  if (h.size > MAX_OCTAL_11) {
    pax.size = String(h.size);
    putBase256(block, 124, 12, h.size);
  } else putOctal(block, 124, 12, h.size);
  const mtime = Math.max(0, Math.floor(h.mtime ?? 0));
  if (!putOctal(block, 136, 12, mtime)) {
    pax.mtime = String(mtime);
    putOctal(block, 136, 12, 0);
  }
  block.write(typeflag, 156, 'latin1');
  if (h.linkname !== undefined && !putString(block, 157, 100, h.linkname)) pax.linkpath = h.linkname;
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  if (h.uname !== undefined && !putString(block, 265, 32, h.uname)) pax.uname = h.uname;
  if (h.gname !== undefined && !putString(block, 297, 32, h.gname)) pax.gname = h.gname;
  if (h.devmajor !== undefined || h.devminor !== undefined) {
    if (!putOctal(block, 329, 8, h.devmajor ?? 0) || !putOctal(block, 337, 8, h.devminor ?? 0)) throw new RegistryError('internal', `device numbers of ${h.name} too large for tar`, {});
  }
  return block;
}

function sealChecksum(block: Buffer): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return block;
}

/** The header blocks for one entry: a PAX header first when ustar cannot hold everything. */
export function encodeHeader(h: TarHeader): Buffer {
  if (!Number.isSafeInteger(h.size) || h.size < 0) throw new RegistryError('internal', `invalid tar entry size for ${h.name}`, {});
  const pax: Record<string, string> = { ...(h.pax ?? {}) };
  const main = sealChecksum(encodeBlock(h, TYPEFLAGS[h.type], pax));
  const keys = Object.keys(pax);
  if (keys.length === 0) return main;
  const records = Buffer.from(keys.map((k) => paxRecord(k, pax[k]!)).join(''), 'utf8');
  const base = h.name.replace(/\/+$/, '').split('/').pop() ?? '';
  const paxName = `PaxHeaders.0/${Buffer.from(base, 'utf8').subarray(0, 80).toString('latin1').replace(/[^\x20-\x7e]/g, '_')}`;
  const paxHeader = sealChecksum(encodeBlock({ name: paxName, type: 'file', size: records.length, mode: 0o644, mtime: h.mtime ?? 0 }, 'x', {}));
  return Buffer.concat([paxHeader, records, Buffer.alloc(padding(records.length)), main]);
}

/**
 * Writes entries to a stream with backpressure. A body must have exactly the
 * size the header says, or the entry fails (and the archive with it).
 */
export class TarWriter {
  private written = 0;
  private finished = false;
  private failure: Error | undefined;

  constructor(private readonly out: Writable) {
    // Kept, not thrown from an event: the next write (or finish) reports it.
    out.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  get bytesWritten(): number {
    return this.written;
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.out.destroyed) throw new RegistryError('internal', 'the tar output was closed', {});
  }

  private async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.check();
    this.written += chunk.length;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolveDrain) => {
        const done = (): void => {
          this.out.off('drain', done);
          this.out.off('close', done);
          this.out.off('error', done);
          resolveDrain();
        };
        this.out.once('drain', done);
        this.out.once('close', done);
        this.out.once('error', done);
      });
      this.check();
    }
  }

  async add(header: TarHeader, body?: Buffer | AsyncIterable<Uint8Array>): Promise<void> {
    if (this.finished) throw new RegistryError('internal', 'tar archive already finished', {});
    const size = header.type === 'file' ? header.size : 0;
    await this.write(encodeHeader({ ...header, size }));
    let count = 0;
    if (body !== undefined) {
      if (Buffer.isBuffer(body)) {
        count = body.length;
        if (count !== size) throw new RegistryError('internal', `tar entry ${header.name}: ${count} bytes for a ${size}-byte header`, {});
        await this.write(body);
      } else {
        for await (const piece of body) {
          const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
          count += chunk.length;
          if (count > size) throw new RegistryError('internal', `tar entry ${header.name} is longer than its ${size}-byte header`, {});
          await this.write(chunk);
        }
      }
    }
    if (count !== size) throw new RegistryError('internal', `tar entry ${header.name} has ${count} bytes, its header says ${size}`, {});
    await this.write(Buffer.alloc(padding(size)));
  }

  /** The end-of-archive blocks; resolves once the stream has flushed. */
  async finish(): Promise<void> {
    this.finished = true;
    await this.write(Buffer.alloc(BLOCK * 2));
    this.check();
    this.out.end();
    await finished(this.out);
    if (this.failure) throw this.failure;
  }
}
