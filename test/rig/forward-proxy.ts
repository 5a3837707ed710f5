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
}

export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const resolve = (host: string): string => options.hosts?.[host] ?? host;
  const record = (req: IncomingMessage): void => {
    requests.push({ method: req.method ?? '', target: req.url ?? '', ...(req.headers['proxy-authorization'] ? { proxyAuthorization: req.headers['proxy-authorization'] } : {}) });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    record(req);
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
