/**
 * The one place that maps an unexpected HTTP status to a typed error (as
 * regclient's HTTPError does). It reads at most 64 KiB of the body, keeps the
 * registry's own error code, and says what to do next.
 */
import { RegistryError, type ErrorContext } from '../../../shared/errors';
import { MAX_ERROR_BODY_BYTES, readBounded } from './body';
import { parseRetryAfter } from './retry';
import { quotaExhausted, quotaText } from './throttle';
import type { RegistryResponse } from './types';

export interface StatusContext {
  registry: string;
  repository?: string;
  /** What was asked for, for the message: "manifest library/nginx:1.25", "tag list". */
  what: string;
  /** What a 404 means here. */
  notFound?: ErrorContext['kind'];
  /** Extra secrets to scrub from the registry's message (never expected there, but cheap to be sure). */
  scrub?: (text: string) => string;
}

interface RegistryErrorBody {
  errors?: Array<{ code?: unknown; message?: unknown }>;
}

const NOT_FOUND_KIND: Record<string, ErrorContext['kind']> = {
  MANIFEST_UNKNOWN: 'manifest',
  BLOB_UNKNOWN: 'blob',
  NAME_UNKNOWN: 'repository',
  BLOB_UPLOAD_UNKNOWN: 'upload',
};

async function registryDetail(res: RegistryResponse, ctx: StatusContext): Promise<{ code?: string; message?: string }> {
  if (res.body.readableEnded) return {};
  let bytes: Buffer;
  try {
    bytes = await readBounded(res, MAX_ERROR_BODY_BYTES, { registry: ctx.registry, what: 'error body' });
  } catch {
    return {};
  }
  try {
    const first = (JSON.parse(bytes.toString('utf8')) as RegistryErrorBody).errors?.[0];
    const code = typeof first?.code === 'string' ? first.code.slice(0, 64) : undefined;
    // Secrets are masked in the whole, raw message first: cut or squashed, a secret would no longer match.
    const raw = typeof first?.message === 'string' ? first.message : undefined;
    const scrubbed = raw && (res.scrub ?? ((t: string) => t))(ctx.scrub ? ctx.scrub(raw) : raw);
    const message = scrubbed?.replace(/\s+/g, ' ').slice(0, 200);
    return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
  } catch {
    return {};
  }
}

export async function errorForStatus(res: RegistryResponse, ctx: StatusContext): Promise<RegistryError> {
  const detail = await registryDetail(res, ctx);
  const base: ErrorContext = {
    registry: ctx.registry,
    ...(ctx.repository ? { repository: ctx.repository } : {}),
    status: res.status,
    ...(detail.code ? { registryCode: detail.code } : {}),
  };
  const said = detail.message ? ` (registry says: ${detail.message})` : '';
  const challenge = res.headers['www-authenticate'] ?? '';
  // GHCR and Quay answer DENIED for a repository that does not exist as for one that may not be read.
  const orMissing = detail.code === 'DENIED' && ctx.repository && !/error="?insufficient_scope/i.test(challenge)
    ? ` This registry may answer the same for a repository that does not exist: check the name ${ctx.repository}.` : '';
  switch (res.status) {
    case 401:
      // DENIED is a refusal of this account (Quay answers 401 for it), not a bad password.
      if ((/error="?insufficient_scope/i.test(challenge) || detail.code === 'DENIED') && res.auth?.withCredentials) {
        return new RegistryError('authorization', `${ctx.registry}: access denied to ${ctx.what}${said}`, base, `Your account lacks the permission for this; ask the registry owner.${orMissing}`);
      }
      if (res.auth?.withCredentials) {
        return new RegistryError('authentication', `${ctx.registry}: the credentials were rejected${said}`, base, `Check the user name and password: regdesk login ${ctx.registry}${orMissing ? `.${orMissing}` : ''}`);
      }
      return new RegistryError('authentication', `${ctx.registry}: authentication required for ${ctx.what}${said}`, base, `Sign in: regdesk login ${ctx.registry}${orMissing ? `.${orMissing}` : ''}`);
    case 403:
      return new RegistryError('authorization', `${ctx.registry}: access denied to ${ctx.what}${said}`, base, `Your account lacks the permission for this; ask the registry owner.${orMissing}`);
    case 404: {
      const kind = (detail.code && Object.hasOwn(NOT_FOUND_KIND, detail.code) ? NOT_FOUND_KIND[detail.code] : undefined) ?? ctx.notFound;
      return new RegistryError('not_found', `${ctx.registry}: ${ctx.what} not found${said}`, { ...base, ...(kind ? { kind } : {}) }, 'Check the repository, tag or digest.');
    }
    case 412:
      // Harbor's immutable tags: a push over one is refused with 412 PRECONDITION.
      return new RegistryError('unsupported', `${ctx.registry}: ${ctx.what} is protected by the registry (a tag immutability rule)${said}`, base,
        'Push under a new tag, or ask a project admin to change the immutability rule.');
    case 405:
      return new RegistryError('unsupported', `${ctx.registry}: the registry does not support this operation on ${ctx.what}${said}`, base);
    case 429: {
      if (quotaExhausted(res.headers)) {
        const quota = quotaText(res.headers);
        return new RegistryError('rate_limited', `${ctx.registry}: its pull quota${quota ? ` (${quota})` : ''} is used up${said}`, base,
          `A quota, not a short wait: signing in (regdesk login ${ctx.registry}) usually gives a higher one; otherwise try again when its window has passed.`);
      }
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
      const when = retryAfterMs !== undefined ? ` Try again in ${Math.ceil(retryAfterMs / 1000)} s.` : ' Try again later.';
      return new RegistryError('rate_limited', `${ctx.registry}: rate limit reached${said}`, { ...base, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
        `The registry limits requests.${when}`);
    }
    default:
      if (res.status >= 500) {
        return new RegistryError('network', `${ctx.registry}: the registry failed with HTTP ${res.status} on ${ctx.what}${said}`, base, 'The registry has a problem; try again later.');
      }
      return new RegistryError('protocol', `${ctx.registry}: unexpected HTTP ${res.status} for ${ctx.what}${said}`, base);
  }
}
