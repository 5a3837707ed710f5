/**
 * An HTTP forward proxy on loopback, as corporate networks have: CONNECT tunnels
 * (what undici's ProxyAgent uses for every target) and absolute-form requests.
 * It records what it was asked, Proxy-Authorization included, so tests can see
 * which requests went through it and what they carried.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listenTracked } from './listen';

export interface ProxiedRequest {
  method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
  proxyAuthorization?: string;
}

export interface ForwardProxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** Names the proxy resolves itself, as a proxy's own DNS would (e.g. `registry.test` → `127.0.0.1`). */
  hosts?: Record<string, string>;
  /** When given, a request without these credentials (Basic Proxy-Authorization) is answered 407, as an authenticating proxy does. */
  credentials?: { username: string; password: string };
}

export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const resolve = (host: string): string => options.hosts?.[host] ?? host;
  const expected = options.credentials ? `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}` : undefined;
  const refused = (req: IncomingMessage): boolean => expected !== undefined && req.headers['proxy-authorization'] !== expected;
  const challenge = 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="rig"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
  const record = (req: IncomingMessage): void => {
    requests.push({ method: req.method ?? '', target: req.url ?? '', ...(req.headers['proxy-authorization'] ? { proxyAuthorization: req.headers['proxy-authorization'] } : {}) });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    record(req);
    if (refused(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="rig"', connection: 'close' }).end();
      return;
    }
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const out = httpRequest({ host: resolve(target.hostname), port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.socket?.destroy());
    req.pipe(out);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    record(req);
    if (refused(req)) {
      client.end(challenge);
      return;
    }
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = connect(Number(port), resolve(host!), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const end = (): void => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
  });
  const { port, close } = await listenTracked(server);
  return { url: `http://127.0.0.1:${port}`, requests, close };
}
