/**
 * The streaming tar reader and writer: round trips (long names through the
 * ustar prefix and PAX, long link targets, large ids, xattrs), GNU tar reading
 * what we write and us reading what GNU tar writes (GNU long names, PAX),
 * input in tiny chunks, skipped and half-read bodies, positional indexing of a
 * file, and corrupt or truncated archives refused.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import { tar as demoTar } from '../../electron/demo/images';
import { encodeHeader, paxRecord, parseHeader, parsePax, type TarHeader } from '../../electron/registry/archive/tar-header';
import { indexTarFile, readTar } from '../../electron/registry/archive/tar-reader';
import { TarWriter } from '../../electron/registry/archive/tar-writer';

const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regdesk-tar-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

type Item = { header: TarHeader; body?: Buffer };

async function write(items: Item[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const writer = new TarWriter(out);
  for (const item of items) await writer.add(item.header, item.body);
  await writer.finish();
  return Buffer.concat(chunks);
}

async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(input: AsyncIterable<Uint8Array>): Promise<Array<{ header: TarHeader; body: Buffer }>> {
  const out: Array<{ header: TarHeader; body: Buffer }> = [];
  for await (const entry of readTar(input)) {
    const chunks: Buffer[] = [];
    for await (const c of entry.body) chunks.push(c);
    out.push({ header: entry.header, body: Buffer.concat(chunks) });
  }
  return out;
}

const LONG_DIR = `${'d'.repeat(90)}/${'e'.repeat(50)}`; // 141 bytes: fits the ustar prefix
const LONG_NAME = `${LONG_DIR}/${'f'.repeat(60)}.txt`;
const HUGE_NAME = `${'a/'.repeat(150)}${'z'.repeat(120)}`; // 420 bytes: PAX only
const LONG_TARGET = `../${'t'.repeat(150)}/target`;

const ITEMS: Item[] = [
  { header: { name: 'dir/', type: 'directory', size: 0, mode: 0o755, mtime: 1_700_000_000 } },
  { header: { name: 'dir/hello.txt', type: 'file', size: 6, mode: 0o640, uid: 1000, gid: 1000, uname: 'me', gname: 'us', mtime: 1_700_000_001 }, body: Buffer.from('hello\n') },
  { header: { name: 'dir/empty', type: 'file', size: 0, mode: 0o600 }, body: Buffer.alloc(0) },
  { header: { name: 'dir/block-exact', type: 'file', size: 512 }, body: Buffer.alloc(512, 7) },
  { header: { name: LONG_NAME, type: 'file', size: 3 }, body: Buffer.from('abc') },
  { header: { name: HUGE_NAME, type: 'file', size: 1000 }, body: Buffer.alloc(1000, 1) },
  { header: { name: 'dir/link', type: 'symlink', size: 0, linkname: LONG_TARGET } },
  { header: { name: 'dir/hard', type: 'link', size: 0, linkname: 'dir/hello.txt' } },
  { header: { name: 'dir/ünïcødé-名前', type: 'file', size: 2 }, body: Buffer.from('ok') },
  { header: { name: 'dir/big-ids', type: 'file', size: 1, uid: 0o7777777 + 1, gid: 123_456_789, mtime: 0o77777777777 + 5 }, body: Buffer.from('x') },
  { header: { name: 'dir/xattr', type: 'file', size: 1, pax: { 'SCHILY.xattr.security.capability': 'cap' } }, body: Buffer.from('y') },
  { header: { name: 'dir/fifo', type: 'fifo', size: 0 } },
  { header: { name: 'dir/null', type: 'char', size: 0, devmajor: 1, devminor: 3 } },
];

describe('round trip', () => {
  it('reads back exactly what it wrote, in one chunk and in tiny ones', async () => {
    const bytes = await write(ITEMS);
    expect(bytes.length % 512).toBe(0);
    for (const size of [bytes.length, 1, 7, 511, 513]) {
      const entries = await readAll(pieces(bytes, size));
      expect(entries.map((e) => e.header.name)).toEqual(ITEMS.map((i) => i.header.name));
      for (const [i, item] of ITEMS.entries()) {
        const got = entries[i]!;
        expect(got.header.type).toBe(item.header.type);
        expect(got.header.size).toBe(item.header.type === 'file' ? item.header.size : 0);
        expect(got.body.equals(item.body ?? Buffer.alloc(0))).toBe(true);
        if (item.header.linkname) expect(got.header.linkname).toBe(item.header.linkname);
      }
    }
    const entries = await readAll(pieces(bytes, 64));
    expect(entries[1]!.header).toMatchObject({ mode: 0o640, uid: 1000, gid: 1000, uname: 'me', gname: 'us', mtime: 1_700_000_001 });
    expect(entries[9]!.header).toMatchObject({ uid: 0o7777777 + 1, gid: 123_456_789, mtime: 0o77777777777 + 5 });
    expect(entries[10]!.header.pax).toEqual({ 'SCHILY.xattr.security.capability': 'cap' });
    expect(entries[12]!.header).toMatchObject({ type: 'char', devmajor: 1, devminor: 3 });
  });

  it('uses the ustar prefix when it can and PAX only when it must', async () => {
    const prefixed = encodeHeader({ name: LONG_NAME, type: 'file', size: 0 });
    expect(prefixed.length).toBe(512);
    expect(parseHeader(prefixed).name).toBe(LONG_NAME);
    const pax = encodeHeader({ name: HUGE_NAME, type: 'file', size: 0 });
    expect(pax.length).toBe(512 * 3);
    expect(String.fromCharCode(pax[156]!)).toBe('x');
  });

  it('GNU tar lists and extracts what it writes', async () => {
    const file = join(dir, 'ours.tar');
    await writeFile(file, await write(ITEMS.filter((i) => i.header.type !== 'char' && i.header.type !== 'fifo' && i.header.type !== 'symlink')));
    const { stdout } = await run('tar', ['-tf', file]);
    expect(stdout.trim().split('\n')).toEqual(ITEMS.filter((i) => !['char', 'fifo', 'symlink'].includes(i.header.type)).map((i) => i.header.name));
    const out = join(dir, 'extracted');
    await mkdir(out);
    await run('tar', ['-xf', file, '-C', out]);
    expect(await readFile(join(out, HUGE_NAME))).toEqual(Buffer.alloc(1000, 1));
    expect((await readFile(join(out, LONG_NAME))).toString()).toBe('abc');
    expect((await readFile(join(out, 'dir/hard'))).toString()).toBe('hello\n');
  });

  it('reads what GNU tar writes, in gnu and pax formats', async () => {
    const src = join(dir, 'src');
    await mkdir(join(src, LONG_DIR), { recursive: true });
    await writeFile(join(src, LONG_NAME), 'long');
    await writeFile(join(src, 'short'), 'short');
    await symlink(LONG_TARGET, join(src, 'link'));
    for (const format of ['gnu', 'pax', 'ustar']) {
      const file = join(dir, `gnu-${format}.tar`);
      if (format === 'ustar') await run('tar', ['-cf', file, `--format=${format}`, '-C', src, 'short', LONG_NAME]);
      else await run('tar', ['-cf', file, `--format=${format}`, '-C', src, 'short', 'link', LONG_NAME]);
      const entries = await readAll(pieces(await readFile(file), 100));
      const byName = new Map(entries.map((e) => [e.header.name, e]));
      expect(byName.get('short')?.body.toString()).toBe('short');
      expect(byName.get(LONG_NAME)?.body.toString()).toBe('long');
      if (format !== 'ustar') expect(byName.get('link')?.header).toMatchObject({ type: 'symlink', linkname: LONG_TARGET });
    }
  });

  it('reads hostile names verbatim (deciding what is safe is the caller’s job)', async () => {
    const bytes = demoTar([
      { type: 'file', name: '../escape', content: 'x' },
      { type: 'file', name: '/abs/path', content: 'y' },
      { type: 'symlink', name: 'evil', target: '/etc' },
      { type: 'hardlink', name: 'hl', target: '../outside' },
    ]);
    const entries = await readAll(pieces(bytes, 4096));
    expect(entries.map((e) => [e.header.name, e.header.type, e.header.linkname ?? ''])).toEqual([
      ['../escape', 'file', ''],
      ['/abs/path', 'file', ''],
      ['evil', 'symlink', '/etc'],
      ['hl', 'link', '../outside'],
    ]);
  });
});

describe('bodies', () => {
  it('skips bodies that were not read, and the rest of half-read ones', async () => {
    const big = Buffer.alloc(100_000, 9);
    const bytes = await write([
      { header: { name: 'a', type: 'file', size: big.length }, body: big },
      { header: { name: 'b', type: 'file', size: big.length }, body: big },
      { header: { name: 'c', type: 'file', size: 3 }, body: Buffer.from('end') },
    ]);
    const names: string[] = [];
    let last = '';
    for await (const entry of readTar(pieces(bytes, 1000))) {
      names.push(entry.header.name);
      if (entry.header.name === 'b') {
        for await (const chunk of entry.body) {
          expect(chunk[0]).toBe(9);
          break; // stop after one chunk
        }
      }
      if (entry.header.name === 'c') for await (const chunk of entry.body) last += chunk.toString();
    }
    expect(names).toEqual(['a', 'b', 'c']);
    expect(last).toBe('end');
  });

  it('indexes a tar file by position without reading the data', async () => {
    const file = join(dir, 'indexed.tar');
    await writeFile(file, await write(ITEMS));
    const index = await indexTarFile(file);
    const bytes = await readFile(file);
    const hello = index.find((e) => e.header.name === 'dir/hello.txt')!;
    expect(bytes.subarray(hello.offset, hello.offset + 6).toString()).toBe('hello\n');
    const huge = index.find((e) => e.header.name === HUGE_NAME)!;
    expect(bytes.subarray(huge.offset, huge.offset + 1000).equals(Buffer.alloc(1000, 1))).toBe(true);
    expect(index.map((e) => e.header.name)).toEqual(ITEMS.map((i) => i.header.name));
  });

  it('refuses a body that does not match its header size', async () => {
    const out = new PassThrough();
    out.resume();
    const writer = new TarWriter(out);
    await expect(writer.add({ name: 'x', type: 'file', size: 5 }, Buffer.from('four'))).rejects.toThrow(/bytes/);
    const writer2 = new TarWriter(new PassThrough().resume());
    await expect(writer2.add({ name: 'y', type: 'file', size: 2 }, pieces(Buffer.from('three'), 1))).rejects.toThrow(/longer/);
  });
});

describe('corrupt archives', () => {
  it('refuses a header whose checksum does not match', async () => {
    const bytes = await write([{ header: { name: 'a', type: 'file', size: 1 }, body: Buffer.from('a') }]);
    bytes[0] = 'b'.charCodeAt(0);
    const err = await readAll(pieces(bytes, 512)).catch((e: unknown) => e);
    expect(isRegistryError(err, 'protocol')).toBe(true);
    expect((err as Error).message).toMatch(/checksum/);
  });

  it('refuses an archive cut in the middle of an entry', async () => {
    const bytes = await write([{ header: { name: 'a', type: 'file', size: 2000 }, body: Buffer.alloc(2000) }]);
    const err = await readAll(pieces(bytes.subarray(0, 1500), 100)).catch((e: unknown) => e);
    expect(isRegistryError(err, 'protocol')).toBe(true);
    expect((err as Error).message).toMatch(/ends in the middle/);
  });

  it('stops at the end-of-archive blocks, ignoring what follows', async () => {
    const bytes = await write([{ header: { name: 'a', type: 'file', size: 1 }, body: Buffer.from('a') }]);
    const entries = await readAll(pieces(Buffer.concat([bytes, Buffer.from('trailing garbage')]), 512));
    expect(entries.map((e) => e.header.name)).toEqual(['a']);
  });
});

describe('fields', () => {
  it('reads GNU base-256 sizes', () => {
    const block = encodeHeader({ name: 'b256', type: 'file', size: 0 });
    block.fill(0, 124, 136);
    block[124] = 0x80;
    block.writeUInt32BE(123_456, 132);
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of block) sum += b;
    block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    expect(parseHeader(block).size).toBe(123_456);
  });

  it('writes PAX record lengths right across digit boundaries', () => {
    for (let n = 1; n < 1100; n++) {
      const record = paxRecord('path', 'x'.repeat(n));
      const length = Number(record.slice(0, record.indexOf(' ')));
      expect(Buffer.byteLength(record)).toBe(length);
      expect(parsePax(Buffer.from(record))).toEqual({ path: 'x'.repeat(n) });
    }
  });

  it('refuses malformed PAX records', () => {
    expect(() => parsePax(Buffer.from('99 path=x\n'))).toThrow(/PAX/);
    expect(() => parsePax(Buffer.from('abc path=x\n'))).toThrow(/PAX/);
    expect(() => parsePax(Buffer.from('11 pathx\n'))).toThrow(/PAX/);
  });
});
