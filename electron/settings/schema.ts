/**
 * The settings document: what the user added (registries, watched images),
 * preferences, and window state. Never a secret: those live in the keychain.
 * Validated on every load; older versions are migrated forward.
 */
// zod/mini: the CLI builds and parses these schemas on every run, and classic zod's
// schemas cost it about 8 ms more start-up. mini has no messages of its own: English
// is opted into once, here (the same global config classic zod sets for itself).
import en from 'zod/v4/locales/en.js';
import * as z from 'zod/mini';
import { DOCKER_HUB_HOST } from '../../shared/names';
import { DEFAULT_EXTRACT_MAX_BYTES, DEFAULT_EXTRACT_MAX_ENTRIES } from '../registry/archive/extract-limits';

z.config(en());

const text = (max: number, min = 0) => z.string().check(...(min ? [z.minLength(min)] : []), z.maxLength(max));
const whole = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

export const SETTINGS_VERSION = 1;

export const RegistryEntrySchema = z.object({
  /** `host[:port]`, the key the engine and the keychain use. */
  host: text(300, 1),
  name: z.optional(text(200)),
  /** Plain HTTP allowed (after HTTPS), for registries on a trusted network. */
  insecure: z._default(z.boolean(), false),
  /** A PEM file with the CA(s) to trust for this registry. */
  caFile: z.optional(text(4096)),
  /** Accept any certificate. Only when the user asks. */
  skipVerify: z._default(z.boolean(), false),
});

export const WatchRuleSchema = z.enum(['digest', 'version', 'both']);

export const WatchedImageSchema = z.object({
  id: text(100, 1),
  /** The image reference as the user gave it (`host/repo:tag`). */
  image: text(1000, 1),
  /** `os/arch[/variant]` when one platform is watched. */
  platform: z.optional(text(100)),
  rule: z._default(WatchRuleSchema, 'both'),
  /** The digest seen when the watch was set or last acknowledged. */
  digest: z.optional(text(200)),
  addedAt: text(40),
  snoozedUntil: z.optional(text(40)),
  /** Digests and version tags the user chose to ignore. */
  ignored: z._default(z.array(text(300)).check(z.maxLength(1000)), []),
  /** What the last check found. */
  lastCheck: z.optional(z.object({
    at: text(40),
    remoteDigest: z.nullable(text(200)),
    newerVersions: z.array(text(200)).check(z.maxLength(500)),
    latestVersion: z.nullable(text(200)),
    error: z.optional(text(500)),
  })),
});

export const WindowStateSchema = z.object({
  width: z._default(whole(400, 20000), 1280),
  height: z._default(whole(300, 20000), 800),
  x: z.optional(z.int()),
  y: z.optional(z.int()),
  maximized: z._default(z.boolean(), false),
});

export const SettingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  /** First start shows Docker Hub (anonymous), so there is something to browse at once. */
  registries: z._default(z.array(RegistryEntrySchema).check(z.maxLength(500)), [{ host: DOCKER_HUB_HOST, name: 'Docker Hub', insecure: false, skipVerify: false }]),
  watched: z._default(z.array(WatchedImageSchema).check(z.maxLength(5000)), []),
  notifications: z._default(z.object({ enabled: z._default(z.boolean(), true) }), { enabled: true }),
  copy: z._default(z.object({ concurrency: z._default(whole(1, 32), 4) }), { concurrency: 4 }),
  /** `regdesk extract` stops past these: bytes the layers unpack to, entries they hold (gzip and entry-count bombs). */
  extract: z._default(z.object({
    maxBytes: z._default(whole(1, Number.MAX_SAFE_INTEGER), DEFAULT_EXTRACT_MAX_BYTES),
    maxEntries: z._default(whole(1, 1_000_000_000), DEFAULT_EXTRACT_MAX_ENTRIES),
  }), { maxBytes: DEFAULT_EXTRACT_MAX_BYTES, maxEntries: DEFAULT_EXTRACT_MAX_ENTRIES }),
  updates: z._default(z.object({
    /** Minutes between checks; 5 at least. */
    intervalMinutes: z._default(whole(5, 7 * 24 * 60), 360),
    lastCheckAt: z.optional(text(40)),
  }), { intervalMinutes: 360 }),
  /** An explicit proxy URL; otherwise the environment's HTTPS_PROXY applies. */
  proxy: z.optional(text(2000)),
  /** Repositories opened by name on registries without a catalog, per registry host. */
  openedRepositories: z._default(z.record(z.string(), z.array(text(300)).check(z.maxLength(200))), {}),
  window: z._default(WindowStateSchema, { width: 1280, height: 800, maximized: false }),
});

export type Settings = z.infer<typeof SettingsSchema>;
export type RegistryEntry = z.infer<typeof RegistryEntrySchema>;
export type WatchedImage = z.infer<typeof WatchedImageSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({ version: SETTINGS_VERSION });
}

/** Migrations from each older version to the next; index = the version migrated from. */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  // Version 0: the pre-release layout kept registries as a host → options map.
  0: (old) => {
    const map = (old.registries ?? {}) as Record<string, { insecure?: boolean }>;
    const registries = Array.isArray(map) ? map : Object.entries(map).map(([host, o]) => ({ host, insecure: Boolean(o?.insecure) }));
    return { ...old, registries, version: 1 };
  },
};

/** Brings any known older document up to the current version; unknown versions are left for validation to refuse. */
export function migrate(raw: Record<string, unknown>): Record<string, unknown> {
  let doc = raw;
  let version = typeof doc.version === 'number' ? doc.version : 0;
  while (version < SETTINGS_VERSION && MIGRATIONS[version]) {
    doc = MIGRATIONS[version]!(doc);
    version = typeof doc.version === 'number' ? doc.version : version + 1;
  }
  return doc;
}
