/**
 * `regdesk extract` (the built CLI) against layers made to exhaust it: a gzip
 * bomb (1 GiB of zeros in a few MB) and an entry-count bomb (20,000 entries).
 * The limits (--max-size, extract.maxBytes and extract.maxEntries in the
 * settings file) are checked while the layers stream: the extract stops with a
 * clear error and leaves no file. Each bomb's gzip stream is cut short at its
 * very end, so an extract that read it to the end would fail there instead, on
 * a broken archive: the limit's error proves it stopped before.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatByteSize } from '../../shared/byte-size';
import { DEFAULT_EXTRACT_MAX_BYTES, DEFAULT_EXTRACT_MAX_ENTRIES } from '../../electron/registry/archive/extract-limits';
import { TarWriter } from '../../electron/registry/archive/tar-writer';
import { defaultSettings } from '../../electron/settings/schema';
import { cli, cliEnv, type CliResult } from '../helpers/cli';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage } from '../rig/fixtures';
import { MT } from '../rig/images';
import { rawImage } from '../rig/raw-image';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { tar } from '../rig/tar';

let registry: RigRegistry;
let proxy: FaultProxy;
let work: string;

/**
 * A gzip'd tar written entry by entry (nothing held whole but the compressed bytes), with no end-of-archive
 * blocks and its gzip trailer cut off: a reader finds out only by inflating everything.
 */
async function cutGzipTar(write: (writer: TarWriter) => Promise<void>): Promise<Buffer> {
  const gzip = createGzip({ level: 1 });
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => gzip.on('end', resolve));
  const writer = new TarWriter(gzip);
  await write(writer);
  gzip.end();
  await ended;
  const whole = Buffer.concat(chunks);
  // The last 8 bytes are the CRC and length: without them, gunzip fails only once it has inflated everything.
  return whole.subarray(0, whole.length - 8);
}

const GiB = 1024 ** 3;

/** One file of 1 GiB of zeros. */
const zeroBomb = () => cutGzipTar(async (writer) => {
  const zeros = Buffer.alloc(1024 * 1024);
  await writer.add({ name: 'zeros.bin', type: 'file', size: GiB, mode: 0o644 }, (async function* () {
    for (let i = 0; i < GiB / zeros.length; i++) yield zeros;
  })());
});

/** 20,000 empty files. */
const entryBomb = () => cutGzipTar(async (writer) => {
  for (let i = 0; i < 20_000; i++) await writer.add({ name: `f/${i}`, type: 'file', size: 0, mode: 0o644 }, Buffer.alloc(0));
});

/** A plain layer whose unpacked (tar) size is known exactly. */
const smallTar = tar([{ type: 'file', name: 'hello.txt', content: 'hello\n' }, { type: 'file', name: 'data.bin', content: Buffer.alloc(10_000, 7) }]);
const smallLayer = gzipSync(smallTar);

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
  work = await mkdtemp(join(tmpdir(), 'regdesk-extract-limits-'));
  await pushImage(registry, 'bombs/zeros', 'v1', rawImage([{ bytes: await zeroBomb(), mediaType: MT.ociLayerGzip }]));
  await pushImage(registry, 'bombs/entries', 'v1', rawImage([{ bytes: await entryBomb(), mediaType: MT.ociLayerGzip }]));
  await pushImage(registry, 'small/image', 'v1', rawImage([{ bytes: smallLayer, mediaType: MT.ociLayerGzip }]));
}, 180_000);
afterAll(async () => {
  await proxy.close();
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});
afterEach(() => proxy.clear());

/** Runs extract into a fresh folder, with settings when given; returns the result and what the folder holds afterwards. */
async function extract(image: string, flags: string[] = [], settings?: Record<string, unknown>): Promise<CliResult & { left: string[] }> {
  const folder = await mkdtemp(join(work, 'out-'));
  const env = cliEnv();
  if (settings) {
    await mkdir(env.REGDESK_CONFIG_DIR!, { recursive: true });
    await writeFile(join(env.REGDESK_CONFIG_DIR!, 'settings.json'), JSON.stringify({ version: 1, ...settings }));
  }
  const result = await cli(['extract', image, join(folder, 'out.tar'), ...flags], { env });
  return { ...result, left: await readdir(folder) };
}

describe('a gzip bomb', () => {
  it('stops at --max-size with a clear error, and leaves no file', async () => {
    const r = await extract(`${registry.host}/bombs/zeros:v1`, ['--max-size', '100MiB']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^regdesk: layer 1 \(sha256:[0-9a-f]{64}\): the image unpacks to more than the extract limit of 100 MiB; nothing was written$/m);
    expect(r.stderr).toMatch(/^hint: .*--max-size .*extract\.maxBytes/m);
    expect(r.left).toEqual([]);
  });

  it('stops at extract.maxBytes from the settings file', async () => {
    const r = await extract(`${registry.host}/bombs/zeros:v1`, [], { extract: { maxBytes: 50_000_000 } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('the image unpacks to more than the extract limit of 50 MB');
    expect(r.left).toEqual([]);
  });

  it('with the limit above it, is read to its cut end (so the limit is what stopped it before)', async () => {
    const r = await extract(`${registry.host}/bombs/zeros:v1`, ['--max-size', '2GiB']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/unexpected end of file/);
    expect(r.stderr).not.toContain('extract limit');
    expect(r.left).toEqual([]);
  });
});

describe('an entry-count bomb', () => {
  it('stops at extract.maxEntries from the settings file, and leaves no file', async () => {
    const r = await extract(`${registry.host}/bombs/entries:v1`, [], { extract: { maxEntries: 1000 } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^regdesk: layer 1: the image holds more than 1000 entries, the extract limit; nothing was written$/m);
    expect(r.stderr).toMatch(/^hint: .*extract\.maxEntries/m);
    expect(r.left).toEqual([]);
  });

  it('with the limit above it, is read to its cut end', async () => {
    const r = await extract(`${registry.host}/bombs/entries:v1`, [], { extract: { maxEntries: 100_000 } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/unexpected end of file/);
    expect(r.left).toEqual([]);
  });
});

describe('--max-size', () => {
  it('is exact: an image that unpacks to SIZE extracts, one byte less is refused', async () => {
    const fits = await extract(`${registry.host}/small/image:v1`, ['--max-size', String(smallTar.length)]);
    expect(fits.code, fits.stderr).toBe(0);
    expect(fits.left).toEqual(['out.tar']);
    const over = await extract(`${registry.host}/small/image:v1`, ['--max-size', String(smallTar.length - 1)]);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain(`the image unpacks to more than the extract limit of ${formatByteSize(smallTar.length - 1)};`);
    expect(over.left).toEqual([]);
  });

  it('refuses layers whose compressed size is already above it, before downloading any', async () => {
    const limit = smallLayer.length - 1;
    const r = await extract(`${proxy.host}/small/image:v1`, ['--max-size', String(limit)]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`the image's layers are ${smallLayer.length} bytes compressed, more than the extract limit of ${formatByteSize(limit)};`);
    expect(proxy.requests.filter((q) => q.path.includes('/blobs/'))).toEqual([]);
    expect(r.left).toEqual([]);
  });

  for (const bad of ['12XB', '0', '1.5.2GB', '16G', 'lots']) {
    it(`"${bad}" is a usage error`, async () => {
      const r = await extract(`${registry.host}/small/image:v1`, [`--max-size=${bad}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`regdesk: --max-size ${JSON.stringify(bad)} is not a size`);
      expect(r.stderr).toMatch(/^hint: .*16GiB/m);
      expect(r.left).toEqual([]);
    });
  }
});

describe('defaults', () => {
  it('are the README\'s: 16 GiB unpacked and 5,000,000 entries, in the settings and the engine alike', () => {
    expect(DEFAULT_EXTRACT_MAX_BYTES).toBe(16 * GiB);
    expect(DEFAULT_EXTRACT_MAX_ENTRIES).toBe(5_000_000);
    expect(defaultSettings().extract).toEqual({ maxBytes: 16 * GiB, maxEntries: 5_000_000 });
  });
});
