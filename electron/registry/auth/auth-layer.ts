/**
 * The auth layer: answers registry challenges. The first request to a registry
 * goes out bare (anonymous first); a 401 tells which scheme the registry wants.
 * Basic sends the credentials; Bearer fetches a token for the merged scopes of
 * the request and the challenge (one token for a cross-repository mount), caches
 * it per (registry, realm, service, scopes) and re-authenticates once on
 * `insufficient_scope`. A 401 from another origin (a redirect target) is never
 * answered with this registry's credentials.
 */
import { hasSecret, secretsOf, type Credential, type CredentialSource } from './credentials';
import { fetchToken, type BearerChallenge, type IssuedToken } from './token';
import { mergeScopes } from './scopes';
import { sharedFlights } from '../shared-flight';
import { bearerScopes, insufficientScope, parseWwwAuthenticate, type Challenge } from '../www-authenticate';
import { isRegistryUrl, sameOrigin } from '../transport/hosts';
import { scrubSecrets } from '../transport/redact';
import { isReplayable, type Fetch, type Layer, type RegistryRequest, type RegistryResponse } from '../transport/types';

export interface AuthOptions {
  credentials: CredentialSource;
  /** The raw HTTP fetch used for token requests: no redirects, no auth. */
  tokenFetch: Fetch;
  /** Use the OAuth2 password grant and keep refresh tokens in memory. */
  oauthPassword?: boolean;
  now?: () => number;
}

/** What a registry asked for; a bearer challenge remembers the URL whose answer carried it, which decides what its realm may be. */
type Known = { kind: 'basic' } | { kind: 'bearer'; challenge: BearerChallenge; from: URL };

export interface AuthLayer extends Layer {
  /** Token requests made so far, for diagnostics. */
  tokenRequests(): number;
  /** Forget cached tokens and challenges (after logout, or a credential change). */
  reset(registry?: string): void;
}

export function withAuth(options: AuthOptions): AuthLayer {
  const now = options.now ?? Date.now;
  const known = new Map<string, Known>();
  const tokens = new Map<string, IssuedToken>();
  // Concurrent requests needing the same token share one fetch, which no single caller's cancel can abort.
  const pending = sharedFlights<string, IssuedToken>();
  const refreshTokens = new Map<string, string>();
  let tokenRequests = 0;
  // Bumped by reset: an answer to a request sent before the reset (under the old settings)
  // must not put back the challenge or token the reset removed.
  let allEpoch = 0;
  const epochs = new Map<string, number>();
  const epochOf = (registry: string): string => `${allEpoch}.${epochs.get(registry) ?? 0}`;

  const credentialFor = async (registry: string): Promise<Credential | undefined> => {
    const found = await options.credentials(registry);
    const refresh = refreshTokens.get(registry);
    if (refresh && found && !found.refreshToken) return { ...found, refreshToken: refresh };
    return hasSecret(found) ? found : undefined;
  };

  const token = async (req: RegistryRequest, challengedAt: URL, challenge: BearerChallenge, scopes: string[], force: boolean): Promise<{ value: string; withCredentials: boolean; secrets: string[] }> => {
    const epoch = epochOf(req.registry);
    const credential = await credentialFor(req.registry);
    const key = JSON.stringify([req.registry, challenge.realm, challenge.service ?? '', scopes, Boolean(credential), epoch]);
    const cached = tokens.get(key);
    if (!force && cached && cached.expiresAt > now()) return { value: cached.token, withCredentials: Boolean(credential), secrets: [cached.token, ...secretsOf(credential)] };
    const issued = await pending.join(key, req.signal, (signal) => {
      tokenRequests++;
      return fetchToken(options.tokenFetch, {
        registry: req.registry,
        registryUrl: challengedAt,
        challenge,
        scopes,
        ...(credential ? { credential } : {}),
        oauthPassword: options.oauthPassword,
        signal,
        now,
      });
    });
    if (epochOf(req.registry) === epoch) {
      tokens.set(key, issued);
      if (issued.refreshToken) refreshTokens.set(req.registry, issued.refreshToken);
    }
    return { value: issued.token, withCredentials: Boolean(credential), secrets: [issued.token, ...secretsOf(credential)] };
  };

  /** The Authorization header for what we know of this registry, or none. */
  const authorize = async (req: RegistryRequest, scopes: string[], force: boolean): Promise<{ header?: string; secrets?: string[]; info: NonNullable<RegistryResponse['auth']> }> => {
    const state = known.get(req.registry);
    if (!state) return { info: { scheme: 'none', withCredentials: false } };
    if (state.kind === 'basic') {
      const credential = await credentialFor(req.registry);
      if (!credential?.username || !credential.password) return { info: { scheme: 'none', withCredentials: false } };
      const basic = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
      return { header: `Basic ${basic}`, secrets: [basic, ...secretsOf(credential)], info: { scheme: 'basic', withCredentials: true } };
    }
    // Validated against where the challenge came from, not this attempt's URL: a first https attempt at a
    // plain-HTTP loopback registry (scheme not settled yet) must not refuse the realm that registry gave over http.
    const issued = await token(req, state.from, state.challenge, scopes, force);
    return { header: `Bearer ${issued.value}`, secrets: issued.secrets, info: { scheme: 'bearer', withCredentials: issued.withCredentials } };
  };

  const send = async (next: Fetch, req: RegistryRequest, scopes: string[], force: boolean): Promise<RegistryResponse> => {
    const { header, secrets, info } = await authorize(req, scopes, force);
    const headers = { ...req.headers };
    if (header) headers.authorization = header;
    const res = await next({ ...req, headers });
    // A registry's error message may echo what it was sent: the messages built from it mask these.
    return { ...res, auth: info, ...(secrets ? { scrub: (text: string) => scrubSecrets(text, secrets) } : {}) };
  };

  const pick = (challenges: Challenge[]): Challenge | undefined =>
    challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ?? challenges.find((c) => c.scheme === 'basic');

  const layer = (next: Fetch): Fetch =>
    async (req) => {
      const url = new URL(req.target);
      // Credentials go to the registry's own host only, whatever URL a response pointed us at.
      if (!isRegistryUrl(req.registry, url)) return next(req);
      const scopes = mergeScopes(req.scopes);
      const epoch = epochOf(req.registry);
      const res = await send(next, req, scopes, false);
      if (res.status !== 401 || !sameOrigin(res.url, url) || !isReplayable(req.body)) return res;
      // Challenged under settings that have changed since: learn nothing from it.
      if (epochOf(req.registry) !== epoch) return res;

      const challenge = pick(parseWwwAuthenticate(res.headers['www-authenticate'] ?? ''));
      if (!challenge) return res;
      const before = known.get(req.registry);
      if (challenge.scheme === 'basic') {
        // This request carried credentials, or there are none to send: the 401 stands.
        if (res.auth?.scheme === 'basic' || !(await credentialFor(req.registry))?.password) return res;
        known.set(req.registry, { kind: 'basic' });
        await res.body.dump();
        return send(next, req, scopes, false);
      }
      const bearer: BearerChallenge = { realm: challenge.params.realm!, ...(challenge.params.service ? { service: challenge.params.service } : {}) };
      const merged = mergeScopes(scopes, bearerScopes(challenge));
      const sameChallenge = before?.kind === 'bearer' && before.challenge.realm === bearer.realm && before.challenge.service === bearer.service;
      const sameScopes = merged.join(' ') === scopes.join(' ');
      // This request's token for exactly these scopes was refused: only insufficient_scope earns one fresh try.
      const refused = sameChallenge && sameScopes && res.auth?.scheme === 'bearer';
      if (refused && !insufficientScope(challenge)) return res;
      known.set(req.registry, { kind: 'bearer', challenge: bearer, from: res.url });
      await res.body.dump();
      return send(next, req, merged, refused);
    };

  return Object.assign(layer, {
    tokenRequests: () => tokenRequests,
    reset(registry?: string) {
      if (registry) epochs.set(registry, (epochs.get(registry) ?? 0) + 1);
      else allEpoch++;
      for (const map of [known, refreshTokens]) {
        if (registry) map.delete(registry);
        else map.clear();
      }
      for (const key of [...tokens.keys()]) if (!registry || JSON.parse(key)[0] === registry) tokens.delete(key);
    },
  });
}
