/**
 * Keeps the engine's per-registry transport settings in step with what the
 * user changes while the app (or `regdesk serve`) runs: a registry added,
 * edited or removed in settings, or `registries.json` edited by hand. The
 * lookup is rebuilt on every change (not on every request: reading settings
 * costs a copy of the whole document); the transport notices a changed entry
 * and rebuilds that host's connections and scheme.
 *
 * CA files are read asynchronously on every rebuild; the new settings replace
 * the old ones only once they are read, and the lookup's `ready()`, which the
 * transport awaits before each request, says when the latest rebuild is in place.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { HostConfigLookup, RegistryHostConfig } from '../registry/transport/types';
import { hostConfigFrom, loadCaFiles, loadRegistryConfig, REGISTRY_CONFIG_NAME, type HostConfigSources } from './registry-config';
import type { SettingsFile } from './settings-file';

export interface LiveHostConfig {
  /** The current settings for `host[:port]`: what the transport asks on every request (after `hostConfig.ready()`). */
  hostConfig: HostConfigLookup;
  /** Rebuilds from the current settings and registries.json; resolves once the rebuild is in place. */
  refresh(): Promise<void>;
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
  let current: (registry: string) => RegistryHostConfig | undefined = () => undefined;
  let latest = 0;
  let settled: Promise<void> = Promise.resolve();
  const refresh = (): Promise<void> => {
    const generation = ++latest;
    const loaded = loadRegistryConfig(options.dir);
    problem = loaded.problem;
    const sources: HostConfigSources = { ...options.fixed, registries: options.settings.get().registries, file: loaded.file };
    settled = loadCaFiles(sources).then((cas) => {
      // A slower, older rebuild never replaces a newer one.
      if (generation === latest) current = hostConfigFrom(sources, cas);
    });
    return settled;
  };
  void refresh();
  let watcher: FSWatcher | undefined;
  const hostConfig: HostConfigLookup = Object.assign((registry: string) => current(registry), { ready: () => settled });
  return {
    hostConfig,
    refresh,
    watch() {
      if (watcher) return;
      try {
        // Not persistent: watching must never keep a process alive.
        watcher = watch(options.dir, { persistent: false }, (_event, name) => {
          if (name === null || name === REGISTRY_CONFIG_NAME) void refresh();
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
export function notifyingUpdates(settings: SettingsFile, changed: () => unknown): SettingsFile {
  return {
    ...settings,
    update(change) {
      const result = settings.update(change);
      changed();
      return result;
    },
  };
}
