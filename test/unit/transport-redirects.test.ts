/**
 * Redirects through real loopback servers: two node:http servers on two ports
 * are two origins. What the second server receives proves which credentials
 * followed the redirect.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpTransport, type HttpTransport } from '../../electron/registry/transport/http';
import { DEFAULT_MAX_REDIRECTS, withRedirects } from '../../electron/registry/transport/redirects';
import type { Fetch, RegistryRequest, RegistryResponse } from '../../electron/registry/transport/types';
import { rejectionOf } from '../helpers/errors';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  server: Server;
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** `127.0.0.1:PORT` */
  host: string;
  seen: Seen[];
  route: (path: string, handler: (req: IncomingMessage, res: ServerResponse) => void) => void;
  close: () => Promise<void>;
}

async function startServer(): Promise<TestServer> {
  const seen: Seen[] = [];
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const path = new URL(req.url!, 'http://x').pathname;
    const handler = routes.get(path) ?? [...routes.entries()].find(([p]) => p.endsWith('*') && path.startsWith(p.slice(0, -1)))?.[1];
    if (handler) return handler(req, res);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`final ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const redirect = (status: number, location: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { location, 'content-type': 'text/plain' });
  res.end('moved');
};

const SECRET_HEADERS = {
  Authorization: 'Bearer secret-token-abc',
  'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0',
  Cookie: 'session=secret-cookie',
  'X-Trace': 'keep-me',
  Accept: 'application/vnd.oci.image.manifest.v1+json',
};


describe('withRedirects over real servers', () => {
  let a: TestServer;
  let b: TestServer;
  let http: HttpTransport;
  let fetch: Fetch;

  beforeAll(async () => {
    [a, b] = await Promise.all([startServer(), startServer()]);
    http = createHttpTransport();
    fetch = withRedirects()(http.fetch);

    a.route('/same', redirect(302, '/v2/final'));
    a.route('/v2/repo/relative', redirect(307, 'final-here'));
    a.route('/cross', (_req, res) => redirect(302, `${b.base}/blob?X-Amz-Signature=sig`)(_req, res));
    a.route('/protocol-relative', (_req, res) => redirect(301, `//${b.host}/pr/path`)(_req, res));
    a.route('/back-and-forth', (_req, res) => redirect(302, `${b.base}/bounce`)(_req, res));
    b.route('/bounce', (_req, res) => redirect(302, `${a.base}/landed`)(_req, res));
    a.route('/loop/*', (req, res) => {
      const n = Number(req.url!.split('/')[2]);
      redirect(302, `/loop/${n + 1}`)(req, res);
    });
    a.route('/chain/*', (req, res) => {
      const n = Number(req.url!.split('/')[2]);
      if (n === 0) {
        res.writeHead(200);
        res.end('end of chain');
        return;
      }
      redirect(302, `/chain/${n - 1}`)(req, res);
    });
    a.route('/post-303', redirect(303, '/after-303'));
    a.route('/post-307', redirect(307, '/after-307'));
    a.route('/post-308-cross', (_req, res) => redirect(308, `${b.base}/after-308`)(_req, res));
    a.route('/head-303', redirect(303, '/after-head'));
    a.route('/ftp', redirect(302, 'ftp://127.0.0.1/file'));
    a.route('/file', redirect(302, 'file:///etc/passwd'));
    a.route('/javascript', redirect(302, 'javascript:alert(1)'));
    a.route('/data', redirect(302, 'data:text/plain,hello'));
    a.route('/invalid', redirect(302, 'http://[bad'));
    a.route('/no-location', (_req, res) => {
      res.writeHead(302);
      res.end('no location');
    });
    a.route('/not-modified', (_req, res) => {
      res.writeHead(304, { location: '/elsewhere' });
      res.end();
    });
    a.route('/stream-307', redirect(307, '/after-stream'));
  });

  afterAll(async () => {
    await http.close();
    await Promise.all([a.close(), b.close()]);
  });

  beforeEach(() => {
    a.seen.length = 0;
    b.seen.length = 0;
  });

  const get = (path: string, extra: Partial<RegistryRequest> = {}): Promise<RegistryResponse> =>
    fetch({ registry: a.host, method: 'GET', target: `${a.base}${path}`, headers: { ...SECRET_HEADERS }, ...extra });

  it('has a default of 5 hops', () => {
    expect(DEFAULT_MAX_REDIRECTS).toBe(5);
  });

  it('a same-origin redirect keeps Authorization, Proxy-Authorization and Cookie', async () => {
    const res = await get('/same');
    expect(res.status).toBe(200);
    expect(await res.body.text()).toBe('final GET /v2/final');
    expect(res.url.toString()).toBe(`${a.base}/v2/final`);
    expect(a.seen.map((s) => s.url)).toEqual(['/same', '/v2/final']);
    const final = a.seen[1]!.headers;
    expect(final.authorization).toBe('Bearer secret-token-abc');
    expect(final['proxy-authorization']).toBe('Basic cHJveHk6c2VjcmV0');
    expect(final.cookie).toBe('session=secret-cookie');
    expect(final['x-trace']).toBe('keep-me');
  });

  it('resolves a relative Location against the current URL', async () => {
    const res = await get('/v2/repo/relative');
    expect(await res.body.text()).toBe('final GET /v2/repo/final-here');
    expect(res.url.pathname).toBe('/v2/repo/final-here');
    expect(a.seen[1]!.headers.authorization).toBe('Bearer secret-token-abc');
  });

  it('a cross-origin redirect (another port) arrives WITHOUT Authorization, Proxy-Authorization and Cookie', async () => {
    const res = await get('/cross');
    expect(res.status).toBe(200);
    expect(await res.body.text()).toBe('final GET /blob?X-Amz-Signature=sig');
    expect(res.url.toString()).toBe(`${b.base}/blob?X-Amz-Signature=sig`);
    // The origin got them...
    expect(a.seen).toHaveLength(1);
    expect(a.seen[0]!.headers.authorization).toBe('Bearer secret-token-abc');
    // ...the other origin did not.
    expect(b.seen).toHaveLength(1);
    const headers = b.seen[0]!.headers;
    expect(headers.authorization).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain('secret');
    // Other headers still follow.
    expect(headers['x-trace']).toBe('keep-me');
    expect(headers.accept).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('strips credential headers whatever their case', async () => {
    await get('/cross', { headers: { AUTHORIZATION: 'Bearer up', 'proxy-AUTHORIZATION': 'Basic up', cookie: 'c=secret' } });
    const headers = b.seen[0]!.headers;
    expect(headers.authorization).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
  });

  it('follows a protocol-relative Location (//host:port/path) to the other origin, without credentials', async () => {
    const res = await get('/protocol-relative');
    expect(await res.body.text()).toBe('final GET /pr/path');
    expect(res.url.toString()).toBe(`${b.base}/pr/path`);
    expect(b.seen[0]!.headers.authorization).toBeUndefined();
    expect(b.seen[0]!.headers.cookie).toBeUndefined();
  });

  it('does not restore credentials when a redirect chain comes back to the origin', async () => {
    const res = await get('/back-and-forth');
    expect(await res.body.text()).toBe('final GET /landed');
    expect(a.seen.map((s) => s.url)).toEqual(['/back-and-forth', '/landed']);
    expect(a.seen[1]!.headers.authorization).toBeUndefined();
    expect(a.seen[1]!.headers.cookie).toBeUndefined();
  });

  it('follows exactly the maximum number of redirects', async () => {
    const res = await get('/chain/5');
    expect(res.status).toBe(200);
    expect(await res.body.text()).toBe('end of chain');
    expect(a.seen).toHaveLength(6);
  });

  it('more than the maximum of hops is a protocol error', async () => {
    const err = await rejectionOf(get('/loop/0'));
    expect(err.code).toBe('protocol');
    expect(err.message).toBe(`${a.host}: more than 5 redirects`);
    expect(err.context).toMatchObject({ registry: a.host, status: 302 });
    expect(a.seen.map((s) => s.url)).toEqual(['/loop/0', '/loop/1', '/loop/2', '/loop/3', '/loop/4', '/loop/5']);
  });

  it('honours a custom maximum', async () => {
    const limited = withRedirects(1)(http.fetch);
    const err = await rejectionOf(limited({ registry: a.host, method: 'GET', target: `${a.base}/chain/2`, repository: 'lib/x' }));
    expect(err.message).toBe(`${a.host}: more than 1 redirects`);
    expect(err.context).toEqual({ registry: a.host, repository: 'lib/x', status: 302 });
    expect(a.seen).toHaveLength(2);
    const zero = withRedirects(0)(http.fetch);
    await rejectionOf(zero({ registry: a.host, method: 'GET', target: `${a.base}/same` }));
    expect(a.seen).toHaveLength(3);
  });

  it('303 turns a POST into a GET without a body', async () => {
    const res = await fetch({ registry: a.host, method: 'POST', target: `${a.base}/post-303`, body: 'payload-303', headers: { 'content-type': 'text/plain' } });
    expect(await res.body.text()).toBe('final GET /after-303');
    expect(a.seen.map((s) => `${s.method} ${s.url} ${JSON.stringify(s.body)}`)).toEqual(['POST /post-303 "payload-303"', 'GET /after-303 ""']);
    expect(a.seen[1]!.headers['content-length']).toBeUndefined();
    expect(a.seen[1]!.headers['transfer-encoding']).toBeUndefined();
  });

  it('303 keeps a HEAD a HEAD', async () => {
    const res = await fetch({ registry: a.host, method: 'HEAD', target: `${a.base}/head-303` });
    await res.body.dump();
    expect(res.status).toBe(200);
    expect(a.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['HEAD /head-303', 'HEAD /after-head']);
  });

  it('307 keeps the method and sends a replayable body again', async () => {
    const res = await fetch({ registry: a.host, method: 'POST', target: `${a.base}/post-307`, body: Buffer.from('bytes-307') });
    expect(await res.body.text()).toBe('final POST /after-307');
    expect(a.seen.map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual(['POST /post-307 bytes-307', 'POST /after-307 bytes-307']);
  });

  it('308 to another origin keeps the method and body but drops credentials', async () => {
    await (await fetch({ registry: a.host, method: 'PUT', target: `${a.base}/post-308-cross`, body: 'put-body', headers: { authorization: 'Bearer t0ken' } })).body.dump();
    expect(b.seen.map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual(['PUT /after-308 put-body']);
    expect(b.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('refuses to redirect a streamed body it cannot send again', async () => {
    const err = await rejectionOf(fetch({ registry: a.host, method: 'PUT', target: `${a.base}/stream-307`, body: Readable.from([Buffer.from('stream')]) }));
    expect(err.code).toBe('protocol');
    expect(err.message).toBe(`${a.host}: a PUT with a streamed body was redirected`);
    expect(a.seen.map((s) => s.url)).toEqual(['/stream-307']);
  });

  for (const [path, scheme] of [['/ftp', 'ftp:'], ['/file', 'file:'], ['/javascript', 'javascript:'], ['/data', 'data:']] as const) {
    it(`refuses a redirect to a ${scheme} URL`, async () => {
      const err = await rejectionOf(get(path));
      expect(err.code).toBe('protocol');
      expect(err.message).toBe(`${a.host}: redirect to a ${scheme} URL refused`);
      expect(err.context.status).toBe(302);
      expect(a.seen).toHaveLength(1);
      expect(b.seen).toHaveLength(0);
    });
  }

  it('refuses a Location that is not a URL', async () => {
    const err = await rejectionOf(get('/invalid'));
    expect(err.code).toBe('protocol');
    expect(err.message).toBe(`${a.host}: redirect to an invalid URL`);
  });

  it('returns a 3xx without Location, and a 304, as they are', async () => {
    const res = await get('/no-location');
    expect(res.status).toBe(302);
    expect(await res.body.text()).toBe('no location');
    const notModified = await get('/not-modified');
    expect(notModified.status).toBe(304);
    await notModified.body.dump();
    expect(a.seen.map((s) => s.url)).toEqual(['/no-location', '/not-modified']);
  });
});

describe('withRedirects with a scripted next', () => {
  function scripted(responses: Array<{ status: number; location?: string }>) {
    const calls: RegistryRequest[] = [];
    let dumped = 0;
    const next: Fetch = async (req) => {
      const r = responses[calls.length]!;
      calls.push(req);
      const headers: Record<string, string> = r.location ? { location: r.location } : {};
      return {
        status: r.status,
        headers,
        body: { dump: async () => void dumped++ } as unknown as RegistryResponse['body'],
        url: new URL(req.target),
      };
    };
    return { next, calls, dumped: () => dumped };
  }

  it('refuses https → http, never sending the request, and keeps the signed query out of the message', async () => {
    const s = scripted([{ status: 302, location: 'http://storage.example.com/blob?X-Amz-Signature=topsecret&X-Amz-Credential=AKIA' }, { status: 200 }]);
    const err = await rejectionOf(
      withRedirects()(s.next)({ registry: 'registry.example.com', method: 'GET', target: 'https://registry.example.com/v2/a/blobs/sha256:1', headers: { authorization: 'Bearer x' } }),
    );
    expect(err.code).toBe('protocol');
    expect(err.message).toBe('registry.example.com: redirect from https to plain http refused (http://storage.example.com/blob?<redacted>)');
    expect(err.message).not.toContain('topsecret');
    expect(err.context).toEqual({ registry: 'registry.example.com', status: 302 });
    expect(s.calls).toHaveLength(1);
    expect(s.dumped()).toBe(1);
  });

  it('refuses https → http even on the same host', async () => {
    const s = scripted([{ status: 301, location: 'http://registry.example.com/v2/' }]);
    const err = await rejectionOf(withRedirects()(s.next)({ registry: 'registry.example.com', method: 'GET', target: 'https://registry.example.com/v2/' }));
    expect(err.message).toMatch(/redirect from https to plain http refused/);
    expect(s.calls).toHaveLength(1);
  });

  it('allows http → https, and treats the scheme change as another origin', async () => {
    const s = scripted([{ status: 302, location: 'https://127.0.0.1:5000/v2/x' }, { status: 200 }]);
    const res = await withRedirects()(s.next)({ registry: '127.0.0.1:5000', method: 'GET', target: 'http://127.0.0.1:5000/v2/', headers: { authorization: 'Basic abc' } });
    expect(res.status).toBe(200);
    expect(s.calls.map((c) => c.target)).toEqual(['http://127.0.0.1:5000/v2/', 'https://127.0.0.1:5000/v2/x']);
    expect(s.calls[1]!.headers).toEqual({});
  });

  it('treats the default port as the same origin', async () => {
    const s = scripted([{ status: 302, location: 'https://registry.example.com:443/v2/x' }, { status: 200 }]);
    await withRedirects()(s.next)({ registry: 'registry.example.com', method: 'GET', target: 'https://registry.example.com/v2/', headers: { authorization: 'Bearer t' } });
    expect(s.calls[1]!.headers).toEqual({ authorization: 'Bearer t' });
  });

  it('does not mutate the caller’s headers object', async () => {
    const s = scripted([{ status: 302, location: 'https://cdn.example.net/x' }, { status: 200 }]);
    const headers = { authorization: 'Bearer t', accept: '*/*' };
    await withRedirects()(s.next)({ registry: 'registry.example.com', method: 'GET', target: 'https://registry.example.com/v2/', headers });
    expect(headers).toEqual({ authorization: 'Bearer t', accept: '*/*' });
    expect(s.calls[1]!.headers).toEqual({ accept: '*/*' });
  });
});
