/**
 * `regdesk serve`: the handler table over loopback HTTP, so the same UI runs
 * in any browser. Bound to 127.0.0.1 only; Host and Origin are checked on
 * every request (DNS rebinding, other sites); the built renderer is served with
 * the app's CSP. The UI's files are public (they hold no secret); calls
 * (`POST /rpc/<channel>`, JSON body) and the event stream (`GET /events`,
 * server-sent events) need the random token in the x-regdesk-token header.
 * No cookie is ever set: cookies ignore ports, so every service on 127.0.0.1
 * would receive it. The page learns the token from the URL's fragment (never
 * sent to a server, so never in a log or a Referer), or exchanges a one-time
 * code for it (`POST /session`): `--open` passes a URL on a command line that
 * other local users can read, so that URL carries a short-lived code.
 * Nothing a request or a handler holds can stop the server: every failure is
 * a typed answer.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { isEventName, type Envelope, type EventMap, type EventName } from '../../shared/contract';
import { RegistryError, type ErrorCode } from '../../shared/errors';
import { dispatch, type Handlers } from './handlers';
import { encodeEnvelope, encodeEventPayload } from './wire';

export const TOKEN_HEADER = 'x-regdesk-token';
const MAX_BODY = 1024 * 1024;
/** Long enough for a cold browser to start from --open, short enough that a code read from a process list is stale. */
const CODE_LIFETIME_MS = 120_000;

/** The renderer's policy: only our own scripts, and connections only back to us. */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export interface ServeOptions {
  handlers: Handlers;
  /** Folder of the built renderer. */
  staticDir?: string;
  port?: number;
  /** Fixed token (tests); random otherwise. */
  token?: string;
  /** How long a one-time code from openUrl() can be exchanged (tests); two minutes otherwise. */
  codeLifetimeMs?: number;
}

export interface Server {
  /** For a person to open: the token rides in the fragment, which a browser never sends anywhere. */
  url: string;
  port: number;
  token: string;
  /** For a command line other local users can read (--open): a fresh single-use, short-lived code instead of the token. */
  openUrl(): string;
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  close(): Promise<void>;
}

function tokenMatches(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string' || !given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const CODES_BY_STATUS: Record<number, ErrorCode> = { 401: 'authorization', 403: 'authorization', 500: 'internal' };

function answerJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  answerJson(res, status, JSON.stringify({ ok: false, error: new RegistryError(CODES_BY_STATUS[status] ?? 'usage', message, { status }).toWire() }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

/** The request's path, %-decoded; undefined when it is not a plain origin-form path or a %-escape is malformed. */
function requestPath(rawUrl: string | undefined): { pathname: string; decoded: string } | undefined {
  if (!rawUrl?.startsWith('/')) return undefined;
  try {
    // Prefixed, never resolved against a base: `//host/x` stays a path here.
    const { pathname } = new URL(`http://127.0.0.1${rawUrl}`);
    const decoded = decodeURIComponent(pathname);
    return decoded.includes('\0') ? undefined : { pathname, decoded };
  } catch {
    return undefined;
  }
}

export async function startServer(options: ServeOptions): Promise<Server> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const codeLifetime = options.codeLifetimeMs ?? CODE_LIFETIME_MS;
  /** One-time codes for --open, each to its expiry time; a code is deleted when it is used. */
  const codes = new Map<string, number>();
  const listeners = new Set<ServerResponse>();
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const serveStatic = (path: string, res: ServerResponse): void => {
    const root = options.staticDir;
    if (!root) return refuse(res, 404, 'no user interface built (run npm run build)');
    const file = normalize(join(root, path === '/' ? '/index.html' : path));
    if (!file.startsWith(normalize(root) + sep)) return refuse(res, 404, 'not found');
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return refuse(res, 404, 'not found');
      size = stat.size;
    } catch {
      return refuse(res, 404, 'not found');
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };

  const call = (req: IncomingMessage, res: ServerResponse, channel: string): void => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) controller.abort();
    });
    readJson(req)
      .then(
        (payload) => dispatch(options.handlers, channel, payload, controller.signal),
        (): Envelope<unknown> => ({ ok: false, error: new RegistryError('usage', 'the request body is not JSON (or over 1 MB)', {}).toWire() }),
      )
      .then((envelope) => answerJson(res, 200, encodeEnvelope(channel, envelope)))
      .catch(() => {
        if (!res.headersSent) refuse(res, 500, `${channel} failed unexpectedly`);
        else res.destroy();
      });
  };

  /** The --open code, exchanged once for the token. */
  const exchange = (req: IncomingMessage, res: ServerResponse): void => {
    readJson(req)
      .then((body) => {
        const code = (body as { code?: unknown } | null)?.code;
        const expires = typeof code === 'string' ? codes.get(code) : undefined;
        if (typeof code === 'string') codes.delete(code);
        if (expires === undefined || Date.now() >= expires) {
          return refuse(res, 401, 'this sign-in link was already used or has expired: open the URL regdesk serve printed');
        }
        answerJson(res, 200, JSON.stringify({ ok: true, result: { token } }));
      }, () => refuse(res, 400, 'the request body is not JSON'))
      .catch(() => {
        if (!res.headersSent) refuse(res, 500, 'the sign-in failed unexpectedly');
      });
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    // DNS rebinding: only our own loopback names.
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(res, 403, 'foreign Host refused');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return refuse(res, 403, 'foreign Origin refused');
    const path = requestPath(req.url);
    if (!path) return refuse(res, 400, 'malformed request path');
    if (req.method === 'POST' && path.pathname === '/session') return exchange(req, res);
    const api = path.pathname.startsWith('/rpc/') || path.pathname === '/events';
    if (!api) return req.method === 'GET' ? serveStatic(path.decoded, res) : refuse(res, 405, 'method not allowed');
    if (!tokenMatches(req.headers[TOKEN_HEADER], token)) return refuse(res, 401, 'missing or wrong token: open the URL regdesk serve printed');
    if (req.method === 'POST' && path.pathname.startsWith('/rpc/')) return call(req, res, path.decoded.slice(5));
    if (req.method === 'GET' && path.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': regdesk events\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    refuse(res, 405, 'method not allowed');
  };

  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch {
      // A bug in routing must not take the server down: this request fails, the next is served.
      if (!res.headersSent) refuse(res, 500, 'the request failed unexpectedly');
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  const heartbeat = setInterval(() => {
    for (const res of listeners) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    openUrl() {
      const code = randomBytes(16).toString('hex');
      codes.set(code, Date.now() + codeLifetime);
      return `http://127.0.0.1:${port}/#code=${code}`;
    },
    emit(event, payload) {
      // Typed callers send only the contract's events; anything else never reaches a page.
      if (!isEventName(event)) return;
      const data = encodeEventPayload(payload);
      if (data === undefined) return;
      const frame = `event: ${event}\ndata: ${data}\n\n`;
      for (const res of listeners) res.write(frame);
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const res of listeners) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
