/**
 * Credentials in the files other tools write: Docker's config.json (`auths`,
 * `credHelpers`, `credsStore`), containers' auth.json (Podman, skopeo, buildah)
 * and a Kubernetes `.dockerconfigjson` secret. All share the `auths` format.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Credential } from '../registry/auth/credentials';
import { canonicalRegistry } from '../../shared/names';

export interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Reads a JSON auth file; a missing file is `undefined`, a broken one too (other sources still apply). */
export async function readAuthFile(path: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as AuthFile) : undefined;
  } catch {
    return undefined;
  }
}

/** One `auths` entry → a credential: base64 `auth` ("user:password"), explicit fields, or an identity token. */
export function entryCredential(entry: AuthEntry | undefined): Credential | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const c: Credential = {};
  if (typeof entry.auth === 'string' && entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      c.username = decoded.slice(0, colon);
      c.password = decoded.slice(colon + 1);
    }
  }
  if (typeof entry.username === 'string' && entry.username) c.username = entry.username;
  if (typeof entry.password === 'string' && entry.password) c.password = entry.password;
  if (typeof entry.identitytoken === 'string' && entry.identitytoken) c.refreshToken = entry.identitytoken;
  return c.password || c.refreshToken ? c : undefined;
}

/** The `auths` entry for `registry`, matching every spelling of the key (and Docker Hub's aliases). */
export function findAuthEntry(file: AuthFile | undefined, registry: string): AuthEntry | undefined {
  if (!file?.auths || typeof file.auths !== 'object') return undefined;
  const wanted = canonicalRegistry(registry);
  for (const [key, entry] of Object.entries(file.auths)) {
    if (canonicalRegistry(key) === wanted) return entry;
  }
  return undefined;
}

/** The credential helper named for `registry` (credHelpers first, then credsStore). */
export function helperFor(file: AuthFile | undefined, registry: string): string | undefined {
  const wanted = canonicalRegistry(registry);
  for (const [key, helper] of Object.entries(file?.credHelpers ?? {})) {
    if (canonicalRegistry(key) === wanted && typeof helper === 'string') return helper;
  }
  return typeof file?.credsStore === 'string' && file.credsStore ? file.credsStore : undefined;
}

/** Helper names become part of a program name: only the characters Docker's helpers use. */
const HELPER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Runs `docker-credential-<helper> get` with the server URL on stdin, as Docker
 * does. `<token>` as user name means the secret is an identity token.
 * Undefined when the helper has nothing for this registry or cannot run.
 */
export async function runCredentialHelper(helper: string, serverUrl: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000): Promise<Credential | undefined> {
  if (!HELPER_NAME.test(helper)) return undefined;
  const output = await new Promise<string | undefined>((resolve) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { env, timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, stdout) => resolve(err ? undefined : stdout));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(serverUrl);
  });
  if (!output) return undefined;
  try {
    const answer = JSON.parse(output) as { Username?: unknown; Secret?: unknown };
    if (typeof answer.Secret !== 'string' || !answer.Secret) return undefined;
    if (answer.Username === '<token>') return { refreshToken: answer.Secret };
    return { ...(typeof answer.Username === 'string' ? { username: answer.Username } : {}), password: answer.Secret };
  } catch {
    return undefined;
  }
}
