/**
 * Images carrying JSON nested deeper than a recursive encoder can go
 * (V8's JSON.stringify overflows its stack at about 5,000 levels), yet small and
 * with valid digests: what a hostile registry can serve.
 */
import { buildImage, MT, sha256, type RigManifest } from './images';

/**
 * As deep as a manifest the registry accepts can be: distribution refuses JSON nested
 * 10,000 levels (MANIFEST_INVALID), a config blob it stores without reading.
 */
export const MANIFEST_DEPTH = 9_000;

/** `depth` nested arrays: two bytes a level. */
export const deeplyNested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

const MARK = '\u0000raw-json\u0000';

/** `value` as JSON with `raw` spliced in, verbatim, where MARK stands. */
const splice = (value: unknown, raw: string): Buffer => Buffer.from(JSON.stringify(value).replace(JSON.stringify(MARK), raw));

/**
 * A small OCI image whose config has a label `org.example.deep` with `labelJson` as its
 * value, and whose manifest has an extra field `x-deep` holding `manifestJson`; both raw.
 */
export function imageWithRawJson(raw: { labelJson: string; manifestJson: string }): RigManifest {
  const base = buildImage();
  const baseConfig = base.config as { config: Record<string, unknown> };
  const configBytes = splice({ ...baseConfig, config: { ...baseConfig.config, Labels: { 'org.example.deep': MARK } } }, raw.labelJson);
  const config = { digest: sha256(configBytes), mediaType: MT.ociConfig, bytes: configBytes };
  const manifest = JSON.parse(base.bytes.toString('utf8')) as Record<string, unknown>;
  const bytes = splice({ ...manifest, config: { mediaType: config.mediaType, digest: config.digest, size: configBytes.length }, 'x-deep': MARK }, raw.manifestJson);
  return { digest: sha256(bytes), mediaType: MT.ociManifest, bytes, blobs: [config, ...base.blobs.slice(1)], children: [], ...(base.platform ? { platform: base.platform } : {}) };
}
