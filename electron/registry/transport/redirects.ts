/**
 * Follows redirects by hand, because the rules for credentials are ours to keep:
 * a bounded number of hops, never from https to http, and Authorization and
 * Proxy-Authorization dropped as soon as the origin changes (blob GETs are
 * commonly redirected to a storage host with a signed URL).
 */
import { RegistryError } from '../../../shared/errors';
import { sameOrigin } from './hosts';
import { redactUrl } from './redact';
import { isReplayable, type Fetch, type Layer, type RegistryRequest } from './types';

export const DEFAULT_MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

function withoutCredentials(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!CREDENTIAL_HEADERS.includes(name.toLowerCase())) out[name] = value;
  }
  return out;
}

export function withRedirects(maxRedirects = DEFAULT_MAX_REDIRECTS): Layer {
  return (next: Fetch): Fetch =>
    async (first) => {
      const origin = new URL(first.target);
      let req: RegistryRequest = first;
      for (let hop = 0; ; hop++) {
        const res = await next(req);
        if (!REDIRECTS.has(res.status) || !res.headers.location) return res;
        await res.body.dump();
        const where = { registry: first.registry, ...(first.repository ? { repository: first.repository } : {}), status: res.status };
        if (hop >= maxRedirects) {
          throw new RegistryError('protocol', `${first.registry}: more than ${maxRedirects} redirects`, where, 'The registry or its storage is misconfigured.');
        }
        const from = new URL(req.target);
        let to: URL;
        try {
          to = new URL(res.headers.location, from);
        } catch {
          throw new RegistryError('protocol', `${first.registry}: redirect to an invalid URL`, where);
        }
        if (to.protocol !== 'https:' && to.protocol !== 'http:') {
          throw new RegistryError('protocol', `${first.registry}: redirect to a ${to.protocol} URL refused`, where);
        }
        if (from.protocol === 'https:' && to.protocol === 'http:') {
          throw new RegistryError('protocol', `${first.registry}: redirect from https to plain http refused (${redactUrl(to)})`, where,
            'The registry tried to downgrade the connection; report it to its operator.');
        }
        const method = res.status === 303 && req.method !== 'HEAD' ? 'GET' : req.method;
        if (method !== 'GET' && method !== 'HEAD' && !isReplayable(req.body)) {
          throw new RegistryError('protocol', `${first.registry}: a ${req.method} with a streamed body was redirected`, where);
        }
        const keepCredentials = sameOrigin(origin, to);
        req = {
          ...req,
          method,
          target: to.toString(),
          headers: keepCredentials ? { ...req.headers } : withoutCredentials(req.headers),
          ...(method === 'GET' || method === 'HEAD' ? { body: undefined } : {}),
        };
      }
    };
}
