/**
 * Manifests: GET and HEAD with the Accept list of every format we read, PUT
 * with the exact bytes, DELETE by digest. Every manifest read is checked: the
 * digest of the bytes must equal the digest asked for and the registry's
 * Docker-Content-Digest header, whichever are known.
 */
import { RegistryError } from '../../../shared/errors';
import { deleteScope, pullScope, pushScope } from '../auth/scopes';
import { digestOf, digestParts, isDigest, type Digest } from '../digest';
import { MANIFEST_ACCEPT, MEDIA_TYPES } from '../media-types';
import { MAX_MANIFEST_BYTES, readBounded } from '../transport/body';
import { errorForStatus } from '../transport/status-errors';
import type { Fetch, RegistryRequest, RegistryResponse } from '../transport/types';
import { deniedAfterAuth, type AbsentWhenDenied } from './denied';
import { parseManifest, type ParsedManifest } from './manifest-types';
import { describeReference, parseManifestTarget, v2Path, type ParsedManifestTarget } from './paths';

export interface ManifestTarget {
  registry: string;
  repository: string;
  /** A tag or a digest. */
  reference: string;
}

export interface ManifestHead {
  digest: Digest;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ManifestHead {
  /** Exactly the bytes the registry served. */
  bytes: Buffer;
  parsed: ParsedManifest;
}

interface CallOptions {
  signal?: AbortSignal;
}

interface ReadOptions extends CallOptions {
  /**
   * May a configured mirror answer? Yes for reads of a source (the default); never
   * for what is asked on behalf of a destination (does it have this manifest?).
   */
  mirrorable?: boolean;
}

const describe = (t: ManifestTarget): string => `manifest ${describeReference(t.repository, t.reference)}`;

/** Content-Type without parameters; generic types are left to the document's own mediaType field. */
function contentType(res: RegistryResponse): string | undefined {
  const value = res.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (!value || value === 'application/json' || value === 'text/plain' || value === 'application/octet-stream') return undefined;
  return value;
}

function checkDigest(t: ParsedManifestTarget, bytes: Buffer, header: string | undefined): Digest {
  const where = { registry: t.registry, repository: t.repository };
  const asked = isDigest(t.reference) ? t.reference : undefined;
  const chosen = asked ?? (header && isDigest(header) ? header : undefined);
  const algorithm = chosen ? digestParts(chosen).algorithm : 'sha256';
  const actual = digestOf(bytes, algorithm);
  if (asked && actual !== asked) {
    throw new RegistryError('digest_mismatch', `${t.registry}: ${describe(t)} has digest ${actual}, not the one asked for`, where,
      'The registry served other content than requested; do not trust it.');
  }
  if (header) {
    if (!isDigest(header)) throw new RegistryError('protocol', `${t.registry}: malformed Docker-Content-Digest header on ${describe(t)}`, where);
    const headerAlgorithm = digestParts(header).algorithm;
    const check = headerAlgorithm === algorithm ? actual : digestOf(bytes, headerAlgorithm);
    if (check !== header) {
      throw new RegistryError('digest_mismatch', `${t.registry}: Docker-Content-Digest of ${describe(t)} does not match its content`, where,
        'The registry or a proxy altered the manifest; do not trust it.');
    }
  }
  return actual;
}

function mediaTypeOf(res: RegistryResponse, parsed: ParsedManifest): string {
  const declared = 'mediaType' in parsed && typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  const fromHeader = contentType(res);
  if (fromHeader) return fromHeader;
  if (declared) return declared;
  if (parsed.kind === 'schema1') return MEDIA_TYPES.dockerSchema1Signed;
  return parsed.kind === 'index' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
}

/** GET and HEAD of a manifest: every format we read, pull scope, and mirrors allowed unless refused. */
function readRequest(t: ParsedManifestTarget, method: 'GET' | 'HEAD', options: ReadOptions): RegistryRequest {
  return {
    registry: t.registry,
    repository: t.repository,
    method,
    target: v2Path.manifest(t.repository, t.reference),
    headers: { accept: MANIFEST_ACCEPT },
    scopes: [pullScope(t.repository)],
    mirrorable: options.mirrorable ?? true,
    signal: options.signal,
  };
}

export async function getManifest(fetch: Fetch, target: ManifestTarget, options: ReadOptions = {}): Promise<FetchedManifest> {
  const t = parseManifestTarget(target);
  const where = { registry: t.registry, repository: t.repository };
  const res = await fetch(readRequest(t, 'GET', options));
  if (res.status !== 200) throw await errorForStatus(res, { ...where, what: describe(t), notFound: 'manifest' });
  const bytes = await readBounded(res, MAX_MANIFEST_BYTES, { ...where, what: describe(t) });
  const digest = checkDigest(t, bytes, res.headers['docker-content-digest']);
  const parsed = parseManifest(bytes, contentType(res) ?? '', t.registry);
  return { bytes, digest, size: bytes.length, mediaType: mediaTypeOf(res, parsed), parsed };
}

/** HEAD: digest, media type and size without the body. Undefined when the manifest does not exist. */
export async function headManifest(fetch: Fetch, target: ManifestTarget, options: ReadOptions & AbsentWhenDenied = {}): Promise<ManifestHead | undefined> {
  const t = parseManifestTarget(target);
  const where = { registry: t.registry, repository: t.repository };
  const res = await fetch(readRequest(t, 'HEAD', options));
  await res.body.dump();
  if (res.status === 404 || (options.absentWhenDenied && deniedAfterAuth(res))) return undefined;
  if (res.status !== 200) throw await errorForStatus(res, { ...where, what: describe(t), notFound: 'manifest' });
  const header = res.headers['docker-content-digest'];
  const mediaType = contentType(res);
  const size = Number(res.headers['content-length']);
  if (!header || !isDigest(header) || !mediaType || !Number.isSafeInteger(size)) {
    // Some registries omit these on HEAD; a GET settles it (and checks the digest).
    const full = await getManifest(fetch, t, options);
    return { digest: full.digest, mediaType: full.mediaType, size: full.size };
  }
  if (isDigest(t.reference) && header !== t.reference) {
    throw new RegistryError('digest_mismatch', `${t.registry}: HEAD of ${describe(t)} answered another digest`, where);
  }
  return { digest: header, mediaType, size };
}

/** PUT the exact bytes with Content-Type = media type, so the digest at the destination equals ours. */
export async function putManifest(fetch: Fetch, target: ManifestTarget, bytes: Buffer, mediaType: string, options: CallOptions = {}): Promise<Digest> {
  const t = parseManifestTarget(target);
  const where = { registry: t.registry, repository: t.repository };
  const digest = isDigest(t.reference) ? t.reference : digestOf(bytes, 'sha256');
  if (isDigest(t.reference) && digestOf(bytes, digestParts(t.reference).algorithm) !== t.reference) {
    throw new RegistryError('digest_mismatch', `refusing to push ${describe(t)}: the bytes have another digest`, where);
  }
  const res = await fetch({
    ...where,
    method: 'PUT',
    target: v2Path.manifest(t.repository, t.reference),
    headers: { 'content-type': mediaType },
    body: bytes,
    scopes: [pushScope(t.repository)],
    signal: options.signal,
  });
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await errorForStatus(res, { ...where, what: describe(t), notFound: 'repository' });
  await res.body.dump();
  const answered = res.headers['docker-content-digest'];
  if (answered && isDigest(answered) && digestParts(answered).algorithm === digestParts(digest).algorithm && answered !== digest) {
    throw new RegistryError('digest_mismatch', `${t.registry}: the registry stored ${describe(t)} under another digest`, where);
  }
  return digest;
}

export async function deleteManifest(fetch: Fetch, target: ManifestTarget, options: CallOptions = {}): Promise<void> {
  const t = parseManifestTarget(target);
  const where = { registry: t.registry, repository: t.repository };
  if (!isDigest(t.reference)) {
    throw new RegistryError('invalid_reference', 'a manifest is deleted by digest, not by tag', { ...where, part: 'digest' }, 'Resolve the tag to its digest first (regdesk digest).');
  }
  const res = await fetch({
    ...where,
    method: 'DELETE',
    target: v2Path.manifest(t.repository, t.reference),
    scopes: [deleteScope(t.repository)],
    signal: options.signal,
  });
  if (res.status === 202 || res.status === 200 || res.status === 204) {
    await res.body.dump();
    return;
  }
  const error = await errorForStatus(res, { ...where, what: describe(t), notFound: 'manifest' });
  if (res.status === 405 || (res.status === 400 && error.context.registryCode === 'UNSUPPORTED')) {
    throw new RegistryError('unsupported', `${t.registry}: this registry does not allow deleting manifests`, error.context,
      'Deletion is disabled in the registry configuration (storage.delete.enabled for distribution).');
  }
  throw error;
}
