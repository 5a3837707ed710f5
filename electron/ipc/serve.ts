/**
 * `regdesk serve`: the handler table over loopback HTTP, so the same UI runs
 * in any browser. Bound to 127.0.0.1 only; a random token is required on every
 * request; Host and Origin are checked (DNS rebinding, other sites); the built
 * renderer is served with the app's CSP. Calls are `POST /rpc/<channel>` with a
 * JSON body; events are server-sent on `GET /events`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { EventMap, EventName } from '../../shared/contract';
import { dispatch, type Handlers } from './handlers';

export const TOKEN_HEADER = 'x-regdesk-token';
const MAX_BODY = 1024 * 1024;

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
}

export interface Server {
  url: string;
  port: number;
  token: string;
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  close(): Promise<void>;
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ ok: false, error: { code: status === 403 || status === 401 ? 'authorization' : 'usage', message } }));
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

export async function startServer(options: ServeOptions): Promise<Server> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const listeners = new Set<ServerResponse>();
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const serveStatic = (url: URL, res: ServerResponse): void => {
    const root = options.staticDir;
    if (!root) return refuse(res, 404, 'no user interface built (run npm run build)');
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const path = normalize(join(root, relative));
    if (!path.startsWith(normalize(root) + sep)) return refuse(res, 404, 'not found');
    let size: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return refuse(res, 404, 'not found');
      size = stat.size;
    } catch {
      return refuse(res, 404, 'not found');
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': size,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    createReadStream(path).pipe(res);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // DNS rebinding: only our own loopback names.
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(res, 403, 'foreign Host refused');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) return refuse(res, 403, 'foreign Origin refused');
    const cookieName = `regdesk_token_${port}`;
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${cookieName}=`))?.slice(cookieName.length + 1);
    const fromQuery = url.searchParams.get('token');
    const given = (req.headers[TOKEN_HEADER] as string | undefined) ?? fromQuery ?? cookie;
    if (!tokenMatches(given, token)) return refuse(res, 401, 'missing or wrong token: open the URL regdesk serve printed');
    // The page's own assets and event stream carry the token as a strict same-site cookie.
    if (fromQuery) res.setHeader('set-cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);

    if (req.method === 'POST' && url.pathname.startsWith('/rpc/')) {
      const channel = decodeURIComponent(url.pathname.slice(5));
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableEnded) controller.abort();
      });
      readJson(req)
        .then((payload) => dispatch(options.handlers, channel, payload, controller.signal), () => ({ ok: false as const, error: { code: 'usage' as const, message: 'the request body is not JSON' } }))
        .then((envelope) => {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify(envelope));
        });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': regdesk events\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    if (req.method === 'GET') return serveStatic(url, res);
    refuse(res, 405, 'method not allowed');
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
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    emit(event, payload) {
      const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
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
