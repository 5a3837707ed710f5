/**
 * Per-registry transport settings, from two places: the registries the user
 * added in settings (insecure flag, CA file), and an optional `registries.json`
 * in the settings folder for people who manage many machines:
 *
 *   { "mirrors": { "docker.io": ["https://mirror.internal:5000"] },
 *     "insecure": ["registry.lan:5000"],
 *     "ca": { "registry.corp": "/etc/ssl/corp-ca.pem" } }
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { RegistryError } from '../../shared/errors';
import { caFileError, readCaFile } from './ca-file';
import { canonicalRegistry } from '../../shared/names';
import type { RegistryHostConfig } from '../registry/transport/types';
import type { RegistryEntry } from './schema';

export const REGISTRY_CONFIG_NAME = 'registries.json';

const RegistryConfigFileSchema = z.object({
  mirrors: z._default(z.record(z.string(), z.array(z.string().check(z.maxLength(1000))).check(z.maxLength(20))), {}),
  insecure: z._default(z.array(z.string().check(z.maxLength(300))).check(z.maxLength(500)), []),
  ca: z._default(z.record(z.string(), z.string().check(z.maxLength(4096))), {}),
});

export type RegistryConfigFile = z.infer<typeof RegistryConfigFileSchema>;

export interface LoadedRegistryConfig {
  file: RegistryConfigFile;
  /** Set when the file exists but is unusable; the file is then ignored. */
  problem?: string;
}

export function loadRegistryConfig(dir: string): LoadedRegistryConfig {
  const empty = RegistryConfigFileSchema.parse({});
  let text: string;
  try {
    text = readFileSync(join(dir, REGISTRY_CONFIG_NAME), 'utf8');
  } catch {
    return { file: empty };
  }
  try {
    const checked = RegistryConfigFileSchema.safeParse(JSON.parse(text));
    if (checked.success) return { file: checked.data };
    return { file: empty, problem: `${REGISTRY_CONFIG_NAME} ignored: ${checked.error.issues[0]?.message ?? 'invalid'}` };
  } catch {
    return { file: empty, problem: `${REGISTRY_CONFIG_NAME} ignored: not valid JSON` };
  }
}

export interface HostConfigSources {
  registries?: RegistryEntry[];
  file?: RegistryConfigFile;
  /** Registries made insecure for this run (CLI --insecure). */
  insecure?: string[];
  /** CA files for this run (CLI --ca-file applies to the registries it names). */
  caFiles?: Record<string, string>;
}

/** What each CA file named in the sources holds: its bytes, or why it cannot be used. */
export type LoadedCaFiles = ReadonlyMap<string, Buffer | RegistryError>;

const byKey = <T>(record: Record<string, T> | undefined, registry: string): T | undefined => {
  for (const [key, value] of Object.entries(record ?? {})) if (canonicalRegistry(key) === registry) return value;
  return undefined;
};

/** The CA file that applies to a registry: this run's, else its settings entry's, else registries.json's. */
function caFileFor(sources: HostConfigSources, registry: string): string | undefined {
  const entry = sources.registries?.find((r) => canonicalRegistry(r.host) === registry);
  return byKey(sources.caFiles, registry) ?? entry?.caFile ?? byKey(sources.file?.ca, registry);
}

/** Reads every CA file the sources name, once each and asynchronously; a file that cannot be used is kept as its error. */
export async function loadCaFiles(sources: HostConfigSources): Promise<LoadedCaFiles> {
  const paths = new Set([
    ...Object.values(sources.caFiles ?? {}),
    ...(sources.registries ?? []).flatMap((r) => (r.caFile ? [r.caFile] : [])),
    ...Object.values(sources.file?.ca ?? {}),
  ]);
  const hint = 'Fix the path in registries.json or in the registry settings.';
  const loaded = await Promise.all([...paths].map(async (path): Promise<[string, Buffer | RegistryError]> => {
    try {
      return [path, await readCaFile(path, { hint })];
    } catch (err) {
      return [path, err instanceof RegistryError ? err : new RegistryError('usage', `the CA file ${path.slice(0, 200)} cannot be used`, {}, hint)];
    }
  }));
  return new Map(loaded);
}

/**
 * Merges every source into the engine's `hostConfig` lookup, with the CA files
 * read beforehand (loadCaFiles). A registry whose CA file cannot be used fails
 * its requests with that file's error; other registries are not affected.
 */
export function hostConfigFrom(sources: HostConfigSources, cas: LoadedCaFiles = new Map()): (registry: string) => RegistryHostConfig | undefined {
  const ca = (path: string, registry: string): Buffer => {
    const loaded = cas.get(path) ?? new RegistryError('internal', `the CA file ${path.slice(0, 200)} was not read`);
    if (loaded instanceof RegistryError) throw caFileError(loaded, registry);
    return loaded;
  };
  return (registryKey) => {
    const registry = canonicalRegistry(registryKey);
    const entry = sources.registries?.find((r) => canonicalRegistry(r.host) === registry);
    const insecure = Boolean(entry?.insecure) || [...(sources.insecure ?? []), ...(sources.file?.insecure ?? [])].some((h) => canonicalRegistry(h) === registry);
    const caFile = caFileFor(sources, registry);
    const mirrors = byKey(sources.file?.mirrors, registry);
    const config: RegistryHostConfig = {
      ...(insecure ? { insecure: true } : {}),
      ...(entry?.skipVerify ? { skipVerify: true } : {}),
      ...(caFile ? { ca: ca(caFile, registry) } : {}),
      ...(mirrors?.length ? { mirrors } : {}),
    };
    return Object.keys(config).length ? config : undefined;
  };
}
