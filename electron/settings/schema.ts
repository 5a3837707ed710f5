/**
 * The settings document: what the user added (registries, watched images),
 * preferences, and window state. Never a secret: those live in the keychain.
 * Validated on every load; older versions are migrated forward.
 */
import { z } from 'zod';

export const SETTINGS_VERSION = 1;

export const RegistryEntrySchema = z.object({
  /** `host[:port]`, the key the engine and the keychain use. */
  host: z.string().min(1).max(300),
  name: z.string().max(200).optional(),
  /** Plain HTTP allowed (after HTTPS), for registries on a trusted network. */
  insecure: z.boolean().default(false),
  /** A PEM file with the CA(s) to trust for this registry. */
  caFile: z.string().max(4096).optional(),
  /** Accept any certificate. Only when the user asks. */
  skipVerify: z.boolean().default(false),
});

export const WatchRuleSchema = z.enum(['digest', 'version', 'both']);

export const WatchedImageSchema = z.object({
  id: z.string().min(1).max(100),
  /** The image reference as the user gave it (`host/repo:tag`). */
  image: z.string().min(1).max(1000),
  /** `os/arch[/variant]` when one platform is watched. */
  platform: z.string().max(100).optional(),
  rule: WatchRuleSchema.default('both'),
  /** The digest seen when the watch was set or last acknowledged. */
  digest: z.string().max(200).optional(),
  addedAt: z.string().max(40),
  snoozedUntil: z.string().max(40).optional(),
  /** Digests and version tags the user chose to ignore. */
  ignored: z.array(z.string().max(300)).max(1000).default([]),
  /** What the last check found. */
  lastCheck: z.object({
    at: z.string().max(40),
    remoteDigest: z.string().max(200).nullable(),
    newerVersions: z.array(z.string().max(200)).max(500),
    latestVersion: z.string().max(200).nullable(),
    error: z.string().max(500).optional(),
  }).optional(),
});

export const WindowStateSchema = z.object({
  width: z.number().int().min(400).max(20000).default(1280),
  height: z.number().int().min(300).max(20000).default(800),
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  maximized: z.boolean().default(false),
});

export const SettingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  /** First start shows Docker Hub (anonymous), so there is something to browse at once. */
  registries: z.array(RegistryEntrySchema).max(500).default([{ host: 'registry-1.docker.io', name: 'Docker Hub', insecure: false, skipVerify: false }]),
  watched: z.array(WatchedImageSchema).max(5000).default([]),
  notifications: z.object({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  copy: z.object({ concurrency: z.number().int().min(1).max(32).default(4) }).default({ concurrency: 4 }),
  updates: z.object({
    /** Minutes between checks; 5 at least. */
    intervalMinutes: z.number().int().min(5).max(7 * 24 * 60).default(360),
    lastCheckAt: z.string().max(40).optional(),
  }).default({ intervalMinutes: 360 }),
  /** An explicit proxy URL; otherwise the environment's HTTPS_PROXY applies. */
  proxy: z.string().max(2000).optional(),
  /** Repositories opened by name on registries without a catalog, per registry host. */
  openedRepositories: z.record(z.string(), z.array(z.string().max(300)).max(200)).default({}),
  window: WindowStateSchema.default({ width: 1280, height: 800, maximized: false }),
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
