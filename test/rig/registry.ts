/**
 * Real CNCF distribution registries (Debian's `docker-registry`) on free
 * loopback ports with temporary storage: anonymous, htpasswd basic auth,
 * bearer-token auth (with the rig's token server) and TLS.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { freePort } from '../../electron/demo/demo';
import { makeTlsFiles } from './certs';

export { freePort };
import { startService, waitUntil, type Service } from './process';
import { startTokenServer, type TokenPolicy, type TokenServer } from './token-server';

const run = promisify(execFile);

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'basic'; users: Record<string, string> }
  | { kind: 'token'; policy?: TokenPolicy; expiresIn?: number; getOnly?: boolean };

export interface RegistryOptions {
  auth?: RegistryAuth;
  tls?: boolean;
  /** Further DNS names the TLS certificate is valid for (a name only a proxy resolves, say). */
  tlsNames?: string[];
  /** Start from a copy of this storage folder (the original stays untouched). */
  seedStorage?: string;
  /** distribution's catalog page cap; its default is 1,000. */
  catalogMaxEntries?: number;
  /** Manifest and blob deletion (on by default in the rig, off by default in distribution). */
  deleteEnabled?: boolean;
}

export interface RigRegistry {
  /** `127.0.0.1:PORT`, what an image reference starts with. */
  host: string;
  /** `http://127.0.0.1:PORT` or `https://…`. */
  url: string;
  /** The CA to trust for a TLS registry. */
  caFile?: string;
  /** The users of a basic-auth registry, name → password. */
  users?: Record<string, string>;
  /** The token server of a bearer-token registry. */
  tokenServer?: TokenServer;
  storageDir: string;
  /** An undici dispatcher that trusts this registry's CA (for rig-side requests). */
  dispatcher: Agent;
  stop(): Promise<void>;
  /** Stop the process but keep the storage; `start()` brings it back on the same port. */
  kill(): Promise<void>;
  /** SIGKILL the registry at once (storage kept), as a crash. */
  crash(): void;
  start(): Promise<void>;
}

/** Basic-auth users of the rig; passwords are test canaries. */
export const DEFAULT_BASIC_USERS = { tester: 'basic-canary-pw-4e2a' };

async function htpasswdFile(path: string, users: Record<string, string>): Promise<void> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    try {
      const { stdout } = await run('htpasswd', ['-nbB', user, password]);
      lines.push(stdout.trim());
    } catch {
      throw new Error('htpasswd not found: install the apache2-utils package');
    }
  }
  await writeFile(path, lines.join('\n') + '\n', { mode: 0o600 });
}

function configYaml(o: { port: number; storage: string; auth: string; tls: string; catalogMaxEntries: number; deleteEnabled: boolean }): string {
  return `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${o.storage}
  delete:
    enabled: ${o.deleteEnabled}
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${o.port}
  secret: ${randomBytes(16).toString('hex')}
${o.tls}
catalog:
  maxentries: ${o.catalogMaxEntries}
${o.auth}
`;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RigRegistry> {
  const auth = options.auth ?? { kind: 'none' };
  const dir = await mkdtemp(join(tmpdir(), 'regdesk-rig-'));
  const storage = join(dir, 'data');
  if (options.seedStorage) await cp(options.seedStorage, storage, { recursive: true });

  let authYaml = '';
  let users: Record<string, string> | undefined;
  let tokenServer: TokenServer | undefined;
  if (auth.kind === 'basic') {
    users = auth.users;
    await htpasswdFile(join(dir, 'htpasswd'), users);
    authYaml = `auth:\n  htpasswd:\n    realm: regdesk-rig\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth.kind === 'token') {
    tokenServer = await startTokenServer({ dir, ...(auth.policy ? { policy: auth.policy } : {}), ...(auth.expiresIn ? { expiresIn: auth.expiresIn } : {}), ...(auth.getOnly ? { getOnly: true } : {}) });
    authYaml = `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${tokenServer.service}\n    issuer: ${tokenServer.issuer}\n    rootcertbundle: ${tokenServer.certFile}\n`;
  }
  let tlsYaml = '';
  let caFile: string | undefined;
  if (options.tls) {
    const tls = await makeTlsFiles(dir, options.tlsNames);
    caFile = tls.caFile;
    tlsYaml = `  tls:\n    certificate: ${tls.certFile}\n    key: ${tls.keyFile}`;
  }

  const scheme = options.tls ? 'https' : 'http';
  const dispatcher = new Agent({ connect: caFile ? { ca: await readFile(caFile) } : {} });
  const port = await freePort();
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, configYaml({ port, storage, auth: authYaml, tls: tlsYaml, catalogMaxEntries: options.catalogMaxEntries ?? 1000, deleteEnabled: options.deleteEnabled ?? true }));
  const url = `${scheme}://127.0.0.1:${port}`;

  let service: Service | undefined;
  const start = async (): Promise<void> => {
    const svc = startService(`docker-registry ${url}`, 'docker-registry', ['serve', configPath]);
    service = svc;
    await waitUntil(svc, async () => {
      const res = await request(`${url}/v2/`, { dispatcher, headersTimeout: 2000 });
      await res.body.dump();
      return res.statusCode === 200 || res.statusCode === 401;
    });
  };
  try {
    await start();
  } catch (err) {
    await service?.stop();
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    host: `127.0.0.1:${port}`,
    url,
    ...(caFile ? { caFile } : {}),
    ...(users ? { users } : {}),
    ...(tokenServer ? { tokenServer } : {}),
    storageDir: storage,
    dispatcher,
    start,
    async kill() {
      await service?.stop();
    },
    crash() {
      service?.crash();
    },
    async stop() {
      await service?.stop();
      await tokenServer?.close();
      await dispatcher.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
