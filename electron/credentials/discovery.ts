/**
 * Finds credentials for a registry. First hit wins, in this order, and the
 * answer says where it came from:
 *   1. explicit (CLI flags)                      5. DOCKER_USERNAME / DOCKER_PASSWORD (Docker Hub only)
 *   2. this session only (the UI's sign-in       6. Docker config (auths, credHelpers, credsStore)
 *      without a keychain, the demo's password)  7. containers auth.json (Podman, skopeo)
 *   3. the regdesk keychain                      8. a mounted Kubernetes .dockerconfigjson
 *   4. REGISTRY_<HOST>_USERNAME / _PASSWORD
 * A source only counts when it holds a usable credential (a user name with its
 * password, or a refresh token): half of a pair is skipped, never hides the next source.
 * A keychain that cannot be reached is reported once and skipped; the other sources still apply.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RegistryError } from '../../shared/errors';
import { hasSecret, type Credential, type CredentialSource } from '../registry/auth/credentials';
import { entryCredential, findAuthEntry, helperFor, readAuthFile, runCredentialHelper } from './auth-files';
import { decodeCredential, type SecretStore } from './keychain';
import { canonicalRegistry, DOCKER_HUB_HOST } from '../../shared/names';
import { DOCKER_HUB_CONFIG_KEY, envHostKeys } from './registry-keys';

export type CredentialOrigin = 'explicit' | 'session' | 'keychain' | 'env-registry' | 'env-docker' | 'docker-config' | 'docker-helper' | 'containers-auth' | 'kubernetes-secret';

export interface DiscoveredCredential {
  credential: Credential;
  origin: CredentialOrigin;
  /** The file or variable it came from (never the secret). */
  detail?: string;
}

export interface DiscoveryOptions {
  /** Credentials given explicitly, by registry. */
  explicit?: (registry: string) => Credential | undefined;
  store?: SecretStore;
  /** Credentials held in memory for this session only (see session-store.ts). */
  session?: SecretStore;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Overrides the Kubernetes secret path. */
  kubernetesSecretPath?: string;
  /** Called once when the keychain fails, so the app can tell the user. */
  onKeychainError?: (err: RegistryError) => void;
}

export const DEFAULT_KUBERNETES_SECRET = '/var/run/secrets/registry/.dockerconfigjson';

export function dockerConfigPath(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(home, '.docker', 'config.json');
}

export function containersAuthPaths(env: NodeJS.ProcessEnv, home: string): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  return [
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')] : []),
    join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'containers', 'auth.json'),
  ];
}

export function createDiscovery(options: DiscoveryOptions = {}) {
  const env = options.env ?? process.env;
  const home = options.home ?? env.HOME ?? homedir();
  let keychainFailed = false;

  const fromKeychain = async (registry: string): Promise<Credential | undefined> => {
    if (!options.store || keychainFailed) return undefined;
    try {
      const secret = await options.store.get(registry);
      return secret ? decodeCredential(secret) : undefined;
    } catch (err) {
      keychainFailed = true;
      options.onKeychainError?.(err as RegistryError);
      return undefined;
    }
  };

  const fromEnv = (registry: string): DiscoveredCredential | undefined => {
    for (const key of envHostKeys(registry)) {
      const username = env[`REGISTRY_${key}_USERNAME`];
      const password = env[`REGISTRY_${key}_PASSWORD`];
      if (username && password) return { credential: { username, password }, origin: 'env-registry', detail: `REGISTRY_${key}_PASSWORD` };
    }
    // Docker's own variables name no registry: they mean Docker Hub, and must never reach another host.
    if (registry === DOCKER_HUB_HOST && env.DOCKER_USERNAME && env.DOCKER_PASSWORD) {
      return { credential: { username: env.DOCKER_USERNAME, password: env.DOCKER_PASSWORD }, origin: 'env-docker', detail: 'DOCKER_PASSWORD' };
    }
    return undefined;
  };

  const fromDockerConfig = async (registry: string): Promise<DiscoveredCredential | undefined> => {
    const path = dockerConfigPath(env, home);
    const file = await readAuthFile(path);
    if (!file) return undefined;
    const helper = helperFor(file, registry);
    if (helper) {
      const serverUrl = registry === DOCKER_HUB_HOST ? DOCKER_HUB_CONFIG_KEY : registry;
      const viaHelper = await runCredentialHelper(helper, serverUrl, env);
      if (hasSecret(viaHelper)) return { credential: viaHelper, origin: 'docker-helper', detail: `docker-credential-${helper}` };
    }
    const inline = entryCredential(findAuthEntry(file, registry));
    return inline ? { credential: inline, origin: 'docker-config', detail: path } : undefined;
  };

  const fromAuthFile = async (registry: string, path: string, origin: CredentialOrigin): Promise<DiscoveredCredential | undefined> => {
    const credential = entryCredential(findAuthEntry(await readAuthFile(path), registry));
    return credential ? { credential, origin, detail: path } : undefined;
  };

  /** Every source in order of precedence; each answers a usable credential or nothing. */
  const sources = (registry: string): Array<() => Promise<DiscoveredCredential | undefined>> => [
    async () => {
      const explicit = options.explicit?.(registry);
      return explicit ? { credential: explicit, origin: 'explicit' } : undefined;
    },
    async () => {
      const secret = await options.session?.get(registry);
      const session = secret ? decodeCredential(secret) : undefined;
      return session ? { credential: session, origin: 'session' } : undefined;
    },
    async () => {
      const keychain = await fromKeychain(registry);
      return keychain ? { credential: keychain, origin: 'keychain' } : undefined;
    },
    async () => fromEnv(registry),
    () => fromDockerConfig(registry),
    ...containersAuthPaths(env, home).map((path) => () => fromAuthFile(registry, path, 'containers-auth')),
    () => fromAuthFile(registry, options.kubernetesSecretPath ?? DEFAULT_KUBERNETES_SECRET, 'kubernetes-secret'),
  ];

  /** The first usable credential found for `registry`, and where it came from. */
  const discover = async (registryKey: string): Promise<DiscoveredCredential | undefined> => {
    const registry = canonicalRegistry(registryKey);
    for (const source of sources(registry)) {
      const found = await source();
      if (found && hasSecret(found.credential)) return found;
    }
    return undefined;
  };

  // The engine asks on every request; files and helpers are read once per registry until `forget`.
  const remembered = new Map<string, Promise<DiscoveredCredential | undefined>>();
  const source: CredentialSource = async (registry) => {
    const key = canonicalRegistry(registry);
    let found = remembered.get(key);
    if (!found) {
      found = discover(key);
      remembered.set(key, found);
    }
    return (await found)?.credential;
  };
  /** Drop what was found (after login, logout or import). */
  const forget = (registry?: string): void => {
    if (registry) remembered.delete(canonicalRegistry(registry));
    else remembered.clear();
  };

  return { discover, source, forget };
}
