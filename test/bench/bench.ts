/**
 * Benchmarks against skopeo on real loopback registries, on equal work:
 * - layers are gzip streams with the `+gzip` media type, so skopeo copies them
 *   as they are (an uncompressed layer it would gzip: new digests, other work);
 * - both tools run with a private HOME and configuration, the same number of
 *   blobs in flight (skopeo 1.9 copies 6 at once and has no flag for it, so
 *   regdesk gets `--concurrency 6`), in alternating order, each copy into a
 *   fresh destination registry, skopeo's blob-info cache cleared first;
 * - after every copy the destination's manifest digest must equal the source's,
 *   or the benchmark fails;
 * - wall time, CPU time (user + sys) and peak RSS of the child, from GNU time,
 *   each as the median of the runs, with its ratio to skopeo's.
 * `--smoke` does one small run of each so CI keeps the benchmark working.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { RegistryClient } from '../../electron/registry/client';
import { parseReference } from '../../electron/registry/reference';
import { checkUpdates } from '../../electron/registry/update/check';
import { MT, sha256, type RigManifest } from '../../electron/demo/images';
import { startFaultProxy } from '../rig/fault-proxy';
import { inParallel, RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cliEnv } from '../helpers/cli';
import { digestAt } from '../helpers/uploads';
import { uiFirstPaint } from './ui-paint';

const run = promisify(execFile);
const smoke = process.argv.includes('--smoke');
const RUNS = smoke ? 1 : 5;
const CLI = resolve('dist/cli.js');
const MB = 1024 * 1024;
/** Blobs in flight: skopeo 1.9's fixed number, given to regdesk too. */
const CONCURRENCY = 6;

interface Measured {
  wall: number;
  /** User + system CPU seconds of the child. */
  cpu: number;
  user: number;
  sys: number;
  rssMb: number;
}

/** A private HOME and configuration for one run (the tests' CLI environment, plus skopeo's files): nothing of the machine's settings, credentials or caches. */
function privateEnv(): NodeJS.ProcessEnv {
  const env = cliEnv();
  const home = env.HOME!;
  mkdirSync(join(home, 'containers'));
  // An empty registries.conf: no mirrors, no search list, no per-registry settings.
  writeFileSync(join(home, 'containers', 'registries.conf'), '');
  return {
    ...env,
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    REGISTRY_AUTH_FILE: join(home, 'auth.json'),
    CONTAINERS_REGISTRIES_CONF: join(home, 'containers', 'registries.conf'),
  };
}

/** Runs a command under GNU time: wall time from here, CPU and peak RSS from the child's rusage. */
async function measured(command: string, args: string[]): Promise<Measured> {
  const env = privateEnv();
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', command, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  await rm(env.HOME!, { recursive: true, force: true });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr.slice(-500)}`);
  const [user, sys, rssKb] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
  if (![user, sys, rssKb].every(Number.isFinite)) throw new Error(`GNU time printed no figures: ${stderr.slice(-300)}`);
  return { wall, cpu: user + sys, user, sys, rssMb: rssKb / 1024 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** An image of `layers` gzip layers of `size` random bytes each (stored, not squeezed: random bytes do not compress). */
function randomImage(layers: number, size: number): RigManifest {
  const blobs = Array.from({ length: layers }, () => {
    const bytes = gzipSync(randomBytes(size), { level: 0 });
    return { digest: sha256(bytes), mediaType: MT.ociLayerGzip, bytes };
  });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: blobs.map((b) => b.digest) } }));
  const configBlob = { digest: sha256(config), mediaType: MT.ociConfig, bytes: config };
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, digest: configBlob.digest, size: config.length },
    layers: blobs.map((b) => ({ mediaType: b.mediaType, digest: b.digest, size: b.bytes.length })),
  }));
  return { digest: sha256(manifest), mediaType: MT.ociManifest, bytes: manifest, blobs: [configBlob, ...blobs], children: [] };
}

/** What the benchmark keeps of a pushed image: its manifest, not its layers (a bench holding a gigabyte makes every spawn after it slower). */
type Pushed = Pick<RigManifest, 'digest' | 'mediaType' | 'bytes'>;

async function pushed(pusher: RigPusher, repo: string, image: RigManifest): Promise<Pushed> {
  await pusher.push(repo, image, ['v1']);
  return { digest: image.digest, mediaType: image.mediaType, bytes: image.bytes };
}

async function clearSkopeoCache(): Promise<void> {
  for (const path of ['/var/lib/containers/cache', `${process.env.HOME}/.local/share/containers/cache`]) await rm(path, { recursive: true, force: true });
}

interface Row {
  what: string;
  regdesk: string;
  reference: string;
  ratio: string;
  target: string;
}

const TOOLS = {
  regdesk: (src: string, dst: string) => [process.execPath, [CLI, 'cp', '-q', '--concurrency', String(CONCURRENCY), src, dst]] as const,
  skopeo: (src: string, dst: string) => ['skopeo', ['copy', '-q', '--insecure-policy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${src}`, `docker://${dst}`]] as const,
  'skopeo --preserve-digests': (src: string, dst: string) => ['skopeo', ['copy', '-q', '--insecure-policy', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${src}`, `docker://${dst}`]] as const,
};
type Tool = keyof typeof TOOLS;

/** One copy by `tool` into a fresh registry; the destination must then hold the source's digest. */
async function copyOnce(tool: Tool, source: RigRegistry, repo: string, digest: string): Promise<Measured> {
  const dest = await startRegistry();
  try {
    if (tool !== 'regdesk') await clearSkopeoCache();
    const [command, args] = TOOLS[tool](`${source.host}/${repo}:v1`, `${dest.host}/${repo}:v1`);
    const result = await measured(command, [...args]);
    const copied = await digestAt(dest, repo, 'v1');
    if (copied !== digest) throw new Error(`${tool} copied ${repo} as ${copied ?? 'nothing'}, not ${digest}: not equal work`);
    return result;
  } finally {
    await dest.stop();
  }
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

/** Each tool copies the image RUNS times, in an order that alternates run by run; three rows: wall, CPU and RSS. */
async function copyBench(what: string, source: RigRegistry, repo: string, image: Pushed, tools: Tool[], targets: { wall: string; cpu: string }): Promise<Row[]> {
  const runs = new Map<Tool, Measured[]>(tools.map((t) => [t, []]));
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 === 0 ? tools : [...tools].reverse();
    for (const tool of order) runs.get(tool)!.push(await copyOnce(tool, source, repo, image.digest));
  }
  const of = (tool: Tool, key: keyof Measured): number => median(runs.get(tool)!.map((m) => m[key]));
  const rows: Row[] = [];
  for (const reference of tools.filter((t) => t !== 'regdesk')) {
    const label = reference === 'skopeo' ? what : `${what}, against skopeo --preserve-digests`;
    rows.push(
      { what: `${label}: wall time`, regdesk: `${of('regdesk', 'wall').toFixed(2)} s`, reference: `${of(reference, 'wall').toFixed(2)} s`, ratio: ratio(of('regdesk', 'wall'), of(reference, 'wall')), target: targets.wall },
      {
        what: `${label}: CPU (user + sys)`,
        regdesk: `${of('regdesk', 'cpu').toFixed(2)} s (${of('regdesk', 'user').toFixed(2)} + ${of('regdesk', 'sys').toFixed(2)})`,
        reference: `${of(reference, 'cpu').toFixed(2)} s (${of(reference, 'user').toFixed(2)} + ${of(reference, 'sys').toFixed(2)})`,
        ratio: ratio(of('regdesk', 'cpu'), of(reference, 'cpu')), target: targets.cpu,
      },
      { what: `${label}: peak RSS`, regdesk: `${Math.round(of('regdesk', 'rssMb'))} MB`, reference: `${Math.round(of(reference, 'rssMb'))} MB`, ratio: ratio(of('regdesk', 'rssMb'), of(reference, 'rssMb')), target: 'under 150 MB' },
    );
  }
  return rows;
}

async function rssBench(source: RigRegistry, images: Array<{ repo: string; image: Pushed; label: string }>): Promise<Row> {
  const peaks: string[] = [];
  for (const { repo, image, label } of images) peaks.push(`${label}: ${Math.round((await copyOnce('regdesk', source, repo, image.digest)).rssMb)} MB`);
  return { what: 'peak RSS of regdesk cp by layer size', regdesk: peaks.join(', '), reference: '', ratio: '', target: 'under 150 MB, flat in layer size' };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const source = await startRegistry();
  try {
    const pusher = new RigPusher(source);
    const big = await pushed(pusher, 'bench/big', randomImage(4, (smoke ? 4 : 128) * MB));
    rows.push(...(await copyBench(`copy of a ${smoke ? 16 : 512} MB image, 4 layers`, source, 'bench/big', big, ['regdesk', 'skopeo', 'skopeo --preserve-digests'], { wall: '≤ 0.9×', cpu: '≤ 0.9×' })));

    const many = await pushed(pusher, 'bench/many', randomImage(64, smoke ? 16 * 1024 : 256 * 1024));
    rows.push(...(await copyBench('copy of 64 small layers (256 KB)', source, 'bench/many', many, ['regdesk', 'skopeo'], { wall: '≤ 0.9×', cpu: '' })));

    const small = await pushed(pusher, 'bench/small', randomImage(1, MB));
    const huge = smoke ? undefined : await pushed(pusher, 'bench/huge', randomImage(1, 1024 * MB));
    rows.push(await rssBench(source, [
      { repo: 'bench/small', image: small, label: '1 MB image' },
      { repo: 'bench/big', image: big, label: smoke ? '4×4 MB' : '4×128 MB' },
      ...(huge ? [{ repo: 'bench/huge', image: huge, label: '1×1 GB' }] : []),
    ]));

    // 10,000 tags on one repository.
    const tagCount = smoke ? 200 : 10_000;
    const tags = Array.from({ length: tagCount }, (_, i) => `v${Math.floor(i / 100)}.${i % 100}`);
    await inParallel(tags, 16, (t) => pusher.putManifest('bench/big', t, big));
    const oursTags: number[] = [];
    const theirsTags: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternating order, as the copies.
      const pair = [
        async () => theirsTags.push((await measured('skopeo', ['list-tags', '--tls-verify=false', `docker://${source.host}/bench/big`])).wall),
        async () => oursTags.push((await measured(process.execPath, [CLI, 'tags', `${source.host}/bench/big`])).wall),
      ];
      for (const step of i % 2 === 0 ? pair : pair.reverse()) await step();
    }
    // The floor a Node CLI cannot go under, to read the figure above against.
    const nodeStart: number[] = [];
    for (let i = 0; i < RUNS; i++) nodeStart.push((await measured(process.execPath, ['-e', '0'])).wall);
    rows.push({
      what: `listing ${tagCount.toLocaleString('en')} tags (CLI)`, regdesk: `${median(oursTags).toFixed(2)} s (Node's bare start-up ${median(nodeStart).toFixed(2)} s)`,
      reference: `${median(theirsTags).toFixed(2)} s`, ratio: ratio(median(oursTags), median(theirsTags)), target: `≤ Node's start-up + 0.03 s (${(median(nodeStart) + 0.03).toFixed(2)} s)`,
    });
    // The app and `serve` list through an engine that is already running.
    const lister = new RegistryClient();
    try {
      await lister.ping(source.host);
      const inProcess: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const started = process.hrtime.bigint();
        const listed = await lister.tags({ registry: source.host, repository: 'bench/big' }, { fresh: true });
        inProcess.push(Number(process.hrtime.bigint() - started) / 1e9);
        if (listed.length !== tagCount + 1) throw new Error(`listed ${listed.length} tags, expected ${tagCount + 1}`);
      }
      // No skopeo figure beside it: skopeo has no running engine to ask, so there is nothing equal to compare.
      rows.push({ what: `listing ${tagCount.toLocaleString('en')} tags in a running engine (app, serve)`, regdesk: `${median(inProcess).toFixed(3)} s`, reference: '', ratio: '', target: '' });
    } finally {
      await lister.close();
    }
    // The same repository opened in the UI (serve + Chromium): click to first paint of the tag rows.
    const paint = await uiFirstPaint({ registry: source.host, repository: 'bench/big', expectedTags: tagCount + 1, runs: RUNS });
    rows.push({ what: `first paint of the ${tagCount.toLocaleString('en')}-tag list in Chromium (serve)`, regdesk: `${Math.round(paint.medianMs)} ms (listing ${Math.round(paint.dataMs)} ms, render ${Math.round(paint.renderMs)} ms; ${paint.method})`, reference: '', ratio: '', target: 'under 200 ms' });

    // 200 watched images, one HEAD each.
    const proxy = await startFaultProxy(source.url);
    const client = new RegistryClient();
    try {
      const images = tags.slice(0, smoke ? 20 : 200).map((t) => ({ image: parseReference(`${proxy.host}/bench/big:${t}`), rule: 'digest' as const }));
      await client.ping(proxy.host);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        proxy.clear();
        const started = process.hrtime.bigint();
        const results = await checkUpdates(client, images);
        times.push(Number(process.hrtime.bigint() - started) / 1e9);
        if (results.some((r) => r.error)) throw new Error('update check failed');
      }
      const heads = proxy.requests.filter((r) => r.method === 'HEAD').length;
      rows.push({ what: `update check of ${images.length} watched images`, regdesk: `${median(times).toFixed(2)} s, ${heads} HEAD requests, ${proxy.requests.length - heads} others`, reference: '', ratio: '', target: 'under 1 s, one HEAD each' });
    } finally {
      await client.close();
      await proxy.close();
    }
  } finally {
    await source.stop();
  }

  const { stdout: skopeoVersion } = await run('skopeo', ['--version']);
  console.log(`\nregdesk benchmarks${smoke ? ' (smoke run)' : ''}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${skopeoVersion.trim()}, median of ${RUNS} run${RUNS > 1 ? 's' : ''}, ${CONCURRENCY} blobs in flight for both tools\n`);
  console.log('| what | regdesk | skopeo | ratio | target |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.what} | ${r.regdesk} | ${r.reference} | ${r.ratio} | ${r.target} |`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
