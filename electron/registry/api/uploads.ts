/**
 * Blob uploads, step by step: POST (optionally a cross-repository mount), a
 * streamed PATCH of unknown length or chunked PATCHes with Content-Range, the
 * closing PUT with the digest (or one PUT carrying a small blob whole), the
 * upload status for resuming, and DELETE to abandon a session. Upload
 * Locations must stay on the registry's origin.
 */
import type { Readable } from 'node:stream';
import { RegistryError } from '../../../shared/errors';
import { mergeScopes, pullScope, pushScope } from '../auth/scopes';
import { v2Path } from './paths';
import { parseDigest } from '../digest';
import { checkRepositoryName } from '../reference';
import { errorForStatus } from '../transport/status-errors';
import type { Fetch, RegistryResponse } from '../transport/types';

export interface UploadTarget {
  registry: string;
  repository: string;
}

export interface UploadSession extends UploadTarget {
  /** Absolute URL of the session, as the registry last gave it. */
  location: string;
  /** OCI-Chunk-Min-Length: the smallest PATCH the registry accepts (but the last). */
  minChunk?: number;
}

/** How long abandoning a session may take: it runs after a failure, often against a struggling registry. */
const CANCEL_TIMEOUT_MS = 10_000;

/** Marks our own refusal of an upload Location: policy, so another attempt would be refused the same way. */
export const LOCATION_REFUSED = 'LOCATION_REFUSED';

export type StartResult = { mounted: true } | { mounted: false; session: UploadSession };

function sessionFrom(res: RegistryResponse, target: UploadTarget, previous?: UploadSession): UploadSession {
  const where = { registry: target.registry, repository: target.repository };
  const header = res.headers.location;
  if (!header) {
    if (previous) return previous;
    throw new RegistryError('protocol', `${target.registry}: upload started without a Location`, where);
  }
  let url: URL;
  try {
    url = new URL(header, res.url);
  } catch {
    throw new RegistryError('protocol', `${target.registry}: invalid upload Location`, where);
  }
  if (url.protocol !== res.url.protocol || url.host !== res.url.host) {
    throw new RegistryError('protocol', `${target.registry}: upload Location points at another origin (${url.protocol}//${url.host}); refused`, { ...where, registryCode: LOCATION_REFUSED },
      'The registry tried to send the upload elsewhere; regdesk does not send your data or credentials there.');
  }
  const min = Number(res.headers['oci-chunk-min-length']);
  return { ...target, location: url.toString(), minChunk: Number.isSafeInteger(min) && min > 0 ? min : previous?.minChunk };
}

/** Opens an upload session, or mounts `mount.digest` from `mount.from` (201: done; 202: the registry opened a session instead). */
export async function startUpload(fetch: Fetch, target: UploadTarget, options: { mount?: { digest: string; from: string }; signal?: AbortSignal } = {}): Promise<StartResult> {
  const repository = checkRepositoryName(target.repository);
  const where = { registry: target.registry, repository };
  const mount = options.mount ? { digest: parseDigest(options.mount.digest), from: checkRepositoryName(options.mount.from) } : undefined;
  const query = mount ? `?mount=${mount.digest}&from=${encodeURIComponent(mount.from)}` : '';
  const res = await fetch({
    ...where,
    method: 'POST',
    target: `${v2Path.uploads(repository)}${query}`,
    scopes: mergeScopes([pushScope(repository)], mount ? [pullScope(mount.from)] : []),
    signal: options.signal,
  });
  if (res.status === 201 && options.mount) {
    await res.body.dump();
    return { mounted: true };
  }
  if (res.status !== 202) {
    const error = await errorForStatus(res, { ...where, what: `upload to ${target.repository}`, notFound: 'repository' });
    // ECR creates no repository on push: say so, and how to go on.
    if (res.status === 404 && error.context.registryCode === 'NAME_UNKNOWN') {
      throw new RegistryError('not_found', `${target.registry}: the repository ${repository} does not exist, and this registry does not create repositories on push`, { ...error.context, kind: 'repository' },
        `Create it first (Amazon ECR: aws ecr create-repository --repository-name ${repository}), then copy again.`);
    }
    throw error;
  }
  await res.body.dump();
  return { mounted: false, session: sessionFrom(res, target) };
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', parseDigest(digest));
  return url.toString();
}

/**
 * PATCH data into the session: `range` bytes at a position (a chunk), or, without
 * it, a stream of unknown length (Docker's streamed upload). Returns the session
 * with the Location the registry gave next; a 416 is returned, not thrown.
 */
export async function patchUpload(fetch: Fetch, session: UploadSession, body: Readable | Buffer, range?: { start: number; length: number }, signal?: AbortSignal): Promise<{ session: UploadSession; status: number }> {
  const where = { registry: session.registry, repository: session.repository };
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (range) {
    headers['content-range'] = `${range.start}-${range.start + range.length - 1}`;
    headers['content-length'] = String(range.length);
  }
  const res = await fetch({
    ...where,
    method: 'PATCH',
    target: session.location,
    headers,
    body,
    scopes: [pushScope(session.repository)],
    bodyTimeoutMs: 10 * 60_000,
    signal,
  });
  if (res.status === 416) {
    await res.body.dump();
    return { session, status: 416 };
  }
  const what = range ? `upload chunk at ${range.start}` : 'streamed upload';
  // 202 by the spec; ECR answers 201 (the chunk was taken all the same).
  if (res.status !== 202 && res.status !== 201 && res.status !== 204) throw await errorForStatus(res, { ...where, what, notFound: 'upload' });
  await res.body.dump();
  return { session: sessionFrom(res, session, session), status: res.status };
}

/** The offset the registry has (the next byte it wants), from the upload status `Range: 0-N`. */
export async function uploadOffset(fetch: Fetch, session: UploadSession, signal?: AbortSignal): Promise<{ offset: number; session: UploadSession }> {
  const where = { registry: session.registry, repository: session.repository };
  const res = await fetch({ ...where, method: 'GET', target: session.location, scopes: [pushScope(session.repository)], signal });
  if (res.status !== 204 && res.status !== 200) throw await errorForStatus(res, { ...where, what: 'upload status', notFound: 'upload' });
  await res.body.dump();
  const match = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.range?.trim() ?? '');
  return { offset: match ? Number(match[1]) + 1 : 0, session: sessionFrom(res, session, session) };
}

/** Uploads a small blob whole in one PUT (with the session's POST, two requests in all). */
export async function putWhole(fetch: Fetch, session: UploadSession, digest: string, bytes: Buffer, signal?: AbortSignal): Promise<void> {
  const where = { registry: session.registry, repository: session.repository };
  const res = await fetch({
    ...where,
    method: 'PUT',
    target: withDigest(session.location, digest),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes,
    scopes: [pushScope(session.repository)],
    signal,
  });
  if (res.status !== 201 && res.status !== 204) throw await errorForStatus(res, { ...where, what: `upload of ${digest}`, notFound: 'upload' });
  await res.body.dump();
}

/** Closes a chunked upload: PUT with the digest and no body. */
export async function finishUpload(fetch: Fetch, session: UploadSession, digest: string, signal?: AbortSignal): Promise<void> {
  const where = { registry: session.registry, repository: session.repository };
  const res = await fetch({
    ...where,
    method: 'PUT',
    target: withDigest(session.location, digest),
    headers: { 'content-length': '0' },
    scopes: [pushScope(session.repository)],
    signal,
  });
  if (res.status !== 201 && res.status !== 204) throw await errorForStatus(res, { ...where, what: `upload of ${digest}`, notFound: 'upload' });
  await res.body.dump();
}

/** Abandons a session. Best effort and never cancelled: it runs after a cancel or a failure (past an open breaker) to leave nothing open. */
export async function cancelUpload(fetch: Fetch, session: UploadSession): Promise<void> {
  try {
    const res = await fetch({
      registry: session.registry,
      repository: session.repository,
      method: 'DELETE',
      target: session.location,
      scopes: [pushScope(session.repository)],
      signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
      cleanup: true,
    });
    await res.body.dump();
  } catch {
    /* the registry purges stale sessions itself eventually */
  }
}
