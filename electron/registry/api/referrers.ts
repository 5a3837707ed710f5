/**
 * Referrers (signatures, SBOMs, attestations attached to a manifest): the OCI
 * 1.1 Referrers API when the registry has it, else the `sha256-<hex>` tag
 * schema that older registries use. Filtered by artifactType either way.
 */
import { RegistryError } from '../../../shared/errors';
import { pullScope } from '../auth/scopes';
import { digestParts, parseDigest } from '../digest';
import { MEDIA_TYPES } from '../media-types';
import { MAX_MANIFEST_BYTES, readBounded } from '../transport/body';
import { errorForStatus } from '../transport/status-errors';
import type { Fetch } from '../transport/types';
import { parseManifest, type Descriptor } from './manifest-types';
import { getManifest } from './manifests';
import { parseBlobTarget, v2Path } from './paths';

export interface ReferrersTarget {
  registry: string;
  repository: string;
  /** The subject's digest. */
  digest: string;
}

export interface ReferrersResult {
  referrers: Descriptor[];
  /** How they were found. */
  source: 'api' | 'tag-schema' | 'none';
}

/** The fallback tag of the referrers tag schema: `sha256:abc…` → `sha256-abc…`. */
export function referrersTag(digest: string): string {
  const d = digestParts(parseDigest(digest));
  return `${d.algorithm}-${d.hex}`;
}

export async function listReferrers(fetch: Fetch, target: ReferrersTarget, options: { artifactType?: string; signal?: AbortSignal } = {}): Promise<ReferrersResult> {
  const t = parseBlobTarget(target);
  const where = { registry: t.registry, repository: t.repository };
  const filter = (list: Descriptor[]): Descriptor[] => (options.artifactType ? list.filter((d) => d.artifactType === options.artifactType) : list);
  const query = options.artifactType ? `?artifactType=${encodeURIComponent(options.artifactType)}` : '';
  const res = await fetch({
    ...where,
    method: 'GET',
    target: `${v2Path.referrers(t.repository, t.digest)}${query}`,
    headers: { accept: MEDIA_TYPES.ociIndex },
    scopes: [pullScope(t.repository)],
    signal: options.signal,
  });
  const type = res.headers['content-type']?.split(';')[0]?.trim();
  if (res.status === 200 && type === MEDIA_TYPES.ociIndex) {
    const bytes = await readBounded(res, MAX_MANIFEST_BYTES, { ...where, what: 'referrers list' });
    const parsed = parseManifest(bytes, MEDIA_TYPES.ociIndex, t.registry);
    if (parsed.kind !== 'index') throw new RegistryError('protocol', `${t.registry}: the referrers answer is not an index`, where);
    return { referrers: filter(parsed.manifests), source: 'api' };
  }
  // 404 (no API) or anything that is not an index: the registry predates the API. Harbor 2.7 answers
  // 401 without a challenge there: a real refusal always says how to authenticate, so that is no API either.
  const unchallenged401 = res.status === 401 && !res.headers['www-authenticate'];
  if (res.status !== 200 && res.status !== 404 && res.status !== 400 && res.status !== 405 && !unchallenged401) {
    throw await errorForStatus(res, { ...where, what: `referrers of ${t.digest}` });
  }
  await res.body.dump();
  try {
    const index = await getManifest(fetch, { ...where, reference: referrersTag(t.digest) }, options);
    // GitLab resolves an unknown `sha256-<hex>` tag to that digest: the subject itself, which lists none.
    if (index.digest === t.digest) return { referrers: [], source: 'none' };
    if (index.parsed.kind !== 'index') return { referrers: [], source: 'tag-schema' };
    return { referrers: filter(index.parsed.manifests), source: 'tag-schema' };
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'not_found') return { referrers: [], source: 'none' };
    throw err;
  }
}
