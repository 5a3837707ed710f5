/**
 * A small Docker-token-spec auth server for the rig's bearer-token registries.
 *
 * It issues RS256 JWTs (certificate in the `x5c` header) that distribution
 * verifies against `rootcertbundle`, grants only what its policy allows, and
 * speaks both flows clients use: GET /token with Basic credentials or none,
 * and POST /token with grant_type=password|refresh_token (OAuth2 style).
 * It counts requests so tests can prove a client reuses its tokens.
 */
import { createSign, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeSigningFiles } from './certs';

export interface Grant {
  /** Repository name, or a prefix ending in `*` (`team/*`), or `*` for every repository. */
  repository: string;
  actions: Array<'pull' | 'push' | 'delete' | '*'>;
}

export interface TokenUser {
  password: string;
  grants: Grant[];
  /** May list the catalog (scope `registry:catalog:*`). */
  catalog?: boolean;
}

export interface TokenPolicy {
  users: Record<string, TokenUser>;
  /** What a request without credentials gets. */
  anonymous?: Grant[];
}

export interface TokenRequestRecord {
  method: 'GET' | 'POST';
  grantType: 'basic' | 'anonymous' | 'password' | 'refresh_token';
  account: string | null;
  requested: string[];
  granted: string[];
}

export interface TokenServer {
  /** The realm to configure in the registry and that clients are sent to. */
  realm: string;
  url: string;
  service: string;
  issuer: string;
  /** The certificate the registry must trust (its rootcertbundle). */
  certFile: string;
  /** Every token request so far, in order. */
  requests(): TokenRequestRecord[];
  close(): Promise<void>;
}

export const TOKEN_SERVICE = 'regdesk-rig-registry';
export const TOKEN_ISSUER = 'regdesk-rig-issuer';

/** Users of the default policy; passwords are test canaries, not real secrets. */
export const DEFAULT_TOKEN_POLICY: TokenPolicy = {
  users: {
    admin: { password: 'admin-canary-pw-7d1f', grants: [{ repository: '*', actions: ['*'] }], catalog: true },
    reader: { password: 'reader-canary-pw-93ab', grants: [{ repository: '*', actions: ['pull'] }], catalog: true },
    team: { password: 'team-canary-pw-51c0', grants: [{ repository: 'team/*', actions: ['pull', 'push'] }, { repository: '*', actions: ['pull'] }] },
  },
  anonymous: [{ repository: 'public/*', actions: ['pull'] }],
};

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function grantedActions(grants: Grant[], repository: string, wanted: string[]): string[] {
  const allowed = new Set<string>();
  for (const grant of grants) {
    const pattern = grant.repository;
    const matches = pattern === '*' || pattern === repository || (pattern.endsWith('*') && repository.startsWith(pattern.slice(0, -1)));
    if (!matches) continue;
    for (const action of grant.actions) {
      if (action === '*') wanted.forEach((w) => allowed.add(w));
      else allowed.add(action);
    }
  }
  return wanted.filter((w) => allowed.has(w));
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** Splits `repository:a/b:pull,push` scopes; the name may itself hold colons (host:port prefixes do not occur here). */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function decideAccess(policy: TokenPolicy, account: string | null, scopes: string[]): Access[] {
  const user = account === null ? undefined : policy.users[account];
  const grants = user ? user.grants : (policy.anonymous ?? []);
  const out: Access[] = [];
  for (const scope of scopes) {
    const access = parseScope(scope);
    if (!access) continue;
    if (access.type === 'registry' && access.name === 'catalog') {
      if (user?.catalog) out.push({ ...access, actions: ['*'] });
      continue;
    }
    if (access.type !== 'repository') continue;
    const actions = grantedActions(grants, access.name, access.actions);
    if (actions.length > 0) out.push({ ...access, actions });
  }
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error('body too large');
  }
  return body;
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

export interface TokenServerOptions {
  dir: string;
  policy?: TokenPolicy;
  /** Lifetime of issued tokens, in seconds. */
  expiresIn?: number;
  /** Answer POST with 405, like token servers that only know the GET flow. */
  getOnly?: boolean;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const policy = options.policy ?? DEFAULT_TOKEN_POLICY;
  const expiresIn = options.expiresIn ?? 300;
  const signing = await makeSigningFiles(options.dir);
  const refreshTokens = new Map<string, string>();
  const log: TokenRequestRecord[] = [];

  const sign = (account: string | null, access: Access[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [signing.certDerBase64] };
    const claims = {
      iss: TOKEN_ISSUER,
      sub: account ?? '',
      aud: TOKEN_SERVICE,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(input).sign(signing.keyPem);
    return `${input}.${base64url(signature)}`;
  };

  const checkPassword = (username: string, password: string): boolean => {
    const user = policy.users[username];
    return user !== undefined && safeEqual(user.password, password);
  };

  const issue = (res: ServerResponse, record: TokenRequestRecord, withRefresh: boolean, style: 'get' | 'post'): void => {
    const access = decideAccess(policy, record.account, record.requested);
    record.granted = access.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`);
    log.push(record);
    const token = sign(record.account, access);
    const body: Record<string, unknown> = { access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() };
    if (style === 'get') body.token = token;
    else body.scope = record.granted.join(' ');
    if (withRefresh && record.account !== null) {
      const refresh = randomBytes(24).toString('hex');
      refreshTokens.set(refresh, record.account);
      body.refresh_token = refresh;
    }
    sendJson(res, 200, body);
  };

  const unauthorized = (res: ServerResponse, message: string): void =>
    sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message }] }, { 'www-authenticate': 'Basic realm="regdesk-rig-token"' });

  const handleGet = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const auth = req.headers.authorization;
    let account: string | null = null;
    if (auth) {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
      const decoded = match ? Buffer.from(match[1]!, 'base64').toString() : '';
      const colon = decoded.indexOf(':');
      const username = decoded.slice(0, colon);
      if (colon < 0 || !checkPassword(username, decoded.slice(colon + 1))) {
        log.push({ method: 'GET', grantType: 'basic', account: username || null, requested: scopes, granted: [] });
        return unauthorized(res, 'invalid username or password');
      }
      account = username;
    }
    const record: TokenRequestRecord = { method: 'GET', grantType: account ? 'basic' : 'anonymous', account, requested: scopes, granted: [] };
    issue(res, record, url.searchParams.get('offline_token') === 'true', 'get');
  };

  const handlePost = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = new URLSearchParams(await readBody(req));
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const grantType = form.get('grant_type');
    if (grantType === 'password') {
      const username = form.get('username') ?? '';
      if (!checkPassword(username, form.get('password') ?? '')) {
        log.push({ method: 'POST', grantType: 'password', account: username || null, requested: scopes, granted: [] });
        return unauthorized(res, 'invalid username or password');
      }
      const record: TokenRequestRecord = { method: 'POST', grantType: 'password', account: username, requested: scopes, granted: [] };
      return issue(res, record, form.get('access_type') === 'offline', 'post');
    }
    if (grantType === 'refresh_token') {
      const account = refreshTokens.get(form.get('refresh_token') ?? '');
      if (account === undefined) {
        log.push({ method: 'POST', grantType: 'refresh_token', account: null, requested: scopes, granted: [] });
        return unauthorized(res, 'invalid refresh token');
      }
      const record: TokenRequestRecord = { method: 'POST', grantType: 'refresh_token', account, requested: scopes, granted: [] };
      return issue(res, record, false, 'post');
    }
    sendJson(res, 400, { error: 'unsupported_grant_type' });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/token' && req.method === 'GET') return handleGet(req, res, url);
    if (url.pathname === '/token' && req.method === 'POST' && options.getOnly) {
      log.push({ method: 'POST', grantType: 'password', account: null, requested: [], granted: [] });
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      handlePost(req, res).catch(() => sendJson(res, 400, { error: 'invalid_request' }));
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    realm: `${url}/token`,
    url,
    service: TOKEN_SERVICE,
    issuer: TOKEN_ISSUER,
    certFile: signing.certFile,
    requests: () => [...log],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
