/**
 * The app's services, built in one place for the Electron app, `regdesk serve`
 * and the CLI's commands: settings whose registries follow registries.json,
 * the credential sources (keychain, this session, the files and variables
 * other tools use) and the one engine client. What differs between them is
 * given: how settings are stored, the keychain, the command line's overrides.
 */
import type { RegistryError } from '../shared/errors';
import { createDiscovery } from './credentials/discovery';
import type { SecretStore } from './credentials/keychain';
import { sessionStore } from './credentials/session-store';
import type { Credential } from './registry/auth/credentials';
import { RegistryClient, type RegistryClientOptions } from './registry/client';
import type { HostConfigLookup, RegistryHostConfig } from './registry/transport/types';
import { liveHostConfig, notifyingUpdates, type LiveHostConfig } from './settings/live-host-config';
import type { SettingsFile } from './settings/settings-file';

/** Transport settings without credentials: what a credential check at sign-in uses. */
export type TransportOptions = Omit<RegistryClientOptions, 'credentials'>;

export interface AppServicesOptions {
  /** The settings as opened: electron-store in the app, a JSON file for the CLI. */
  settings: SettingsFile;
  /** The settings folder, where registries.json lives. */
  dir: string;
  /** The keychain. */
  store: SecretStore;
  userAgent: string;
  /** Registries the command line allows plain HTTP for (--insecure), whatever the settings say. */
  insecure?: string[];
  /** Adjusts a registry's settings after they are read (the CLI's --insecure and --ca-file). */
  hostConfig?: (registry: string, fromSettings: RegistryHostConfig) => RegistryHostConfig;
  /** Request logging and retry reports (the CLI's --verbose). */
  transport?: Pick<TransportOptions, 'log' | 'retry'>;
  env?: NodeJS.ProcessEnv;
  /** Credentials given for this run (--username, --password-stdin), tried before every other source. */
  explicit?: () => Credential | undefined;
  onKeychainError?: (err: RegistryError) => void;
}

export interface AppServices {
  /** The settings; a change of registries reaches the transport. */
  settings: SettingsFile;
  /** The registries' settings as the transport reads them; `watch()` follows hand edits of registries.json. */
  live: LiveHostConfig;
  store: SecretStore;
  /** Credentials kept in memory for this session (sign-in without a keychain, the demo's password). */
  session: SecretStore;
  discovery: ReturnType<typeof createDiscovery>;
  transport: TransportOptions;
  client: RegistryClient;
  close(): Promise<void>;
}

export function createAppServices(options: AppServicesOptions): AppServices {
  const live = liveHostConfig({ settings: options.settings, dir: options.dir, fixed: { insecure: options.insecure ?? [] } });
  const settings = notifyingUpdates(options.settings, live.refresh);
  const adjust = options.hostConfig;
  const fromSettings = live.hostConfig;
  // The settings' CA files are read asynchronously: requests wait until they are in place.
  const hostConfig: HostConfigLookup = adjust ? Object.assign((registry: string) => adjust(registry, fromSettings(registry) ?? {}), { ready: fromSettings.ready }) : fromSettings;
  const transport: TransportOptions = { hostConfig, proxy: settings.get().proxy, userAgent: options.userAgent, ...options.transport };
  const session = sessionStore();
  const discovery = createDiscovery({
    store: options.store,
    session,
    env: options.env,
    explicit: options.explicit,
    onKeychainError: options.onKeychainError,
  });
  const client = new RegistryClient({ ...transport, credentials: discovery.source });
  return {
    settings,
    live,
    store: options.store,
    session,
    discovery,
    transport,
    client,
    close: async () => {
      live.close();
      await client.close();
    },
  };
}
