/**
 * The shapes of OCI / Docker manifests, indexes and image configs as the
 * engine reads them, and a parser that checks just enough structure to use
 * them safely (a hostile registry can serve anything).
 */
import { RegistryError } from '../../../shared/errors';
import { isDigest, type Digest } from '../digest';
import { defined, isObject, ShapeReader } from './shape';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
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
  /** What was malformed in display-only fields and left out. */
  warnings?: string[];
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
  warnings?: string[];
}

/** Docker schema1: read-only, shown raw but never copied, so nothing of it is read but its name. */
export interface Schema1Manifest {
  kind: 'schema1';
  schemaVersion: 1;
  name?: string;
  tag?: string;
  warnings?: string[];
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
    Entrypoint?: string[];
    Cmd?: string[];
    Labels?: Record<string, string>;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: string[];
  };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean; author?: string }>;
  /** What was malformed and left out. */
  warnings?: string[];
}

/** Maximum entries we accept: real indexes list tens of platforms, not millions. */
const MAX_DESCRIPTORS = 10_000;
/** RFC 6838 type/subtype, the form every descriptor media type takes. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
/** An OS, architecture or variant name: short, no spaces or separators of other grammars. */
const PLATFORM_WORD = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function malformed(registry: string, where: string, what: string): RegistryError {
  return new RegistryError('protocol', `${registry}: ${where} ${what}`, { registry },
    'The registry served a manifest regdesk cannot trust; nothing it names was fetched.');
}

function platformOf(v: unknown, field: string, shape: ShapeReader): PlatformSpec | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || typeof v.os !== 'string' || typeof v.architecture !== 'string' || !PLATFORM_WORD.test(v.os) || !PLATFORM_WORD.test(v.architecture)) {
    return shape.warn(`${field}.platform`, 'is not an os/architecture pair');
  }
  const variant = typeof v.variant === 'string' && PLATFORM_WORD.test(v.variant) ? v.variant : v.variant === undefined ? undefined : shape.warn(`${field}.platform.variant`, 'is not a variant name');
  return {
    os: v.os,
    architecture: v.architecture,
    ...defined({
      variant,
      'os.version': shape.text(v['os.version'], `${field}.platform.os.version`)?.slice(0, 256),
      'os.features': shape.texts(v['os.features'], `${field}.platform.os.features`),
    }),
  };
}

/**
 * A descriptor: the digest, media type and size that name and bound what it
 * points at are required and strict (a bad one is a protocol error: it would
 * otherwise become a URL or a path); what is only shown is dropped with a warning.
 */
function descriptor(v: unknown, field: string, registry: string, shape: ShapeReader): Descriptor {
  if (!isObject(v)) throw malformed(registry, field, 'is not a descriptor');
  if (!isDigest(v.digest)) throw malformed(registry, `${field}.digest`, `is not a valid digest (${quoteValue(v.digest)})`);
  if (typeof v.mediaType !== 'string' || !MEDIA_TYPE.test(v.mediaType)) throw malformed(registry, `${field}.mediaType`, `is not a media type (${quoteValue(v.mediaType)})`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) throw malformed(registry, `${field}.size`, `is not a size in bytes (${quoteValue(v.size)})`);
  const artifactType = v.artifactType === undefined ? undefined
    : typeof v.artifactType === 'string' && MEDIA_TYPE.test(v.artifactType) ? v.artifactType : shape.warn(`${field}.artifactType`, 'is not a media type');
  return {
    mediaType: v.mediaType,
    digest: v.digest,
    size: v.size,
    ...defined({
      platform: platformOf(v.platform, field, shape),
      annotations: shape.textMap(v.annotations, `${field}.annotations`),
      artifactType,
      urls: shape.texts(v.urls, `${field}.urls`),
    }),
  };
}

/** A value from a registry, quoted for an error message: bounded, control characters made visible. */
function quoteValue(v: unknown): string {
  if (typeof v !== 'string') return v === undefined ? 'missing' : typeof v;
  const cut = v.length > 80 ? `${v.slice(0, 80)}…` : v;
  return JSON.stringify(cut);
}

function descriptors(v: unknown[], field: string, registry: string, shape: ShapeReader): Descriptor[] {
  if (v.length > MAX_DESCRIPTORS) throw malformed(registry, field, `lists ${v.length} entries (at most ${MAX_DESCRIPTORS})`);
  return v.map((d, i) => descriptor(d, `${field}[${i}]`, registry, shape));
}

/**
 * Parses a manifest or index into its shape. Every descriptor's digest, media
 * type and size are checked with their grammars here, once: nothing a
 * registry wrote can name a URL or a file that the parser did not accept.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string, registry: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RegistryError('protocol', `${registry}: the manifest is not valid JSON`, { registry });
  }
  if (!isObject(json)) throw new RegistryError('protocol', `${registry}: the manifest is not a JSON object`, { registry });
  const shape = new ShapeReader('manifest');
  const warnings = (): { warnings?: string[] } => (shape.warnings.length ? { warnings: shape.warnings } : {});
  if (json.schemaVersion === 1) {
    return { kind: 'schema1', schemaVersion: 1, ...defined({ name: shape.text(json.name, 'name'), tag: shape.text(json.tag, 'tag') }), ...warnings() };
  }
  const schemaVersion = typeof json.schemaVersion === 'number' ? json.schemaVersion : 2;
  const common = (): Pick<ImageIndex, 'mediaType' | 'annotations' | 'subject' | 'artifactType'> => defined({
    mediaType: typeof json.mediaType === 'string' && MEDIA_TYPE.test(json.mediaType) ? json.mediaType : json.mediaType === undefined ? undefined : shape.warn('mediaType', 'is not a media type'),
    annotations: shape.textMap(json.annotations, 'annotations'),
    subject: json.subject === undefined ? undefined : descriptor(json.subject, 'subject', registry, shape),
    artifactType: typeof json.artifactType === 'string' && MEDIA_TYPE.test(json.artifactType) ? json.artifactType : json.artifactType === undefined ? undefined : shape.warn('artifactType', 'is not a media type'),
  });
  if (Array.isArray(json.manifests)) {
    const manifests = descriptors(json.manifests, 'manifests', registry, shape);
    return { kind: 'index', schemaVersion, manifests, ...common(), ...warnings() };
  }
  if (isObject(json.config) && Array.isArray(json.layers)) {
    const config = descriptor(json.config, 'config', registry, shape);
    const layers = descriptors(json.layers, 'layers', registry, shape);
    return { kind: 'image', schemaVersion, config, layers, ...common(), ...warnings() };
  }
  throw new RegistryError('protocol', `${registry}: unrecognised manifest (media type ${mediaType.slice(0, 80)})`, { registry });
}

/**
 * An image config read into the shape regdesk shows (platform, dates, env,
 * entrypoint, labels, history...). Fields of another type are left out with a
 * warning; nothing of the raw document is kept.
 */
export function parseImageConfig(raw: unknown, where: string): ImageConfig {
  const shape = new ShapeReader(where);
  if (!isObject(raw)) {
    shape.warn('the document', 'is not a JSON object');
    return { warnings: shape.warnings };
  }
  const c = raw.config === undefined || raw.config === null ? undefined : isObject(raw.config) ? raw.config : shape.warn('config', 'is not an object');
  const rootfs = raw.rootfs === undefined ? undefined : isObject(raw.rootfs) ? raw.rootfs : shape.warn('rootfs', 'is not an object');
  const word = (v: unknown, field: string): string | undefined => {
    const text = shape.text(v, field);
    return text === undefined || PLATFORM_WORD.test(text) ? text : shape.warn(field, 'is not a platform name');
  };
  const config: ImageConfig = defined({
    architecture: word(raw.architecture, 'architecture'),
    os: word(raw.os, 'os'),
    variant: word(raw.variant, 'variant'),
    created: shape.text(raw.created, 'created'),
    author: shape.text(raw.author, 'author'),
    config: c && defined({
      Env: shape.texts(c.Env, 'config.Env'),
      Entrypoint: shape.texts(c.Entrypoint, 'config.Entrypoint'),
      Cmd: shape.texts(c.Cmd, 'config.Cmd'),
      Labels: shape.textMap(c.Labels, 'config.Labels'),
      WorkingDir: shape.text(c.WorkingDir, 'config.WorkingDir'),
      User: shape.text(c.User, 'config.User'),
      ExposedPorts: shape.keys(c.ExposedPorts, 'config.ExposedPorts'),
    }),
    rootfs: rootfs && defined({ type: shape.text(rootfs.type, 'rootfs.type'), diff_ids: shape.texts(rootfs.diff_ids, 'rootfs.diff_ids') }),
    history: shape.objects(raw.history, 'history', (h, field) => defined({
      created: shape.text(h.created, `${field}.created`),
      created_by: shape.text(h.created_by, `${field}.created_by`),
      comment: shape.text(h.comment, `${field}.comment`),
      empty_layer: shape.flag(h.empty_layer, `${field}.empty_layer`),
      author: shape.text(h.author, `${field}.author`),
    })),
  });
  if (shape.warnings.length) config.warnings = shape.warnings;
  return config;
}
