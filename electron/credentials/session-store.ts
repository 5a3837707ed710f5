/**
 * Credentials kept for this session only: in the engine's memory, never
 * written anywhere, gone when the app or `regdesk serve` stops. For machines
 * without an OS keychain (a server, a container, a minimal desktop), and for
 * the demo's own password. Same interface as the keychain, so login and
 * logout treat both alike.
 */
import type { SecretStore } from './keychain';

export function sessionStore(): SecretStore {
  const secrets = new Map<string, string>();
  return {
    get: async (account) => secrets.get(account) ?? null,
    set: async (account, secret) => void secrets.set(account, secret),
    delete: async (account) => secrets.delete(account),
    list: async () => [...secrets].map(([account, secret]) => ({ account, secret })),
  };
}
