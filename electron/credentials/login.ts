/**
 * Login, logout and import. Login proves the credentials against the registry
 * (ping, which runs the token flow when the registry uses tokens) before
 * anything is stored; nothing secret is written anywhere but the keychain.
 */
import { RegistryError } from '../../shared/errors';
import type { Credential } from '../registry/auth/credentials';
import { RegistryClient, type RegistryClientOptions } from '../registry/client';
import { entryCredential, helperFor, readAuthFile, runCredentialHelper, type AuthFile } from './auth-files';
import { containersAuthPaths, dockerConfigPath } from './discovery';
import { encodeCredential, type SecretStore } from './keychain';
import { canonicalRegistry, DOCKER_HUB_HOST } from '../../shared/names';
import { DOCKER_HUB_CONFIG_KEY } from './registry-keys';

export interface LoginOptions {
  store: SecretStore;
  /** Transport settings for the check (CA, insecure, proxy); credentials are the ones given. */
  client?: Omit<RegistryClientOptions, 'credentials'>;
  signal?: AbortSignal;
}

/** Checks `credential` against `registry`, then stores it. Throws `authentication` when the registry refuses. */
export async function login(registryKey: string, credential: Credential, options: LoginOptions): Promise<void> {
  const registry = canonicalRegistry(registryKey);
  if (!credential.password && !credential.refreshToken) {
    throw new RegistryError('usage', 'a password (or token) is needed to sign in', { registry }, 'Pass it on standard input: --password-stdin.');
  }
  const client = new RegistryClient({ ...options.client, credentials: async (host) => (canonicalRegistry(host) === registry ? credential : undefined) });
  try {
    // A registry that answers /v2/ without asking for credentials cannot check them; say so rather than store blindly.
    const answer = await client.pingAnswer(registry, { signal: options.signal });
    if (answer.status === 401) {
      throw new RegistryError('authentication', `${registry}: the credentials were rejected`, { registry, status: 401 }, 'Check the user name and password.');
    }
    if (answer.status !== 200) throw new RegistryError('protocol', `${registry}: /v2/ answered HTTP ${answer.status}`, { registry, status: answer.status });
    if (!answer.withCredentials) {
      throw new RegistryError('unsupported', `${registry} does not ask for credentials, so they cannot be checked; nothing was stored`, { registry },
        'This registry is open: use it without signing in.');
    }
  } finally {
    await client.close();
  }
  await options.store.set(registry, encodeCredential(credential));
}

/** Removes stored credentials; true when there were some. */
export async function logout(registryKey: string, store: SecretStore): Promise<boolean> {
  return store.delete(canonicalRegistry(registryKey));
}

export interface ImportedCredential {
  registry: string;
  username?: string;
  from: string;
}

export interface ImportOptions {
  store: SecretStore;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Only list what would be imported. */
  dryRun?: boolean;
}

async function credentialsIn(file: AuthFile, env: NodeJS.ProcessEnv): Promise<Array<{ registry: string; credential: Credential }>> {
  const out: Array<{ registry: string; credential: Credential }> = [];
  const keys = new Set([...Object.keys(file.auths ?? {}), ...Object.keys(file.credHelpers ?? {})]);
  for (const key of keys) {
    const registry = canonicalRegistry(key);
    const helper = helperFor(file, registry);
    const viaHelper = helper ? await runCredentialHelper(helper, registry === DOCKER_HUB_HOST ? DOCKER_HUB_CONFIG_KEY : key, env) : undefined;
    const credential = viaHelper ?? entryCredential(file.auths?.[key]);
    if (credential) out.push({ registry, credential });
  }
  return out;
}

/** Copies what Docker's and Podman's files hold into the keychain. First file wins for a registry. */
export async function importCredentials(options: ImportOptions): Promise<ImportedCredential[]> {
  const env = options.env ?? process.env;
  const home = options.home ?? env.HOME ?? '';
  const imported = new Map<string, ImportedCredential>();
  for (const path of [dockerConfigPath(env, home), ...containersAuthPaths(env, home)]) {
    const file = await readAuthFile(path);
    if (!file) continue;
    for (const { registry, credential } of await credentialsIn(file, env)) {
      if (imported.has(registry)) continue;
      if (!options.dryRun) await options.store.set(registry, encodeCredential(credential));
      imported.set(registry, { registry, ...(credential.username ? { username: credential.username } : {}), from: path });
    }
  }
  return [...imported.values()];
}
