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
import { canonicalRegistry } from '../credentials/registry-keys';
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
  readFile?: (path: string) => Buffer;
}

/** Merges every source into the engine's `hostConfig` lookup. CA files are read once, on first use. */
export function hostConfigFrom(sources: HostConfigSources): (registry: string) => RegistryHostConfig | undefined {
  const read = sources.readFile ?? ((path: string) => readFileSync(path));
  const caCache = new Map<string, Buffer>();
  const ca = (path: string, registry: string): Buffer => {
    let pem = caCache.get(path);
    if (!pem) {
      try {
        pem = read(path);
      } catch {
        throw new RegistryError('usage', `cannot read the CA file ${path.slice(0, 200)} configured for ${registry}`, { registry },
          'Fix the path in registries.json or in the registry settings.');
      }
      caCache.set(path, pem);
    }
    return pem;
  };
  const byKey = <T>(record: Record<string, T> | undefined, registry: string): T | undefined => {
    for (const [key, value] of Object.entries(record ?? {})) if (canonicalRegistry(key) === registry) return value;
    return undefined;
  };
  return (registryKey) => {
    const registry = canonicalRegistry(registryKey);
    const entry = sources.registries?.find((r) => canonicalRegistry(r.host) === registry);
    const insecure = Boolean(entry?.insecure) || [...(sources.insecure ?? []), ...(sources.file?.insecure ?? [])].some((h) => canonicalRegistry(h) === registry);
    const caFile = byKey(sources.caFiles, registry) ?? entry?.caFile ?? byKey(sources.file?.ca, registry);
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
