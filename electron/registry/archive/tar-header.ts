/**
 * Tar headers, both ways (POSIX ustar with PAX extended records, GNU long
 * names and base-256 numbers when reading): the format the reader
 * (tar-reader.ts) and the writer (tar-writer.ts) share. Names are decoded
 * exactly as the archive spells them: deciding which names are safe is the
 * caller's job.
 */
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

export function corrupt(message: string): RegistryError {
  return new RegistryError('protocol', `invalid tar archive: ${message}`, {});
}

export function truncated(): RegistryError {
  return corrupt('it ends in the middle of an entry');
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

export function isZeroBlock(block: Buffer): boolean {
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

export function paxNumber(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  // mtime may carry a fraction; other numbers are integers.
  const m = /^(-?[0-9]+)(?:\.[0-9]*)?$/.exec(value);
  if (!m) throw corrupt(`bad PAX ${what}`);
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n)) throw corrupt(`PAX ${what} too large`);
  return n;
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

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
