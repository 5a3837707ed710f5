/**
 * Keeps the engine's per-registry transport settings in step with what the
 * user changes while the app (or `regdesk serve`) runs: a registry added,
 * edited or removed in settings, or `registries.json` edited by hand. The
 * lookup is rebuilt on every change (not on every request: reading settings
 * costs a copy of the whole document); the transport notices a changed entry
 * and rebuilds that host's connections and scheme.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { RegistryHostConfig } from '../registry/transport/types';
import { hostConfigFrom, loadRegistryConfig, REGISTRY_CONFIG_NAME, type HostConfigSources } from './registry-config';
import type { SettingsFile } from './settings-file';

export interface LiveHostConfig {
  /** The current settings for `host[:port]`: what the transport asks on every request. */
  hostConfig(registry: string): RegistryHostConfig | undefined;
  /** Rebuilds from the current settings and registries.json. */
  refresh(): void;
  /** Also follows hand edits of registries.json (for long-running processes). */
  watch(): void;
  close(): void;
  /** Set when registries.json is unusable (and therefore ignored), for the user. */
  problem(): string | undefined;
}

export interface LiveHostConfigOptions {
  settings: Pick<SettingsFile, 'get'>;
  /** The settings folder, where registries.json lives. */
  dir: string;
  /** What does not change while running (CLI --insecure, CA files given for this run). */
  fixed?: Omit<HostConfigSources, 'registries' | 'file'>;
}

export function liveHostConfig(options: LiveHostConfigOptions): LiveHostConfig {
  let problem: string | undefined;
  const build = (): ((registry: string) => RegistryHostConfig | undefined) => {
    const loaded = loadRegistryConfig(options.dir);
    problem = loaded.problem;
    return hostConfigFrom({ ...options.fixed, registries: options.settings.get().registries, file: loaded.file });
  };
  let current = build();
  let watcher: FSWatcher | undefined;
  const refresh = (): void => {
    current = build();
  };
  return {
    hostConfig: (registry) => current(registry),
    refresh,
    watch() {
      if (watcher) return;
      try {
        // Not persistent: watching must never keep a process alive.
        watcher = watch(options.dir, { persistent: false }, (_event, name) => {
          if (name === null || name === REGISTRY_CONFIG_NAME) refresh();
        });
        watcher.on('error', () => undefined);
      } catch {
        // No settings folder yet: registries.json edits are picked up at the next settings change.
      }
    },
    close() {
      watcher?.close();
      watcher = undefined;
    },
    problem: () => problem,
  };
}

/** The same settings file, calling `changed` after every update (so the transport settings follow). */
export function notifyingUpdates(settings: SettingsFile, changed: () => void): SettingsFile {
  return {
    ...settings,
    update(change) {
      const result = settings.update(change);
      changed();
      return result;
    },
  };
}
