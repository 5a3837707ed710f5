/**
 * Flattening an image into one tar: layers in order, whiteouts (plain and
 * opaque), replacements and hardlinks, and hostile layers whose escaping
 * entries (`..`, symlinks and hardlinks out of the root, writes through an
 * earlier symlink) are refused and never written; absolute names are taken
 * from the image's root, as a container runtime does. The output is checked
 * with our tar reader and with GNU tar, extracted into a folder whose parent
 * must hold nothing else afterwards.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import { parseArgs } from '../../electron/cli/args';
import { extractCommand } from '../../electron/cli/commands/layout';
import { createContext, GLOBAL_FLAGS } from '../../electron/cli/context';
import { RegistryClient } from '../../electron/registry/client';
import { extractImage } from '../../electron/registry/archive/extract';
import type { TarHeader } from '../../electron/registry/archive/tar-header';
import { readTar } from '../../electron/registry/archive/tar-reader';
import { TarWriter } from '../../electron/registry/archive/tar-writer';
import { pushImage } from '../rig/fixtures';
import { buildImage, MT } from '../rig/images';
import { rawImage } from '../rig/raw-image';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { tar, type TarEntry } from '../rig/tar';

const run = promisify(execFile);
const rig = inject('rig');
const multi = rig.fixtures.multi;

let registry: RigRegistry;
let client: RegistryClient;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });
  work = await mkdtemp(join(tmpdir(), 'regdesk-extract-test-'));
});
afterAll(async () => {
  await client.close();
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});

interface Listed {
  name: string;
  type: TarHeader['type'];
  linkname?: string;
  content?: string;
}

async function list(file: string): Promise<Listed[]> {
  const { createReadStream } = await import('node:fs');
  const out: Listed[] = [];
  for await (const entry of readTar(createReadStream(file))) {
    const chunks: Buffer[] = [];
    for await (const c of entry.body) chunks.push(c);
    out.push({
      name: entry.header.name,
      type: entry.header.type,
      ...(entry.header.linkname !== undefined ? { linkname: entry.header.linkname } : {}),
      ...(entry.header.type === 'file' ? { content: Buffer.concat(chunks).toString() } : {}),
    });
  }
  return out;
}

/** No absolute name, no `..` component. */
function expectContained(entries: Listed[]): void {
  for (const e of entries) {
    expect(e.name.startsWith('/')).toBe(false);
    expect(e.name.split('/')).not.toContain('..');
    if (e.type === 'link') expect(e.linkname!.split('/')).not.toContain('..');
  }
}

const image = (repo: string, tag = 'v1') => ({ registry: registry.host, repository: repo, reference: tag });

describe('hostile layers', () => {
  const layer1: TarEntry[] = [
    { type: 'dir', name: 'etc/' },
    { type: 'file', name: 'etc/hostname', content: 'old-host\n' },
    { type: 'hardlink', name: 'etc/hostname-link', target: 'etc/hostname' },
    { type: 'file', name: '../escape', content: 'escaped\n' },
    { type: 'file', name: '/abs/path', content: 'absolute\n' },
    { type: 'file', name: 'a/../../x', content: 'climbs\n' },
    { type: 'symlink', name: 'evil', target: '/etc' },
    { type: 'symlink', name: 'up', target: '../../etc/shadow' },
    { type: 'symlink', name: 'etc/rel', target: '../abs/path' },
    { type: 'hardlink', name: 'hl', target: '../outside' },
    { type: 'file', name: 'removed', content: 'gone\n' },
    { type: 'dir', name: 'removed-dir/' },
    { type: 'file', name: 'removed-dir/inner', content: 'gone too\n' },
    { type: 'dir', name: 'opaque/' },
    { type: 'file', name: 'opaque/old', content: 'old\n' },
    { type: 'file', name: 'opaque/sub/old2', content: 'old2\n' },
    { type: 'file', name: 'keep/me', content: 'kept\n' },
    { type: 'hardlink', name: 'keep/me-too', target: 'keep/me' },
    { type: 'file', name: './dot/slash', content: 'dot\n' },
  ];
  const layer2: TarEntry[] = [
    { type: 'file', name: 'evil/passwd', content: 'root::0:0::/:/bin/sh\n' },
    { type: 'hardlink', name: 'evil/link', target: 'etc/hostname' },
    { type: 'hardlink', name: 'steal', target: 'evil/passwd' },
    { type: 'file', name: '.wh.removed', content: '' },
    { type: 'file', name: '.wh.removed-dir', content: '' },
    { type: 'file', name: '.wh...', content: '' },
    { type: 'file', name: 'opaque/.wh..wh..opq', content: '' },
    { type: 'file', name: 'opaque/new', content: 'new\n' },
    { type: 'file', name: 'etc/hostname', content: 'new-host\n' },
  ];
  const layer3: TarEntry[] = [
    // A whiteout hides lower layers only: the file of its own layer stays.
    { type: 'file', name: 'same/file', content: 'same layer\n' },
    { type: 'file', name: 'same/.wh.file', content: '' },
  ];

  let folder: string;
  let out: string;
  let warnings: string[];
  beforeAll(async () => {
    await pushImage(registry, 'hostile/layers', 'v1', buildImage({ layers: [layer1, layer2, layer3] }));
    folder = await mkdtemp(join(work, 'hostile-'));
    out = join(folder, 'hostile.tar');
    const seen: string[] = [];
    const result = await extractImage(client, image('hostile/layers'), out, { onWarning: (w) => seen.push(w) });
    warnings = result.warnings;
    expect(seen).toEqual(warnings);
    expect(result).toMatchObject({ layers: 3, entries: 16, bytes: 'old-host\nabsolute\nkept\ndot\nnew\nnew-host\nsame layer\n'.length });
  });

  it('gives exactly the expected tree', async () => {
    expect(await list(out)).toEqual([
      { name: 'abs/', type: 'directory' },
      { name: 'dot/', type: 'directory' },
      { name: 'etc/', type: 'directory' },
      { name: 'etc/rel', type: 'symlink', linkname: '../abs/path' },
      { name: 'evil', type: 'symlink', linkname: '/etc' },
      { name: 'keep/', type: 'directory' },
      { name: 'opaque/', type: 'directory' },
      { name: 'same/', type: 'directory' },
      // The hardlink keeps the content of the file it linked to, replaced in layer 2 since.
      { name: 'etc/hostname-link', type: 'file', content: 'old-host\n' },
      { name: 'abs/path', type: 'file', content: 'absolute\n' },
      { name: 'keep/me', type: 'file', content: 'kept\n' },
      { name: 'keep/me-too', type: 'link', linkname: 'keep/me' },
      { name: 'dot/slash', type: 'file', content: 'dot\n' },
      { name: 'opaque/new', type: 'file', content: 'new\n' },
      { name: 'etc/hostname', type: 'file', content: 'new-host\n' },
      { name: 'same/file', type: 'file', content: 'same layer\n' },
    ]);
  });

  it('writes the archive and nothing else: no work file is left beside it', async () => {
    expect(await readdir(folder)).toEqual(['hostile.tar']);
  });

  it('contains no path that escapes the root', async () => {
    const entries = await list(out);
    expectContained(entries);
    const { stdout } = await run('tar', ['-tvf', out]);
    const names = stdout.trim().split('\n').map((line) => line.split(/\s+/).slice(5).join(' '));
    for (const name of names) {
      expect(name.startsWith('/')).toBe(false);
      expect(name).not.toMatch(/(^|\/)\.\.(\/|$| )/);
    }
    expect(names).toContain('evil -> /etc');
    expect(names.some((n) => n.startsWith('evil/'))).toBe(false);
  });

  it('extracts with GNU tar without touching anything outside the folder', async () => {
    const parent = await mkdtemp(join(work, 'gnu-'));
    const dir = join(parent, 'root');
    await mkdir(dir);
    await run('tar', ['-xf', out, '-C', dir]);
    expect((await readdir(parent)).sort()).toEqual(['root']);
    expect((await readdir(dir)).sort()).toEqual(['abs', 'dot', 'etc', 'evil', 'keep', 'opaque', 'same']);
    expect(await readlink(join(dir, 'evil'))).toBe('/etc');
    expect(await readFile(join(dir, 'etc/rel'), 'utf8')).toBe('absolute\n');
    expect(await readFile(join(dir, 'keep/me-too'), 'utf8')).toBe('kept\n');
  });

  it('reports every refused entry, naming it', () => {
    const expected: Array<[string, RegExp]> = [
      ['../escape', /climbs out of the root/],
      ['a/../../x', /climbs out of the root/],
      ['up', /symlink points outside the root/],
      ['hl', /hardlink to "\.\.\/outside", outside the root/],
      ['evil/passwd', /goes through the symlink "evil"/],
      ['evil/link', /goes through the symlink "evil"/],
      ['steal', /hardlink target goes through the symlink "evil"/],
      ['.wh...', /invalid whiteout/],
    ];
    expect(warnings).toHaveLength(expected.length);
    for (const [name, reason] of expected) {
      const line = warnings.find((w) => w.includes(`skipped ${JSON.stringify(name)}`));
      expect(line, name).toBeDefined();
      expect(line).toMatch(reason);
    }
  });
});

describe('layers', () => {
  it('applies replacements: a directory by a file, a file by a directory', async () => {
    await pushImage(registry, 'layers/replace', 'v1', buildImage({
      layers: [
        [{ type: 'dir', name: 'd/' }, { type: 'file', name: 'd/f', content: 'in d\n' }, { type: 'file', name: 'f2', content: 'file\n' }, { type: 'symlink', name: 's', target: 'd' }],
        [{ type: 'file', name: 'd', content: 'now a file\n' }, { type: 'dir', name: 'f2/' }, { type: 'file', name: 'f2/inside', content: 'inside\n' }, { type: 'dir', name: 's/' }, { type: 'file', name: 's/x', content: 'x\n' }],
      ],
    }));
    const out = join(work, 'replace.tar');
    const result = await extractImage(client, image('layers/replace'), out);
    expect(result.warnings).toEqual([]);
    expect(await list(out)).toEqual([
      { name: 'f2/', type: 'directory' },
      // A directory entry over a symlink replaces the symlink (it does not follow it).
      { name: 's/', type: 'directory' },
      { name: 'd', type: 'file', content: 'now a file\n' },
      { name: 'f2/inside', type: 'file', content: 'inside\n' },
      { name: 's/x', type: 'file', content: 'x\n' },
    ]);
  });

  it('reads plain tar layers next to gzip ones, and large files streamed', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const plain = tar([{ type: 'file', name: 'plain.txt', content: 'plain layer\n' }, { type: 'file', name: 'big.bin', content: big }]);
    const gzipped = gzipSync(tar([{ type: 'file', name: 'gz.txt', content: 'gzip layer\n' }]));
    await pushImage(registry, 'layers/mixed', 'v1', rawImage([{ bytes: plain, mediaType: MT.ociLayerGzip.replace('+gzip', '') }, { bytes: gzipped, mediaType: MT.ociLayerGzip }]));
    const out = join(work, 'mixed.tar');
    const result = await extractImage(client, image('layers/mixed'), out);
    expect(result).toMatchObject({ layers: 2, entries: 3, bytes: big.length + 'plain layer\ngzip layer\n'.length });
    const entries = await list(out);
    expect(entries.map((e) => e.name)).toEqual(['plain.txt', 'big.bin', 'gz.txt']);
    const { createReadStream } = await import('node:fs');
    for await (const entry of readTar(createReadStream(out))) {
      if (entry.header.name !== 'big.bin') continue;
      const hash = createHash('sha256');
      for await (const chunk of entry.body) hash.update(chunk);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
    }
  });

  it('refuses names longer than PATH_MAX (PAX lets a layer say anything)', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const writer = new TarWriter(out);
    const deep = `${'a/'.repeat(5000)}deep`;
    await writer.add({ name: deep, type: 'file', size: 1 }, Buffer.from('x'));
    await writer.add({ name: 'link', type: 'symlink', size: 0, linkname: 'b/'.repeat(3000) });
    await writer.add({ name: `${'c'.repeat(300)}/fine`, type: 'file', size: 2 }, Buffer.from('ok'));
    await writer.finish();
    await pushImage(registry, 'layers/long', 'v1', rawImage([{ bytes: gzipSync(Buffer.concat(chunks)), mediaType: MT.ociLayerGzip }]));
    const file = join(work, 'long.tar');
    const result = await extractImage(client, image('layers/long'), file);
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings.every((w) => w.includes('longer than 4096'))).toBe(true);
    expect((await list(file)).map((e) => e.name)).toEqual([`${'c'.repeat(300)}/`, `${'c'.repeat(300)}/fine`]);
  });

  // Layers regdesk cannot read: a typed error, and nothing at all written in the output's folder.
  const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(64, 1)]);
  for (const { name, bytes, mediaType, code, says } of [
    { name: 'a zstd layer', bytes: zstd, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', code: 'unsupported', says: /zstd/ },
    { name: 'a zstd layer disguised as gzip', bytes: zstd, mediaType: MT.ociLayerGzip, code: 'unsupported', says: /zstd/ },
    { name: 'a layer that is not a tar archive', bytes: gzipSync(Buffer.alloc(2048, 0x41)), mediaType: MT.ociLayerGzip, code: 'protocol', says: /./ },
  ] as const) {
    it(`refuses ${name}, writing nothing`, async () => {
      const repo = `layers/refused-${name.replace(/\W+/g, '-')}`;
      await pushImage(registry, repo, 'v1', rawImage([{ bytes, mediaType }]));
      const folder = await mkdtemp(join(work, 'refused-'));
      const err = await extractImage(client, image(repo), join(folder, 'out.tar')).catch((e: unknown) => e);
      expect(isRegistryError(err, code), String(err)).toBe(true);
      expect((err as Error).message).toMatch(says);
      expect(await readdir(folder)).toEqual([]);
    });
  }
});

describe('platforms', () => {
  const shared = { registry: rig.registry.host, repository: multi.repo, reference: multi.tag };

  it('extracts the platform asked for from an index', async () => {
    const out = join(work, 'arm.tar');
    const result = await extractImage(client, shared, out, { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
    expect(result.digest).toBe(multi.children[2]!.digest);
    expect(result.platform).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    const entries = await list(out);
    expect(entries.find((e) => e.name === 'etc/layer-0')?.content).toBe('linux/arm/v7 layer 0\n');
    expect(entries.filter((e) => e.type === 'file').map((e) => e.name).sort()).toEqual(['data/random-0.bin', 'data/random-1.bin', 'etc/layer-0', 'etc/layer-1']);
  });

  it('refuses a platform the index lacks, naming those it has', async () => {
    const err = await extractImage(client, shared, join(work, 'none.tar'), { platform: { os: 'linux', architecture: 's390x' } }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'not_found')).toBe(true);
    expect((err as Error).message).toContain('linux/amd64, linux/arm64/v8, linux/arm/v7');
  });

  it('extracts a single-platform Docker schema2 image', async () => {
    const out = join(work, 'schema2.tar');
    const result = await extractImage(client, { registry: rig.registry.host, repository: rig.fixtures.schema2.repo, reference: rig.fixtures.schema2.tag }, out);
    expect(result.digest).toBe(rig.fixtures.schema2.digest);
    expect((await list(out)).find((e) => e.name === 'etc/layer-1')?.content).toBe('linux/amd64 layer 1\n');
  });
});

describe('CLI command', () => {
  it('extract --json reports the result and the refused entries', async () => {
    await pushImage(registry, 'cli/hostile', 'v1', buildImage({ layers: [[{ type: 'file', name: '../x', content: 'x' }, { type: 'file', name: 'ok', content: 'ok' }]] }));
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d: Buffer) => (text += d.toString()));
    const home = join(work, 'cli-home');
    const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: { HOME: home, REGDESK_CONFIG_DIR: join(home, 'config'), DOCKER_CONFIG: join(home, 'docker') } };
    const out = join(work, 'cli.tar');
    const ctx = createContext(parseArgs([`${registry.host}/cli/hostile:v1`, out, '--json', '--platform', 'linux/amd64'], { ...GLOBAL_FLAGS, platform: { value: true } }), io, new AbortController().signal);
    try {
      expect(await extractCommand(ctx)).toBe(0);
    } finally {
      await ctx.close();
    }
    const result = JSON.parse(text);
    expect(result).toMatchObject({ source: `${registry.host}/cli/hostile:v1`, destination: out, layers: 1, entries: 1, bytes: 2 });
    expect(result.warnings).toEqual([expect.stringContaining('skipped "../x"')]);
    expect((await list(out)).map((e) => e.name)).toEqual(['ok']);
  });
});
