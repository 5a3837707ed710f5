/**
 * `regdesk serve --demo`: two throwaway local registries (Debian's
 * docker-registry, temporary storage), one open and one with a password,
 * filled with a few sample images, multi-platform ones included, so a newcomer
 * can browse and drag-to-copy at once with no account anywhere. They stop
 * with serve.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RegistryError } from '../../shared/errors';
import type { Credential } from '../registry/auth/credentials';
import type { RegistryClient } from '../registry/client';
import { registrySink } from '../registry/copy/registry-io';
import { buildImage, buildMultiPlatform, type RigManifest } from './images';
import { pushSampleImage } from './sample-io';

const run = promisify(execFile);

export interface DemoRegistry {
  host: string;
  name: string;
  credential?: Credential;
}

export interface Demo {
  registries: DemoRegistry[];
  stop(): Promise<void>;
}

/** A free loopback port (the rig uses it too). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function config(port: number, storage: string, htpasswd?: string): string {
  const auth = htpasswd ? `auth:\n  htpasswd:\n    realm: regdesk-demo\n    path: ${htpasswd}\n` : '';
  return `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: ${randomBytes(16).toString('hex')}\n${auth}`;
}

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new RegistryError('unsupported', `docker-registry exited at start (code ${child.exitCode})`, {});
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new RegistryError('timeout', 'the demo registry did not start in 10 s', {});
}

/** Pushes a sample with the engine's push routine: the blobs the registry lacks, children by digest, then each tag. */
async function pushSample(client: RegistryClient, registry: string, repository: string, manifest: RigManifest, tags: string[]): Promise<void> {
  const target = { registry, repository };
  await pushSampleImage(registrySink(client, target), manifest, tags, async (digest) => Boolean(await client.headBlob({ ...target, digest })));
}

/**
 * Starts the demo registries and fills them. `client` must know `credentialFor`
 * (the caller adds the demo password to its credential source).
 */
export async function startDemo(client: (credentials: (host: string) => Credential | undefined) => RegistryClient): Promise<Demo> {
  if (spawnSync('docker-registry', ['--version']).error) {
    throw new RegistryError('unsupported', 'serve --demo needs the docker-registry program', {}, 'Install it: sudo apt-get install docker-registry (or run bash scripts/setup.sh).');
  }
  const dir = await mkdtemp(join(tmpdir(), 'regdesk-demo-'));
  const children: ChildProcess[] = [];
  const killAll = (): void => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.once('exit', killAll);
  const stop = async (): Promise<void> => {
    killAll();
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const password = randomBytes(12).toString('hex');
    let htpasswd: string | undefined;
    try {
      const { stdout } = await run('htpasswd', ['-nbB', 'demo', password]);
      htpasswd = join(dir, 'htpasswd');
      await writeFile(htpasswd, stdout, { mode: 0o600 });
    } catch {
      htpasswd = undefined; // no apache2-utils: only the open registry
    }
    const registries: DemoRegistry[] = [];
    for (const [name, auth] of [['demo-open', undefined], ['demo-private', htpasswd]] as const) {
      if (name === 'demo-private' && !auth) continue;
      const port = await freePort();
      const configPath = join(dir, `${name}.yml`);
      await writeFile(configPath, config(port, join(dir, name), auth));
      const child = spawn('docker-registry', ['serve', configPath], { stdio: 'ignore' });
      children.push(child);
      await waitReady(port, child);
      registries.push({ host: `127.0.0.1:${port}`, name, ...(auth ? { credential: { username: 'demo', password } } : {}) });
    }
    const byHost = new Map(registries.map((r) => [r.host, r.credential]));
    const filler = client((host) => byHost.get(host));
    try {
      const open = registries[0]!.host;
      await pushSample(filler, open, 'samples/web', buildMultiPlatform('oci'), ['1.0', '1.1', '2.0', 'latest']);
      await pushSample(filler, open, 'samples/tools', buildMultiPlatform('docker'), ['3.18', 'latest']);
      await pushSample(filler, open, 'samples/hello', buildImage({ format: 'docker', labels: { 'org.opencontainers.image.source': 'https://github.com/opencontainers/image-spec' } }), ['v1']);
      await pushSample(filler, open, 'team/api/server', buildImage(), ['0.9', '1.0']);
      if (registries[1]) await pushSample(filler, registries[1].host, 'private/base', buildImage(), ['1.0']);
    } finally {
      await filler.close();
    }
    return { registries, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
