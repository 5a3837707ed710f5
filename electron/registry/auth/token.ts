/**
 * Fetches bearer tokens from a registry's token server (the Docker token spec
 * and its OAuth2 variant). The realm is checked before anything is sent: only
 * http(s), no user info, no link-local or metadata address, no https→http
 * downgrade, and not this machine (loopback) unless the registry is on it too:
 * a registry elsewhere must not make us send a password to a local program.
 * Token requests follow no redirects.
 */
import { RegistryError } from '../../../shared/errors';
import { MAX_TOKEN_BODY_BYTES, readBounded } from '../transport/body';
import { isLinkLocalOrMetadata, reachesThisMachine } from '../transport/hosts';
import { ADDRESS_REFUSED_CODE, isUntrustedCertificate, LOOPBACK_REALM_HINT, TOKEN_SERVER_FAILURE } from '../transport/network-errors';
import { redactUrl, scrubSecrets } from '../transport/redact';
import type { Fetch } from '../transport/types';
import { secretsOf, type Credential } from './credentials';

export interface BearerChallenge {
  realm: string;
  service?: string;
}

export interface IssuedToken {
  token: string;
  /** Epoch ms after which the token must not be used. */
  expiresAt: number;
  /** A refresh token the server handed out (POST with access_type=offline, or GET with offline_token). */
  refreshToken?: string;
}

export interface TokenRequest {
  registry: string;
  /** The URL of the registry request that was challenged: decides what a realm may be. */
  registryUrl: URL;
  challenge: BearerChallenge;
  scopes: string[];
  credential?: Credential;
  /** Use the OAuth2 password grant (POST) and keep the refresh token it returns. */
  oauthPassword?: boolean;
  signal?: AbortSignal;
  now?: () => number;
}

/** The token spec's default lifetime when `expires_in` is absent. */
const DEFAULT_EXPIRES_IN_S = 60;
const CLIENT_ID = 'regdesk';

export function validateRealm(realm: string, registryUrl: URL, registry: string): URL {
  const where = { registry };
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryError('protocol', `${registry}: the token realm is not a valid URL`, where);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistryError('protocol', `${registry}: token realm with scheme ${url.protocol} refused`, where);
  }
  if (registryUrl.protocol === 'https:' && url.protocol === 'http:') {
    throw new RegistryError('protocol', `${registry}: token realm ${redactUrl(url)} would downgrade https to http; refused`, where,
      'The registry sends its token endpoint over plain HTTP; report it to its operator.');
  }
  if (url.username || url.password) {
    throw new RegistryError('protocol', `${registry}: token realm carries user info; refused`, where);
  }
  if (isLinkLocalOrMetadata(url.hostname)) {
    throw new RegistryError('protocol', `${registry}: token realm points at a link-local or metadata address; refused`, where);
  }
  if (reachesThisMachine(url.hostname) && !reachesThisMachine(registryUrl.hostname)) {
    throw new RegistryError('protocol', `${registry}: token realm ${redactUrl(url)} points at this machine (loopback) but the registry is elsewhere; refused, nothing was sent`,
      { ...where, registryCode: ADDRESS_REFUSED_CODE }, LOOPBACK_REALM_HINT);
  }
  return url;
}

/**
 * Whether the realm's name must not resolve to this machine either (checked as the connection is
 * made): yes unless the registry is on this machine, or the realm is on the registry's own host name
 * (which reaches wherever the registry's does).
 */
export function realmMustNotBeLocal(realm: URL, registryUrl: URL): boolean {
  return !reachesThisMachine(registryUrl.hostname) && realm.hostname !== registryUrl.hostname;
}

interface TokenBody {
  token?: unknown;
  access_token?: unknown;
  expires_in?: unknown;
  issued_at?: unknown;
  refresh_token?: unknown;
}

function parseTokenBody(bytes: Buffer, registry: string, now: number): IssuedToken {
  let body: TokenBody;
  try {
    body = JSON.parse(bytes.toString('utf8')) as TokenBody;
  } catch {
    throw new RegistryError('protocol', `${registry}: the token server answered with something that is not JSON`, { registry });
  }
  const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
  if (!token) throw new RegistryError('protocol', `${registry}: the token server answered without a token`, { registry });
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S;
  const issued = typeof body.issued_at === 'string' ? Date.parse(body.issued_at) : NaN;
  // Trust our clock unless the server's is plausibly close; a skewed issued_at must not make tokens look expired.
  const start = Number.isFinite(issued) && Math.abs(issued - now) < 5 * 60_000 ? Math.min(issued, now) : now;
  const lifetimeMs = expiresIn * 1000;
  const margin = Math.min(10_000, lifetimeMs / 10);
  return {
    token,
    expiresAt: start + lifetimeMs - margin,
    ...(typeof body.refresh_token === 'string' && body.refresh_token ? { refreshToken: body.refresh_token } : {}),
  };
}

export async function fetchToken(fetch: Fetch, req: TokenRequest): Promise<IssuedToken> {
  const now = req.now ?? Date.now;
  const realm = validateRealm(req.challenge.realm, req.registryUrl, req.registry);
  const cred = req.credential;
  // The realm's name must not resolve to a link-local or metadata address (nor, for a registry elsewhere, to
  // this machine) either: checked as the connection is made.
  const common = {
    registry: req.registry,
    refuseLinkLocal: true,
    ...(realmMustNotBeLocal(realm, req.registryUrl) ? { refuseLoopback: true } : {}),
    signal: req.signal,
  };
  const where = { registry: req.registry };

  const send = async (method: 'GET' | 'POST'): Promise<{ status: number; bytes: Buffer }> => {
    try {
      return await sendOnce(method);
    } catch (err) {
      // Say it is the token server, not the registry, that failed; the breaker leaves the registry alone.
      if (err instanceof RegistryError && (err.code === 'network' || err.code === 'timeout')) {
        const hint = isUntrustedCertificate(err)
          ? `The token server's certificate is checked on its own (the registry's CA or insecure flag does not extend to it): add the CA for ${realm.host} to registries.json ("ca").`
          : 'The registry sends clients to this token server; check that it is reachable from here.';
        throw new RegistryError(err.code, `${req.registry}: its token server ${realm.host} failed: ${err.message.startsWith(`${req.registry}: `) ? err.message.slice(req.registry.length + 2) : err.message}`,
          { ...where, registryCode: TOKEN_SERVER_FAILURE }, hint);
      }
      throw err;
    }
  };

  const sendOnce = async (method: 'GET' | 'POST'): Promise<{ status: number; bytes: Buffer }> => {
    let res;
    if (method === 'POST') {
      const form = new URLSearchParams({ client_id: CLIENT_ID });
      if (req.challenge.service) form.set('service', req.challenge.service);
      if (req.scopes.length) form.set('scope', req.scopes.join(' '));
      if (cred?.refreshToken) {
        form.set('grant_type', 'refresh_token');
        form.set('refresh_token', cred.refreshToken);
      } else {
        form.set('grant_type', 'password');
        form.set('username', cred?.username ?? '');
        form.set('password', cred?.password ?? '');
        form.set('access_type', 'offline');
      }
      res = await fetch({ ...common, method, target: realm.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    } else {
      const url = new URL(realm);
      if (req.challenge.service) url.searchParams.set('service', req.challenge.service);
      for (const scope of req.scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      if (cred?.username && cred.password) {
        url.searchParams.set('account', cred.username);
        headers.authorization = 'Basic ' + Buffer.from(`${cred.username}:${cred.password}`).toString('base64');
      }
      res = await fetch({ ...common, method, target: url.toString(), headers });
    }
    const bytes = await readBounded(res, MAX_TOKEN_BODY_BYTES, { registry: req.registry, what: 'token response' });
    return { status: res.status, bytes };
  };

  const usePost = Boolean(cred?.refreshToken) || Boolean(req.oauthPassword && cred?.username && cred.password);
  let answer = await send(usePost ? 'POST' : 'GET');
  // Token servers that take GET only refuse POST in their own ways: 404 (Artifact Registry, GitLab's HTML page),
  // 405, 400 (ACR) or 401 (Artifactory). With a user name and password the GET flow works there.
  const getWorks = Boolean(cred?.username && cred.password);
  if (usePost && (answer.status === 404 || answer.status === 405 || (getWorks && (answer.status === 400 || answer.status === 401)))) answer = await send('GET');

  if (answer.status === 200) return parseTokenBody(answer.bytes, req.registry, now());
  if (answer.status === 401 || answer.status === 403) {
    throw new RegistryError('authentication', cred ? `${req.registry}: the token server rejected the credentials` : `${req.registry}: the token server requires credentials`,
      { ...where, status: answer.status }, cred ? 'Check the user name and password (regdesk login).' : 'Sign in first (regdesk login).');
  }
  if (answer.status >= 300 && answer.status < 400) {
    throw new RegistryError('protocol', `${req.registry}: the token server answered with a redirect, which regdesk does not follow`, { ...where, status: answer.status });
  }
  // Masked before it is cut: a secret cut in two would no longer match.
  const detail = scrubSecrets(answer.bytes.toString('utf8'), secretsOf(cred)).slice(0, 200).replace(/\s+/g, ' ');
  throw new RegistryError(answer.status === 429 ? 'rate_limited' : 'protocol', `${req.registry}: the token server answered HTTP ${answer.status}: ${detail}`, { ...where, status: answer.status });
}
