/**
 * The dialect proxy's own authentication, in front of an anonymous registry:
 * a Basic-only challenge (ECR), or a bearer token endpoint on the proxy's
 * origin with the profile's variants (which fields carry the token, whether
 * `expires_in` is sent, how POST is answered, anonymous pull or not). Tokens
 * are opaque and remember the scopes granted; a request whose token lacks
 * the scope it needs gets `insufficient_scope`, as real registries answer.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DialectAuth } from './profile';
import { sendBody } from '../upstream';

export interface TokenRecord {
  method: string;
  scopes: string[];
  withCredentials: boolean;
}

export interface Caller {
  /** Credentials (Basic) or a token issued for credentials. */
  withCredentials: boolean;
  /** What the request may do, as scopes (`repository:a/b:pull`); everything for Basic. */
  may(scope: string): boolean;
}

export interface DialectAuthServer {
  /** Answers `/token` requests; false when the path is not the token endpoint. */
  handleToken(req: IncomingMessage, res: ServerResponse): boolean;
  /** Who sent the request, or undefined when it carries no valid credentials. */
  caller(req: IncomingMessage): Caller | undefined;
  /** The 401 for a request that needs `scope` (undefined for `/v2/`); `insufficient` when a token was sent but lacked it. */
  challenge(scope: string | undefined, insufficient: boolean): Record<string, string>;
  tokenRequests: TokenRecord[];
}

function basicOf(req: IncomingMessage): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `repository:a/b:pull,push` → the single-action scopes it grants. */
function expand(scope: string): string[] {
  const last = scope.lastIndexOf(':');
  if (last < 0) return [];
  return scope.slice(last + 1).split(',').filter(Boolean).map((action) => `${scope.slice(0, last)}:${action}`);
}

export function dialectAuth(auth: DialectAuth, origin: () => string): DialectAuthServer {
  const tokens = new Map<string, { withCredentials: boolean; granted: Set<string> }>();
  const tokenRequests: TokenRecord[] = [];

  const issue = (res: ServerResponse, method: string, scopes: string[], withCredentials: boolean): void => {
    if (auth.kind !== 'bearer') return;
    const granted = new Set<string>();
    for (const scope of scopes) {
      for (const one of expand(scope)) {
        if (withCredentials || (auth.anonymousPull && one.startsWith('repository:') && one.endsWith(':pull'))) granted.add(one);
      }
    }
    tokenRequests.push({ method, scopes, withCredentials });
    const token = `dialect-${randomBytes(16).toString('hex')}`;
    tokens.set(token, { withCredentials, granted });
    const body: Record<string, unknown> = { issued_at: new Date().toISOString() };
    if (auth.fields !== 'access_token') body.token = token;
    if (auth.fields !== 'token') body.access_token = token;
    if (auth.expiresIn !== undefined) body.expires_in = auth.expiresIn;
    sendBody(res, 200, JSON.stringify(body), { 'content-type': 'application/json' });
  };

  const refuse = (res: ServerResponse): void => sendBody(res, 401, JSON.stringify({ details: 'incorrect username or password' }), { 'content-type': 'application/json' });

  return {
    tokenRequests,
    handleToken(req, res) {
      const url = new URL(req.url ?? '/', 'http://proxy');
      if (auth.kind !== 'bearer' || url.pathname !== '/token') return false;
      if (req.method === 'POST') {
        if (auth.postAnswer) {
          req.resume();
          tokenRequests.push({ method: 'POST', scopes: [], withCredentials: false });
          sendBody(res, auth.postAnswer.status, auth.postAnswer.body ?? '', auth.postAnswer.headers ?? {});
          return true;
        }
        let text = '';
        req.on('data', (d: Buffer) => (text += d.toString()));
        req.on('end', () => {
          const form = new URLSearchParams(text);
          const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
          const ok = form.get('grant_type') === 'password' && form.get('username') === auth.username && form.get('password') === auth.password;
          if (!ok) return refuse(res);
          issue(res, 'POST', scopes, true);
        });
        return true;
      }
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      const basic = basicOf(req);
      if (basic && (basic.username !== auth.username || basic.password !== auth.password)) {
        tokenRequests.push({ method: 'GET', scopes, withCredentials: true });
        refuse(res);
        return true;
      }
      issue(res, 'GET', scopes, Boolean(basic));
      return true;
    },
    caller(req) {
      if (auth.kind === 'none') return { withCredentials: false, may: () => true };
      if (auth.kind === 'basic') {
        const basic = basicOf(req);
        return basic && basic.username === auth.username && basic.password === auth.password ? { withCredentials: true, may: () => true } : undefined;
      }
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const token = match ? tokens.get(match[1]!) : undefined;
      return token ? { withCredentials: token.withCredentials, may: (scope) => token.granted.has(scope) } : undefined;
    },
    challenge(scope, insufficient): Record<string, string> {
      if (auth.kind === 'basic') return { 'www-authenticate': auth.challenge.replace('{url}', origin()) };
      if (auth.kind === 'none') return {};
      const parts = [`Bearer realm="${origin()}/token"`, `service="${auth.service}"`];
      const asked = scope ?? auth.pingScope;
      if (asked) parts.push(`scope="${asked}"`);
      if (insufficient) parts.push('error="insufficient_scope"');
      return { 'www-authenticate': parts.join(',') };
    },
  };
}
