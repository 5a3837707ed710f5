/**
 * The shapes of OCI / Docker manifests, indexes and image configs as the
 * engine reads them, and a parser that checks just enough structure to use
 * them safely (a hostile registry can serve anything).
 */
import { RegistryError } from '../../../shared/errors';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: PlatformSpec;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
}

export interface ImageIndex {
  kind: 'index';
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export interface ImageManifest {
  kind: 'image';
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

/** Docker schema1: read-only, shown but never copied. */
export interface Schema1Manifest {
  kind: 'schema1';
  schemaVersion: 1;
  name?: string;
  tag?: string;
  architecture?: string;
  fsLayers: Array<{ blobSum: string }>;
  history?: Array<{ v1Compatibility: string }>;
}

export type ParsedManifest = ImageIndex | ImageManifest | Schema1Manifest;

export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Labels?: Record<string, string> | null;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown>;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean; author?: string }>;
}

/** Maximum depth/entries we accept: real indexes list tens of platforms, not millions. */
const MAX_DESCRIPTORS = 10_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function descriptor(v: unknown, where: string, registry: string): Descriptor {
  if (!isObject(v) || typeof v.digest !== 'string' || typeof v.mediaType !== 'string' || typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) {
    throw new RegistryError('protocol', `${registry}: malformed descriptor in ${where}`, { registry });
  }
  return v as unknown as Descriptor;
}

export function parseManifest(bytes: Uint8Array, mediaType: string, registry: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RegistryError('protocol', `${registry}: the manifest is not valid JSON`, { registry });
  }
  if (!isObject(json)) throw new RegistryError('protocol', `${registry}: the manifest is not a JSON object`, { registry });
  if (json.schemaVersion === 1) return { ...(json as object), kind: 'schema1' } as Schema1Manifest;
  if (Array.isArray(json.manifests)) {
    if (json.manifests.length > MAX_DESCRIPTORS) throw new RegistryError('protocol', `${registry}: the index lists too many manifests`, { registry });
    json.manifests.forEach((d, i) => descriptor(d, `manifests[${i}]`, registry));
    return { ...(json as object), kind: 'index' } as ImageIndex;
  }
  if (isObject(json.config) && Array.isArray(json.layers)) {
    descriptor(json.config, 'config', registry);
    if (json.layers.length > MAX_DESCRIPTORS) throw new RegistryError('protocol', `${registry}: the manifest lists too many layers`, { registry });
    json.layers.forEach((d, i) => descriptor(d, `layers[${i}]`, registry));
    return { ...(json as object), kind: 'image' } as ImageManifest;
  }
  throw new RegistryError('protocol', `${registry}: unrecognised manifest (media type ${mediaType.slice(0, 80)})`, { registry });
}
