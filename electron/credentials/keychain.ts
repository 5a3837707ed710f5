/**
 * The OS keychain behind a small interface. keytar is the default (service
 * `regdesk`, account = registry host); keytar is archived upstream, so nothing
 * else in regdesk depends on it directly and another backend can replace it.
 * Secrets are stored as a small JSON document in the keychain item.
 */
import { RegistryError } from '../../shared/errors';
import { KEYCHAIN_SERVICE } from '../../shared/app';
import type { Credential } from '../registry/auth/credentials';

export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  list(): Promise<Array<{ account: string; secret: string }>>;
}

interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

function unavailable(err: unknown): RegistryError {
  const detail = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 160) : String(err).slice(0, 160);
  return new RegistryError('keychain', `the OS keychain is not available (${detail})`, {},
    'On Linux, regdesk needs a Secret Service (gnome-keyring or KWallet) on an unlocked D-Bus session. Credentials from Docker/Podman files and the environment still work.');
}

/** keytar behind SecretStore; every failure becomes a `keychain` error that says what to do. */
export function keytarStore(service = KEYCHAIN_SERVICE): SecretStore {
  let loaded: Promise<KeytarModule> | undefined;
  const keytar = (): Promise<KeytarModule> => {
    loaded ??= import('keytar').then((m) => ((m as { default?: KeytarModule }).default ?? (m as unknown as KeytarModule)));
    return loaded;
  };
  const guard = async <T>(work: (k: KeytarModule) => Promise<T>): Promise<T> => {
    let k: KeytarModule;
    try {
      k = await keytar();
    } catch (err) {
      throw unavailable(err);
    }
    try {
      return await work(k);
    } catch (err) {
      throw unavailable(err);
    }
  };
  return {
    get: (account) => guard((k) => k.getPassword(service, account)),
    set: (account, secret) => guard((k) => k.setPassword(service, account, secret)),
    delete: (account) => guard((k) => k.deletePassword(service, account)),
    list: () => guard(async (k) => (await k.findCredentials(service)).map((c) => ({ account: c.account, secret: c.password }))),
  };
}

/** What regdesk keeps in one keychain item. */
export function encodeCredential(c: Credential): string {
  return JSON.stringify({ v: 1, username: c.username ?? '', ...(c.password ? { password: c.password } : {}), ...(c.refreshToken ? { refreshToken: c.refreshToken } : {}) });
}

export function decodeCredential(secret: string): Credential | undefined {
  try {
    const value = JSON.parse(secret) as { username?: unknown; password?: unknown; refreshToken?: unknown };
    const c: Credential = {};
    if (typeof value.username === 'string' && value.username) c.username = value.username;
    if (typeof value.password === 'string' && value.password) c.password = value.password;
    if (typeof value.refreshToken === 'string' && value.refreshToken) c.refreshToken = value.refreshToken;
    return c.password || c.refreshToken ? c : undefined;
  } catch {
    return undefined;
  }
}
