/**
 * Benchmarks against skopeo on real loopback registries. Each copy goes to a
 * fresh destination registry, skopeo's blob-info cache is cleared before each
 * skopeo run, and the figure is the median of the runs. `--smoke` does one
 * small run of each so CI keeps the benchmark working.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { RegistryClient } from '../../electron/registry/client';
import { parseReference } from '../../electron/registry/reference';
import { checkUpdates } from '../../electron/registry/update/check';
import { MT, sha256, type RigManifest } from '../../electron/demo/images';
import { startFaultProxy } from '../rig/fault-proxy';
import { inParallel, RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { uiFirstPaint } from './ui-paint';

const run = promisify(execFile);
const smoke = process.argv.includes('--smoke');
const RUNS = smoke ? 1 : 5;
const CLI = resolve('dist/cli.js');
const MB = 1024 * 1024;

interface Timed {
  seconds: number;
  rssKb?: number;
}

/** Runs a command under GNU time for wall time and peak RSS. */
async function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M', command, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr.slice(-500)}`);
  const rss = Number(stderr.trim().split('\n').at(-1));
  return { seconds, ...(Number.isFinite(rss) ? { rssKb: rss } : {}) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** An image of `layers` random blobs of `size` bytes (uncompressed tar media type: registries do not look inside). */
function randomImage(layers: number, size: number): RigManifest {
  const blobs = Array.from({ length: layers }, () => {
    const bytes = randomBytes(size);
    return { digest: sha256(bytes), mediaType: 'application/vnd.oci.image.layer.v1.tar', bytes };
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

async function copyBench(what: string, source: RigRegistry, repo: string, target: string): Promise<Row> {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const tool of ['skopeo', 'regdesk'] as const) {
      const dest = await startRegistry();
      try {
        if (tool === 'skopeo') {
          await clearSkopeoCache();
          theirs.push((await timed('skopeo', ['copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${source.host}/${repo}:v1`, `docker://${dest.host}/${repo}:v1`])).seconds);
        } else {
          ours.push((await timed(process.execPath, [CLI, 'cp', '-q', `${source.host}/${repo}:v1`, `${dest.host}/${repo}:v1`])).seconds);
        }
      } finally {
        await dest.stop();
      }
    }
  }
  const a = median(ours);
  const b = median(theirs);
  return { what, regdesk: `${a.toFixed(2)} s`, reference: `skopeo ${b.toFixed(2)} s`, ratio: `${(a / b).toFixed(2)}×`, target };
}

async function rssBench(source: RigRegistry, repos: Array<{ repo: string; label: string }>): Promise<Row> {
  const peaks: string[] = [];
  for (const { repo, label } of repos) {
    const dest = await startRegistry();
    try {
      const { rssKb } = await timed(process.execPath, [CLI, 'cp', '-q', `${source.host}/${repo}:v1`, `${dest.host}/${repo}:v1`]);
      peaks.push(`${label}: ${Math.round((rssKb ?? 0) / 1024)} MB`);
    } finally {
      await dest.stop();
    }
  }
  return { what: 'peak RSS of regdesk cp', regdesk: peaks.join(', '), reference: '', ratio: '', target: 'under 150 MB, flat in layer size' };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const source = await startRegistry();
  try {
    const pusher = new RigPusher(source);
    const big = smoke ? randomImage(4, 4 * MB) : randomImage(4, 128 * MB);
    await pusher.push('bench/big', big, ['v1']);
    rows.push(await copyBench(`copy of a ${smoke ? 16 : 512} MB image, 4 layers`, source, 'bench/big', '≤ 0.9× skopeo'));

    const many = randomImage(64, smoke ? 16 * 1024 : 256 * 1024);
    await pusher.push('bench/many', many, ['v1']);
    rows.push(await copyBench('copy of an image with 64 small layers', source, 'bench/many', '≤ 0.9× skopeo'));

    const small = randomImage(1, MB);
    await pusher.push('bench/small', small, ['v1']);
    if (!smoke) await pusher.push('bench/huge', randomImage(1, 1024 * MB), ['v1']);
    rows.push(await rssBench(source, [
      { repo: 'bench/small', label: '1 MB image' },
      { repo: 'bench/big', label: smoke ? '4×4 MB' : '4×128 MB' },
      ...(smoke ? [] : [{ repo: 'bench/huge', label: '1×1 GB' }]),
    ]));

    // 10,000 tags on one repository.
    const tagCount = smoke ? 200 : 10_000;
    const tags = Array.from({ length: tagCount }, (_, i) => `v${Math.floor(i / 100)}.${i % 100}`);
    await inParallel(tags, 16, (t) => pusher.putManifest('bench/big', t, big));
    const oursTags: number[] = [];
    const theirsTags: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      theirsTags.push((await timed('skopeo', ['list-tags', '--tls-verify=false', `docker://${source.host}/bench/big`])).seconds);
      oursTags.push((await timed(process.execPath, [CLI, 'tags', `${source.host}/bench/big`])).seconds);
    }
    // The floor a Node CLI cannot go under, to read the figure above against.
    const nodeStart: number[] = [];
    for (let i = 0; i < RUNS; i++) nodeStart.push((await timed(process.execPath, ['-e', '0'])).seconds);
    rows.push({ what: `listing ${tagCount.toLocaleString('en')} tags (CLI)`, regdesk: `${median(oursTags).toFixed(2)} s (Node start-up alone ${median(nodeStart).toFixed(2)} s)`, reference: `skopeo ${median(theirsTags).toFixed(2)} s`, ratio: `${(median(oursTags) / median(theirsTags)).toFixed(2)}×`, target: '≤ skopeo' });
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
      rows.push({ what: `listing ${tagCount.toLocaleString('en')} tags (app: engine running)`, regdesk: `${median(inProcess).toFixed(3)} s`, reference: `skopeo ${median(theirsTags).toFixed(2)} s`, ratio: `${(median(inProcess) / median(theirsTags)).toFixed(2)}×`, target: '≤ skopeo' });
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
  console.log(`\nregdesk benchmarks${smoke ? ' (smoke run)' : ''}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${skopeoVersion.trim()}, median of ${RUNS} run${RUNS > 1 ? 's' : ''}\n`);
  console.log('| what | regdesk | reference | ratio | target |');
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
