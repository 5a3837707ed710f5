/**
 * OCI image layouts against real registries and skopeo: export → import round
 * trips with identical digests (OCI index and Docker schema2, directory and
 * .tar), skopeo reading and copying what we export, us importing what skopeo
 * exports, platform subsets, adding to an existing layout, and broken layouts
 * (corrupt, missing or hostile blobs) failing without tagging anything.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CopyProgress } from '../../shared/copy';
import { isRegistryError } from '../../shared/errors';
import { parseArgs } from '../../electron/cli/args';
import { exportCommand, importCommand } from '../../electron/cli/commands/layout';
import { createContext, GLOBAL_FLAGS } from '../../electron/cli/context';
import { RegistryClient } from '../../electron/registry/client';
import { exportImage } from '../../electron/registry/copy/layout-export';
import { REF_NAME } from '../../electron/registry/copy/layout-files';
import { importImage, listLayout } from '../../electron/registry/copy/layout-import';
import { indexTarFile } from '../../electron/registry/archive/tar-reader';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { startFaultProxy, type FaultAction, type FaultProxy } from '../rig/fault-proxy';
import type { PushedImage } from '../rig/fixtures';

const run = promisify(execFile);
const rig = inject('rig');
const sourceHost = rig.registry.host;
const { multi, schema2 } = rig.fixtures;

let dest: RigRegistry;
let client: RegistryClient;
let work: string;

beforeAll(async () => {
  dest = await startRegistry();
  client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });
  work = await mkdtemp(join(tmpdir(), 'regdesk-layout-test-'));
});
afterAll(async () => {
  await client.close();
  await dest.stop();
  await rm(work, { recursive: true, force: true });
});

const source = (image: PushedImage) => ({ registry: sourceHost, repository: image.repo, reference: image.tag });

async function expectSameImage(repository: string, reference: string, image: PushedImage): Promise<void> {
  const top = await client.getManifest({ registry: dest.host, repository, reference });
  expect(top.digest).toBe(image.digest);
  expect(top.bytes.toString('base64')).toBe(image.manifestBase64);
  for (const child of image.children) {
    const copied = await client.getManifest({ registry: dest.host, repository, reference: child.digest });
    expect(copied.bytes.toString('base64')).toBe(child.manifestBase64);
  }
  for (const digest of image.blobDigests) {
    const { stream } = await client.getBlob({ registry: dest.host, repository, digest });
    for await (const _ of stream) void _; // verified while read
  }
}

async function noTag(repository: string, tag: string): Promise<void> {
  expect(await client.headManifest({ registry: dest.host, repository, reference: tag }, { fresh: true })).toBeUndefined();
}

/** Every file under `dir`, relative, sorted. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path);
      else out.push(path);
    }
  };
  await walk('');
  return out.sort();
}

const blobFiles = (image: PushedImage): string[] =>
  [...new Set([image.digest, ...image.children.map((c) => c.digest), ...image.blobDigests])].map((d) => `blobs/sha256/${d.slice(7)}`);

describe('round trip', () => {
  for (const [name, image] of [['OCI index', multi], ['Docker schema2 image', schema2]] as const) {
    for (const form of ['directory', 'tar'] as const) {
      it(`${name} as a ${form}: export then import gives identical digests`, async () => {
        const path = join(work, `${image.repo.replace(/\//g, '-')}${form === 'tar' ? '.tar' : ''}`);
        const progress: CopyProgress[] = [];
        const exported = await exportImage(client, source(image), path, { onProgress: (p) => progress.push(p) });
        expect(exported).toMatchObject({ digest: image.digest, mediaType: image.mediaType, refName: image.tag, blobs: image.blobDigests.length, manifests: image.children.length + 1 });
        expect(progress.at(-1)?.phase).toBe('done');
        expect(progress.at(-1)?.doneBytes).toBe(image.totalBlobBytes);

        if (form === 'directory') {
          expect(await files(path)).toEqual(['index.json', 'oci-layout', ...blobFiles(image)].sort());
          expect(JSON.parse(await readFile(join(path, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
          const index = JSON.parse(await readFile(join(path, 'index.json'), 'utf8'));
          expect(index).toMatchObject({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json' });
          expect(index.manifests).toEqual([{ mediaType: image.mediaType, digest: image.digest, size: Buffer.from(image.manifestBase64, 'base64').length, annotations: { [REF_NAME]: image.tag } }]);
          expect((await readFile(join(path, 'blobs/sha256', image.digest.slice(7)))).toString('base64')).toBe(image.manifestBase64);
        } else {
          const names = (await indexTarFile(path)).map((e) => e.header.name);
          expect(names.filter((n) => !n.endsWith('/')).sort()).toEqual(['index.json', 'oci-layout', ...blobFiles(image)].sort());
          const { stdout } = await run('tar', ['-tf', path]);
          expect(stdout.trim().split('\n')).toEqual(names);
          // Nothing but the archive is left in the folder (no temporary files).
          expect((await readdir(work)).filter((n) => n.includes('.tmp'))).toEqual([]);
        }

        const repository = `roundtrip/${form}-${image.repo.replace(/\//g, '-')}`;
        const imported = await importImage(client, path, { registry: dest.host, repository });
        expect(imported).toMatchObject({ digest: image.digest, destination: `${dest.host}/${repository}:${image.tag}`, blobs: image.blobDigests.length, bytes: image.totalBlobBytes, skipped: 0 });
        await expectSameImage(repository, image.tag, image);

        // Again: everything is there already, and the local copies are still checked.
        const again = await importImage(client, path, { registry: dest.host, repository, tag: 'again' });
        expect(again).toMatchObject({ digest: image.digest, bytes: 0, skipped: image.blobDigests.length });
      });
    }
  }
});

describe('skopeo', () => {
  let multiDir: string;
  let multiTar: string;
  let schema2Dir: string;
  beforeAll(async () => {
    multiDir = join(work, 'skopeo-multi');
    multiTar = join(work, 'skopeo-multi.tar');
    schema2Dir = join(work, 'skopeo-schema2');
    await Promise.all([
      exportImage(client, source(multi), multiDir),
      exportImage(client, source(multi), multiTar),
      exportImage(client, source(schema2), schema2Dir),
    ]);
  });

  // skopeo before containers/image 5.25 finds index.json entries by ref.name only when they have OCI media types; a layout
  // holding exactly one image is read whatever its type (`oci:DIR`), which is how the Docker schema2 layout is read here.
  it('reads the exported manifests byte for byte (directory and archive)', async () => {
    for (const [ref, image] of [[`oci:${multiDir}:${multi.tag}`, multi], [`oci-archive:${multiTar}:${multi.tag}`, multi], [`oci:${schema2Dir}`, schema2]] as const) {
      const { stdout } = await run('skopeo', ['inspect', '--raw', ref], { encoding: 'buffer' });
      expect(stdout.toString('base64')).toBe(image.manifestBase64);
    }
    const { stdout } = await run('skopeo', ['inspect', '--override-arch', 'arm64', `oci:${multiDir}:${multi.tag}`]);
    expect(JSON.parse(stdout)).toMatchObject({ Architecture: 'arm64', Os: 'linux' });
  });

  it('copies the exported layouts to a registry with every digest kept', async () => {
    await run('skopeo', ['copy', '--all', '--dest-tls-verify=false', `oci:${multiDir}:${multi.tag}`, `docker://${dest.host}/skopeo/multi:v1`]);
    await expectSameImage('skopeo/multi', 'v1', multi);
    await run('skopeo', ['copy', '--all', '--dest-tls-verify=false', `oci-archive:${multiTar}:${multi.tag}`, `docker://${dest.host}/skopeo/multi-tar:v1`]);
    await expectSameImage('skopeo/multi-tar', 'v1', multi);
    await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${schema2Dir}`, `docker://${dest.host}/skopeo/schema2:v1`]);
    await expectSameImage('skopeo/schema2', 'v1', schema2);
  });

  it('imports a layout skopeo wrote', async () => {
    const dir = join(work, 'from-skopeo');
    await run('skopeo', ['copy', '--all', '--src-tls-verify=false', `docker://${sourceHost}/${multi.repo}:${multi.tag}`, `oci:${dir}:given`]);
    const imported = await importImage(client, dir, { registry: dest.host, repository: 'from/skopeo' });
    expect(imported.destination).toBe(`${dest.host}/from/skopeo:given`);
    await expectSameImage('from/skopeo', 'given', multi);
  });
});

describe('choices', () => {
  it('exports one platform as its image manifest, and a subset as a new index', async () => {
    const one = join(work, 'one-platform');
    const result = await exportImage(client, source(multi), one, { platforms: [{ os: 'linux', architecture: 'arm64' }] });
    expect(result.digest).toBe(multi.children[1]!.digest);
    expect(result.platforms).toEqual([{ os: 'linux', architecture: 'arm64', variant: 'v8' }]);
    await importImage(client, one, { registry: dest.host, repository: 'choices/one', tag: 'arm64' });
    expect((await client.headManifest({ registry: dest.host, repository: 'choices/one', reference: 'arm64' }, { fresh: true }))?.digest).toBe(multi.children[1]!.digest);

    const two = join(work, 'two-platforms.tar');
    const subset = await exportImage(client, source(multi), two, { platforms: [{ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'amd64' }] });
    expect(subset.digest).not.toBe(multi.digest);
    const imported = await importImage(client, two, { registry: dest.host, repository: 'choices/two' });
    expect(imported.digest).toBe(subset.digest);
    const index = await client.getManifest({ registry: dest.host, repository: 'choices/two', reference: multi.tag });
    const entries = (index.parsed as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
    // amd64, arm/v7 (sorted), then the attestation of amd64.
    expect(entries).toEqual([multi.children[0]!.digest, multi.children[2]!.digest, multi.children[3]!.digest]);
  });

  it('adds images to an existing layout and imports the one asked for', async () => {
    const dir = join(work, 'shared-layout');
    await exportImage(client, source(multi), dir);
    await exportImage(client, { ...source(schema2), reference: schema2.digest }, dir, { refName: 'docker-one' });
    // Exporting the same ref again replaces its entry.
    await exportImage(client, source(multi), dir);
    expect(await listLayout(dir)).toEqual([
      { digest: schema2.digest, mediaType: schema2.mediaType, size: expect.any(Number), refName: 'docker-one' },
      { digest: multi.digest, mediaType: multi.mediaType, size: expect.any(Number), refName: multi.tag },
    ]);
    const ambiguous = await importImage(client, dir, { registry: dest.host, repository: 'choices/shared' }).catch((e: unknown) => e);
    expect(isRegistryError(ambiguous, 'usage')).toBe(true);
    expect((ambiguous as Error).message).toContain('docker-one, 1.0');
    const picked = await importImage(client, dir, { registry: dest.host, repository: 'choices/shared' }, { refName: 'docker-one' });
    expect(picked).toMatchObject({ digest: schema2.digest, destination: `${dest.host}/choices/shared:docker-one` });
    const byTag = await importImage(client, dir, { registry: dest.host, repository: 'choices/shared', tag: multi.tag });
    expect(byTag.digest).toBe(multi.digest);
  });

  it('refuses to export into a folder that is not a layout', async () => {
    const dir = join(work, 'not-a-layout');
    await cp(join(work, 'one-platform'), dir, { recursive: true });
    await rm(join(dir, 'oci-layout'));
    const err = await exportImage(client, source(multi), dir).catch((e: unknown) => e);
    expect(isRegistryError(err, 'usage')).toBe(true);
  });
});

describe('broken layouts tag nothing', () => {
  let pristine: string;
  beforeAll(async () => {
    pristine = join(work, 'pristine');
    await exportImage(client, source(multi), pristine);
  });

  const copyOf = async (name: string): Promise<string> => {
    const dir = join(work, name);
    await cp(pristine, dir, { recursive: true });
    return dir;
  };
  const layerOf = (): string => {
    const child = JSON.parse(Buffer.from(multi.children[0]!.manifestBase64, 'base64').toString());
    return child.layers[0].digest as string;
  };

  it('a corrupted layer: digest_mismatch, nothing tagged', async () => {
    const dir = await copyOf('corrupt-layer');
    const path = join(dir, 'blobs/sha256', layerOf().slice(7));
    const bytes = await readFile(path);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    await writeFile(path, bytes);
    const err = await importImage(client, dir, { registry: dest.host, repository: 'broken/corrupt' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    expect((err as Error).message).toContain(layerOf());
    await noTag('broken/corrupt', multi.tag);
    expect(await client.headBlob({ registry: dest.host, repository: 'broken/corrupt', digest: layerOf() })).toBeUndefined();
  });

  it('a corrupted layer inside a .tar layout: digest_mismatch, nothing tagged', async () => {
    const file = join(work, 'corrupt.tar');
    await exportImage(client, source(multi), file);
    const entry = (await indexTarFile(file)).find((e) => e.header.name === `blobs/sha256/${layerOf().slice(7)}`)!;
    const bytes = await readFile(file);
    bytes[entry.offset + 10] = bytes[entry.offset + 10]! ^ 0xff;
    await writeFile(file, bytes);
    const err = await importImage(client, file, { registry: dest.host, repository: 'broken/corrupt-tar' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    await noTag('broken/corrupt-tar', multi.tag);
  });

  it('a corrupted blob the destination already has is still caught', async () => {
    await importImage(client, pristine, { registry: dest.host, repository: 'broken/present', tag: 'first' });
    const dir = await copyOf('corrupt-present');
    const path = join(dir, 'blobs/sha256', layerOf().slice(7));
    const bytes = await readFile(path);
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(path, bytes);
    const err = await importImage(client, dir, { registry: dest.host, repository: 'broken/present', tag: 'second' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    await noTag('broken/present', 'second');
  });

  it('a corrupted child manifest: digest_mismatch before anything is sent', async () => {
    const dir = await copyOf('corrupt-manifest');
    const path = join(dir, 'blobs/sha256', multi.children[1]!.digest.slice(7));
    await writeFile(path, (await readFile(path, 'utf8')).replace('"schemaVersion": 2', '"schemaVersion":  2'));
    const err = await importImage(client, dir, { registry: dest.host, repository: 'broken/manifest' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    await noTag('broken/manifest', multi.tag);
  });

  it('a missing blob: not_found, nothing tagged', async () => {
    const dir = await copyOf('missing-blob');
    await rm(join(dir, 'blobs/sha256', layerOf().slice(7)));
    const err = await importImage(client, dir, { registry: dest.host, repository: 'broken/missing' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'not_found')).toBe(true);
    expect((err as Error).message).toContain(`blob ${layerOf()} is missing`);
    await noTag('broken/missing', multi.tag);
  });

  it('a digest that is a path: refused before any file is opened', async () => {
    const dir = await copyOf('hostile-digest');
    await writeFile(join(work, 'outside-secret'), 'secret');
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    index.manifests[0].digest = 'sha256:../../../outside-secret';
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    const err = await importImage(client, dir, { registry: dest.host, repository: 'broken/hostile' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'protocol')).toBe(true);
    expect((err as Error).message).toContain('manifests[0].digest is not a valid digest');
    await noTag('broken/hostile', multi.tag);
  });

  it('not a layout at all', async () => {
    const dir = join(work, 'empty-dir');
    await cp(join(pristine, 'blobs'), join(dir, 'blobs'), { recursive: true });
    const err = await importImage(client, dir, { registry: dest.host, repository: 'broken/none' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'not_found')).toBe(true);
    expect((err as Error).message).toContain('no oci-layout');
  });
});

describe('export failures', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(rig.registry.url);
  });
  afterAll(() => proxy.close());
  const viaProxy = { registry: '', repository: multi.repo, reference: multi.tag };
  const layer = (): string => JSON.parse(Buffer.from(multi.children[0]!.manifestBase64, 'base64').toString()).layers[1].digest as string;

  it('altered blob bytes: digest_mismatch, and the blob never gets its name (directory)', async () => {
    proxy.clear();
    proxy.add({ method: 'GET', path: new RegExp(`/blobs/${layer()}`), action: { kind: 'corrupt', atByte: 100 } });
    const dir = join(work, 'altered');
    const err = await exportImage(client, { ...viaProxy, registry: proxy.host }, dir).catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    // The layout the export created is gone.
    expect(existsSync(dir)).toBe(false);
  });

  it('altered blob bytes in an existing layout: the blob never gets its name, index.json unchanged', async () => {
    const dir = join(work, 'altered-existing');
    await exportImage(client, source(schema2), dir);
    const before = await readFile(join(dir, 'index.json'));
    proxy.clear();
    proxy.add({ method: 'GET', path: new RegExp(`/blobs/${layer()}`), action: { kind: 'corrupt', atByte: 100 } });
    const err = await exportImage(client, { ...viaProxy, registry: proxy.host }, dir).catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    const left = await files(dir);
    expect(left).not.toContain(`blobs/sha256/${layer().slice(7)}`);
    expect(left.filter((f) => f.includes('.tmp'))).toEqual([]);
    expect((await readFile(join(dir, 'index.json'))).equals(before)).toBe(true);
  });

  it('altered blob bytes: no archive is left (tar)', async () => {
    proxy.clear();
    proxy.add({ method: 'GET', path: new RegExp(`/blobs/${layer()}`), action: { kind: 'corrupt', atByte: 100 } });
    const folder = await mkdtemp(join(work, 'altered-tar-'));
    const err = await exportImage(client, { ...viaProxy, registry: proxy.host }, join(folder, 'x.tar')).catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    expect(await readdir(folder)).toEqual([]);
  });

  // After a reset midway, the blob is asked for again with a Range: resumed only on a 206 that starts where asked,
  // else restarted from 0. `requests` lists each GET of the blob: the fault it met, and whether it asked for a Range.
  const resumes: Array<{ name: string; answer?: FaultAction; requests: Array<[string | undefined, boolean]> }> = [
    { name: 'a matching 206: resumed from where it broke', requests: [['reset', false], [undefined, true]] },
    {
      name: 'a 206 whose Content-Range starts elsewhere: refused, asked again from 0',
      answer: { kind: 'header', headers: { 'content-range': 'bytes 0-99/100' } },
      requests: [['reset', false], ['header', true], [undefined, false]],
    },
    { name: 'a 200 (the source ignores Range): the bytes already written skipped', answer: { kind: 'ignore-range' }, requests: [['reset', false], ['ignore-range', true]] },
  ];
  resumes.forEach(({ name, answer, requests }, n) => {
    it(`a connection reset midway through a blob, then ${name}; the digest is verified`, async () => {
      proxy.clear();
      const blob = new RegExp(`/blobs/${layer()}`);
      proxy.add({ method: 'GET', path: blob, action: { kind: 'reset', afterBytes: 700 }, times: 1 });
      if (answer) proxy.add({ method: 'GET', path: blob, action: answer, times: 1 });
      const file = join(work, `resumed-${n}.tar`);
      const result = await exportImage(client, { ...viaProxy, registry: proxy.host }, file);
      expect(result.digest).toBe(multi.digest);
      expect(proxy.requests.filter((r) => r.path.includes(layer())).map((r) => [r.fault, Boolean(r.headers.range)])).toEqual(requests);
      // Every blob of the archive is checked again on the way into a registry.
      const imported = await importImage(client, file, { registry: dest.host, repository: `resumed/multi-${n}` });
      expect(imported.digest).toBe(multi.digest);
      await expectSameImage(`resumed/multi-${n}`, imported.digest, multi);
    });
  });

  it('a cancelled export leaves no archive and no temporary file behind', async () => {
    const folder = await mkdtemp(join(work, 'cancel-'));
    const controller = new AbortController();
    controller.abort();
    const err = await exportImage(client, source(multi), join(folder, 'x.tar'), { signal: controller.signal }).catch((e: unknown) => e);
    expect(isRegistryError(err)).toBe(true);
    expect(await readdir(folder)).toEqual([]);
  });

  it('an unknown tag: not_found, nothing written', async () => {
    const path = join(work, 'nothing.tar');
    const err = await exportImage(client, { ...source(multi), reference: 'nope' }, path).catch((e: unknown) => e);
    expect(isRegistryError(err, 'not_found')).toBe(true);
    expect(existsSync(path)).toBe(false);
  });
});

describe('CLI commands', () => {
  const io = () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const home = join(work, 'cli-home');
    return { io: { stdout, stderr, stdin: new PassThrough(), env: { HOME: home, REGDESK_CONFIG_DIR: join(home, 'config'), DOCKER_CONFIG: join(home, 'docker') } }, out: () => out, err: () => err };
  };
  const flags = { ...GLOBAL_FLAGS, platform: { value: true }, ref: { value: true }, concurrency: { value: true } };

  it('export and import with --json results', async () => {
    const path = join(work, 'cli.tar');
    const a = io();
    const ctx = createContext(parseArgs([`${sourceHost}/${multi.repo}:${multi.tag}`, path, '--platform', 'linux/amd64,linux/arm/v7', '--json'], flags), a.io, new AbortController().signal);
    try {
      expect(await exportCommand(ctx)).toBe(0);
    } finally {
      await ctx.close();
    }
    const exported = JSON.parse(a.out());
    expect(exported).toMatchObject({ source: `${sourceHost}/${multi.repo}:${multi.tag}`, destination: path, blobs: 8, manifests: 4 });
    expect(exported.bytes).toBeGreaterThan(0);

    const b = io();
    const ctx2 = createContext(parseArgs([path, `${dest.host}/cli/imported:v2`, '--json'], flags), b.io, new AbortController().signal);
    try {
      expect(await importCommand(ctx2)).toBe(0);
    } finally {
      await ctx2.close();
    }
    expect(JSON.parse(b.out())).toMatchObject({ source: path, destination: `${dest.host}/cli/imported:v2`, digest: exported.digest, blobs: 8 });
  });

  it('refuses a digest as the import destination', async () => {
    const a = io();
    const ctx = createContext(parseArgs([work, `${dest.host}/cli/x@${multi.digest}`], flags), a.io, new AbortController().signal);
    const err = await importCommand(ctx).catch((e: unknown) => e);
    await ctx.close();
    expect(isRegistryError(err, 'usage')).toBe(true);
  });
});
