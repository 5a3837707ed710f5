/**
 * The scheme layer: HTTPS first, plain HTTP only for loopback or insecure
 * registries without their own CA, and the answer remembered per registry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../shared/errors';
import { createHttpTransport, type HttpTransport } from '../../electron/registry/transport/http';
import { TOKEN_SERVER_FAILURE, toRegistryError } from '../../electron/registry/transport/network-errors';
import { mayUseHttp, withScheme } from '../../electron/registry/transport/scheme';
import type { Fetch, RegistryHostConfig, RegistryRequest, RegistryResponse } from '../../electron/registry/transport/types';
import { rejectionReason } from '../helpers/errors';


function fakeResponse(target: string, status = 200, onDump?: () => void): RegistryResponse {
  return {
    status,
    headers: {},
    body: { dump: async () => onDump?.() } as unknown as RegistryResponse['body'],
    url: new URL(target),
  };
}

const tlsFailure = (registry: string): RegistryError =>
  new RegistryError('network', `${registry}: TLS handshake failed (is this registry plain HTTP?)`, { registry });

/** A scripted `next`: https fails at the connection level, http answers, unless told otherwise. */
function scripted(decide: (req: RegistryRequest) => RegistryResponse | Error = (req) => (req.target.startsWith('https:') ? tlsFailure(req.registry) : fakeResponse(req.target))) {
  const calls: RegistryRequest[] = [];
  const next: Fetch = async (req) => {
    calls.push(req);
    const out = decide(req);
    if (out instanceof Error) throw out;
    return out;
  };
  return { next, calls, targets: () => calls.map((c) => c.target) };
}

describe('mayUseHttp', () => {
  it('allows loopback and insecure registries, never one with a CA', () => {
    expect(mayUseHttp('127.0.0.1:5000', undefined)).toBe(true);
    expect(mayUseHttp('localhost:5000', undefined)).toBe(true);
    expect(mayUseHttp('[::1]:5000', undefined)).toBe(true);
    expect(mayUseHttp('registry.example.com', undefined)).toBe(false);
    expect(mayUseHttp('registry.example.com', { insecure: true })).toBe(true);
    expect(mayUseHttp('127.0.0.1:5000', { ca: 'PEM' })).toBe(false);
    expect(mayUseHttp('registry.example.com', { insecure: true, ca: Buffer.from('PEM') })).toBe(false);
    expect(mayUseHttp('localhost.evil.com', undefined)).toBe(false);
  });
});

describe('withScheme against a real plain-HTTP loopback server', () => {
  let server: Server;
  let registry: string;
  let http: HttpTransport;
  let plainRequests: string[] = [];
  let tlsGarbage = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      plainRequests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`plain ${req.url}`);
    });
    // A TLS ClientHello sent to a plain HTTP server is a parse error for it.
    server.on('clientError', (_err, socket) => {
      tlsGarbage++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    http = createHttpTransport({ timeouts: { connectMs: 5000, headersMs: 5000 } });
  });

  afterAll(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('tries https first, falls back to http, remembers it, and goes straight to http afterwards', async () => {
    plainRequests = [];
    tlsGarbage = 0;
    const targets: string[] = [];
    const recording: Fetch = (req) => {
      targets.push(req.target);
      return http.fetch(req);
    };
    const scheme = withScheme();
    const fetch = scheme(recording);
    expect(scheme.schemeOf(registry)).toBeUndefined();

    const res = await fetch({ registry, method: 'GET', target: '/v2/' });
    expect(res.status).toBe(200);
    expect(res.url.protocol).toBe('http:');
    expect(res.url.toString()).toBe(`http://${registry}/v2/`);
    expect(await res.body.text()).toBe('plain /v2/');
    expect(targets).toEqual([`https://${registry}/v2/`, `http://${registry}/v2/`]);
    expect(tlsGarbage).toBe(1);
    expect(scheme.schemeOf(registry)).toBe('http');

    const second = await fetch({ registry, method: 'GET', target: '/v2/library/x/tags/list?n=10' });
    expect(await second.body.text()).toBe('plain /v2/library/x/tags/list?n=10');
    expect(second.url.protocol).toBe('http:');
    expect(targets.slice(2)).toEqual([`http://${registry}/v2/library/x/tags/list?n=10`]);
    expect(tlsGarbage).toBe(1);
    expect(plainRequests).toEqual(['GET /v2/', 'GET /v2/library/x/tags/list?n=10']);
  });

  it('a registry with its own CA never falls back to http, even on loopback', async () => {
    plainRequests = [];
    tlsGarbage = 0;
    const config: RegistryHostConfig = { ca: '-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n' };
    const targets: string[] = [];
    const scheme = withScheme({ hostConfig: (r) => (r === registry ? config : undefined) });
    const fetch = scheme((req) => {
      targets.push(req.target);
      return http.fetch(req);
    });
    const err = await rejectionReason(fetch({ registry, method: 'GET', target: '/v2/' }));
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('network');
    expect(targets).toEqual([`https://${registry}/v2/`]);
    expect(plainRequests).toEqual([]);
    expect(scheme.schemeOf(registry)).toBeUndefined();
  });

  it('probes /v2/ first for a streamed body, then sends the stream once over the scheme found', async () => {
    plainRequests = [];
    const targets: string[] = [];
    const scheme = withScheme();
    const fetch = scheme((req) => {
      targets.push(`${req.method} ${req.target}`);
      return http.fetch(req);
    });
    const res = await fetch({ registry, method: 'PUT', target: '/v2/a/blobs/uploads/1?digest=sha256:0', body: Readable.from([Buffer.from('layer')]) });
    expect(await res.body.text()).toBe('plain /v2/a/blobs/uploads/1?digest=sha256:0');
    expect(targets).toEqual([`GET https://${registry}/v2/`, `GET http://${registry}/v2/`, `PUT http://${registry}/v2/a/blobs/uploads/1?digest=sha256:0`]);
    expect(plainRequests).toEqual(['GET /v2/', 'PUT /v2/a/blobs/uploads/1?digest=sha256:0']);
    expect(scheme.schemeOf(registry)).toBe('http');
  });
});

describe('withScheme with a scripted next', () => {
  it('never tries http for a registry that is not loopback', async () => {
    const s = scripted();
    const scheme = withScheme();
    const err = await rejectionReason(scheme(s.next)({ registry: 'registry.example.com', method: 'GET', target: '/v2/' }));
    expect((err as RegistryError).code).toBe('network');
    expect(s.targets()).toEqual(['https://registry.example.com/v2/']);
    expect(scheme.schemeOf('registry.example.com')).toBeUndefined();
    // Nor on a second try.
    await rejectionReason(scheme(s.next)({ registry: 'registry.example.com', method: 'GET', target: '/v2/' }));
    expect(s.targets()).toEqual(['https://registry.example.com/v2/', 'https://registry.example.com/v2/']);
  });

  it('sends a non-loopback registry over https with its port', async () => {
    const s = scripted((req) => fakeResponse(req.target));
    const res = await withScheme()(s.next)({ registry: 'registry.example.com:5443', method: 'HEAD', target: '/v2/a/manifests/1' });
    expect(res.url.toString()).toBe('https://registry.example.com:5443/v2/a/manifests/1');
    expect(s.calls).toEqual([{ registry: 'registry.example.com:5443', method: 'HEAD', target: 'https://registry.example.com:5443/v2/a/manifests/1' }]);
  });

  it('falls back to http for a registry marked insecure', async () => {
    const s = scripted();
    const scheme = withScheme({ hostConfig: () => ({ insecure: true }) });
    const res = await scheme(s.next)({ registry: 'registry.internal:5000', method: 'GET', target: '/v2/' });
    expect(res.url.protocol).toBe('http:');
    expect(s.targets()).toEqual(['https://registry.internal:5000/v2/', 'http://registry.internal:5000/v2/']);
    expect(scheme.schemeOf('registry.internal:5000')).toBe('http');
  });

  it('an insecure registry with a CA never falls back', async () => {
    const s = scripted();
    const scheme = withScheme({ hostConfig: () => ({ insecure: true, ca: 'PEM' }) });
    await rejectionReason(scheme(s.next)({ registry: 'registry.internal:5000', method: 'GET', target: '/v2/' }));
    expect(s.targets()).toEqual(['https://registry.internal:5000/v2/']);
  });

  it('passes absolute targets through untouched, whatever the registry and scheme', async () => {
    const s = scripted((req) => fakeResponse(req.target));
    const scheme = withScheme();
    const fetch = scheme(s.next);
    const reqs: RegistryRequest[] = [
      { registry: '127.0.0.1:5000', method: 'PUT', target: 'http://storage.example.com/upload/abc?sig=1', body: 'x' },
      { registry: 'registry.example.com', method: 'GET', target: 'https://cdn.example.net/blob' },
      { registry: 'registry.example.com', method: 'GET', target: 'HTTP://registry.example.com/v2/' },
    ];
    for (const r of reqs) await fetch(r);
    expect(s.calls).toEqual(reqs);
    expect(s.calls[0]).toBe(reqs[0]);
    expect(scheme.schemeOf('127.0.0.1:5000')).toBeUndefined();
    expect(scheme.schemeOf('registry.example.com')).toBeUndefined();
  });

  it('refuses a target that is neither a path nor an absolute http(s) URL', async () => {
    const s = scripted();
    for (const target of ['v2/', 'ftp://x/y', 'javascript:alert(1)', '']) {
      const err = await rejectionReason(withScheme()(s.next)({ registry: '127.0.0.1:5000', method: 'GET', target }));
      expect(err).toBeInstanceOf(TypeError);
    }
    expect(s.calls).toEqual([]);
  });

  it('keeps a path that starts with // on the registry (never another host)', async () => {
    const s = scripted((req) => fakeResponse(req.target));
    await withScheme()(s.next)({ registry: 'registry.example.com', method: 'GET', target: '//evil.example.com/v2/' });
    expect(s.targets()).toEqual(['https://registry.example.com//evil.example.com/v2/']);
    expect(new URL(s.targets()[0]!).host).toBe('registry.example.com');
  });

  it('remembers https when the loopback registry answers over https', async () => {
    const s = scripted((req) => fakeResponse(req.target));
    const scheme = withScheme();
    const fetch = scheme(s.next);
    await fetch({ registry: 'localhost:5000', method: 'GET', target: '/v2/' });
    await fetch({ registry: 'localhost:5000', method: 'GET', target: '/v2/_catalog' });
    expect(s.targets()).toEqual(['https://localhost:5000/v2/', 'https://localhost:5000/v2/_catalog']);
    expect(scheme.schemeOf('localhost:5000')).toBe('https');
  });

  it('does not fall back when https failed for another reason than the connection (and remembers https)', async () => {
    for (const failure of [
      new RegistryError('protocol', 'bad answer', { registry: '127.0.0.1:5000' }),
      new RegistryError('network', 'HTTP 502', { registry: '127.0.0.1:5000', status: 502 }),
      new RegistryError('network', 'token server down', { registry: '127.0.0.1:5000', registryCode: TOKEN_SERVER_FAILURE }),
    ]) {
      const s = scripted(() => failure);
      const scheme = withScheme();
      const err = await rejectionReason(scheme(s.next)({ registry: '127.0.0.1:5000', method: 'GET', target: '/v2/' }));
      expect(err).toBe(failure);
      expect(s.targets()).toEqual(['https://127.0.0.1:5000/v2/']);
      expect(scheme.schemeOf('127.0.0.1:5000')).toBe('https');
    }
  });

  it('an untrusted certificate at a loopback registry is the answer, not a reason to try plain HTTP (the registry speaks TLS)', async () => {
    const untrusted = toRegistryError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), '127.0.0.1:5000');
    for (const method of ['GET', 'PATCH'] as const) {
      const s = scripted((req) => (req.target.startsWith('https:') ? untrusted : fakeResponse(req.target)));
      const scheme = withScheme();
      const body = method === 'PATCH' ? Readable.from(['data']) : undefined;
      expect(await rejectionReason(scheme(s.next)({ registry: '127.0.0.1:5000', method, target: '/v2/', ...(body ? { body } : {}) }))).toBe(untrusted);
      expect(s.targets().every((t) => t.startsWith('https:')), method).toBe(true);
    }
  });

  it('falls back on a timeout too', async () => {
    const s = scripted((req) => (req.target.startsWith('https:') ? new RegistryError('timeout', 'connecting timed out', { registry: req.registry }) : fakeResponse(req.target)));
    const res = await withScheme()(s.next)({ registry: '[::1]:5000', method: 'GET', target: '/v2/' });
    expect(res.url.toString()).toBe('http://[::1]:5000/v2/');
  });

  it('when both schemes fail at the connection level, throws the http error and remembers nothing', async () => {
    const httpsErr = tlsFailure('127.0.0.1:5000');
    const httpErr = new RegistryError('network', '127.0.0.1:5000: connection refused', { registry: '127.0.0.1:5000' });
    const s = scripted((req) => (req.target.startsWith('https:') ? httpsErr : httpErr));
    const scheme = withScheme();
    const fetch = scheme(s.next);
    expect(await rejectionReason(fetch({ registry: '127.0.0.1:5000', method: 'GET', target: '/v2/' }))).toBe(httpErr);
    expect(scheme.schemeOf('127.0.0.1:5000')).toBeUndefined();
    await rejectionReason(fetch({ registry: '127.0.0.1:5000', method: 'GET', target: '/v2/' }));
    expect(s.targets()).toEqual(['https://127.0.0.1:5000/v2/', 'http://127.0.0.1:5000/v2/', 'https://127.0.0.1:5000/v2/', 'http://127.0.0.1:5000/v2/']);
  });

  it('remembers http when the http attempt answered with a non-connection error', async () => {
    const authErr = new RegistryError('authentication', 'no', { registry: '127.0.0.1:5000' });
    const s = scripted((req) => (req.target.startsWith('https:') ? tlsFailure(req.registry) : authErr));
    const scheme = withScheme();
    expect(await rejectionReason(scheme(s.next)({ registry: '127.0.0.1:5000', method: 'GET', target: '/v2/' }))).toBe(authErr);
    expect(scheme.schemeOf('127.0.0.1:5000')).toBe('http');
  });

  it('keeps schemes per registry', async () => {
    const s = scripted();
    const scheme = withScheme();
    const fetch = scheme(s.next);
    await fetch({ registry: '127.0.0.1:5000', method: 'GET', target: '/v2/' });
    expect(scheme.schemeOf('127.0.0.1:5000')).toBe('http');
    expect(scheme.schemeOf('127.0.0.1:5001')).toBeUndefined();
    await fetch({ registry: '127.0.0.1:5001', method: 'GET', target: '/v2/' });
    expect(s.targets().slice(2)).toEqual(['https://127.0.0.1:5001/v2/', 'http://127.0.0.1:5001/v2/']);
  });

  it('the /v2/ probe for a streamed body carries no body, the signal only, and its response is dumped', async () => {
    let dumps = 0;
    const s = scripted((req) => (req.target.startsWith('https:') ? tlsFailure(req.registry) : fakeResponse(req.target, 200, () => dumps++)));
    const controller = new AbortController();
    const body = Readable.from(['data']);
    await withScheme()(s.next)({ registry: '127.0.0.1:5000', method: 'PATCH', target: '/v2/a/blobs/uploads/u', body, headers: { authorization: 'Bearer t' }, signal: controller.signal });
    expect(s.calls.map((c) => `${c.method} ${c.target}`)).toEqual(['GET https://127.0.0.1:5000/v2/', 'GET http://127.0.0.1:5000/v2/', 'PATCH http://127.0.0.1:5000/v2/a/blobs/uploads/u']);
    expect(s.calls[1]).toEqual({ registry: '127.0.0.1:5000', method: 'GET', target: 'http://127.0.0.1:5000/v2/', signal: controller.signal });
    expect(s.calls[2]!.body).toBe(body);
    expect(dumps).toBe(1);
  });

  // BUG (scheme.ts, the catch after the https attempt, line 54-56): any error that is not
  // connection-level pins the registry to https, including `cancelled`. A user who cancels the very
  // first request to a plain-HTTP (loopback or insecure) registry while the HTTPS attempt is still
  // connecting makes every later request go to https and fail until the app restarts. A cancelled
  // attempt says nothing about the scheme; it should leave the registry unknown.
  it('a cancelled https attempt does not pin the registry to https', async () => {
    const cancelled = new RegistryError('cancelled', 'the operation was cancelled', { registry: '127.0.0.1:5000' });
    let first = true;
    const s = scripted((req) => {
      if (first) {
        first = false;
        return cancelled;
      }
      return req.target.startsWith('https:') ? tlsFailure(req.registry) : fakeResponse(req.target);
    });
    const scheme = withScheme();
    const fetch = scheme(s.next);
    expect(await rejectionReason(fetch({ registry: '127.0.0.1:5000', method: 'GET', target: '/v2/' }))).toBe(cancelled);
    expect(scheme.schemeOf('127.0.0.1:5000')).toBeUndefined();
    const res = await fetch({ registry: '127.0.0.1:5000', method: 'GET', target: '/v2/' });
    expect(res.url.protocol).toBe('http:');
  });
});
