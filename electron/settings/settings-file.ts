/**
 * Opens the settings file shared by the app (electron-store) and the CLI
 * (a plain JSON file store): same folder, same file, same schema. Opening never
 * writes the file: a command that only reads cannot undo what the app saved
 * meanwhile, and works where the folder is read-only. A file from an older version
 * is migrated in memory and saved in the new form with the next update. A corrupt
 * or invalid file is moved aside as a backup (defaults are used), and the caller
 * gets a notice to show: never a crash.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { jsonFileStore } from './json-file-store';
import { defaultSettings, migrate, SettingsSchema, type Settings } from './schema';

export const SETTINGS_NAME = 'settings';

/** The minimal surface of conf / electron-store that regdesk uses. */
export interface ConfLike {
  store: Record<string, unknown>;
  readonly path: string;
}

export interface SettingsFile {
  readonly path: string;
  /** A message for the user when the file had to be reset (corrupt, unreadable, from a newer version). */
  readonly notice?: string;
  get(): Settings;
  /** Applies `change` to a copy, validates, writes, and returns the result. */
  update(change: (draft: Settings) => void): Settings;
}

/** Where settings live: REGDESK_CONFIG_DIR, else the platform's per-user config folder (the app's userData). */
export function settingsDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.REGDESK_CONFIG_DIR) return env.REGDESK_CONFIG_DIR;
  const home = env.HOME ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'regdesk');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'regdesk');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'regdesk');
}

type Loaded = { settings: Settings; notice?: string };

/** Reads and checks the file before conf/electron-store see it (they would throw on bad JSON). */
function loadChecked(path: string, now: () => Date): Loaded {
  if (!existsSync(path)) return { settings: defaultSettings() };
  let problem: string;
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
    const checked = SettingsSchema.safeParse(migrate(raw as Record<string, unknown>));
    if (checked.success) return { settings: checked.data };
    problem = `invalid settings (${checked.error.issues[0]?.path.join('.') || 'document'}: ${checked.error.issues[0]?.message ?? 'invalid'})`;
  } catch (err) {
    problem = err instanceof SyntaxError ? 'the file is not valid JSON' : `it could not be read (${(err as Error).message.slice(0, 100)})`;
  }
  const backup = path.replace(/\.json$/, '') + `.corrupt-${now().toISOString().replace(/[:.]/g, '-')}.json`;
  let kept: string;
  try {
    renameSync(path, backup);
    kept = `The old file was kept as ${backup}.`;
  } catch (err) {
    kept = `The file could not be moved aside (${(err as NodeJS.ErrnoException).code ?? 'error'}); it stays until settings are saved.`;
  }
  return { settings: defaultSettings(), notice: `Settings were reset to defaults: ${problem}. ${kept}` };
}

export interface OpenSettingsOptions {
  dir?: string;
  /** electron-store in the app; a plain JSON file store by default (the CLI). */
  createStore?: (dir: string, name: string) => ConfLike;
  now?: () => Date;
}

export function openSettings(options: OpenSettingsOptions = {}): SettingsFile {
  const dir = options.dir ?? settingsDir();
  const path = join(dir, `${SETTINGS_NAME}.json`);
  const loaded = loadChecked(path, options.now ?? (() => new Date()));
  const store = (options.createStore ?? jsonFileStore)(dir, SETTINGS_NAME);
  let current = loaded.settings;
  return {
    path: store.path,
    notice: loaded.notice,
    get: () => structuredClone(current),
    update(change) {
      const draft = structuredClone(current);
      change(draft);
      current = SettingsSchema.parse(draft);
      store.store = current as unknown as Record<string, unknown>;
      return structuredClone(current);
    },
  };
}
