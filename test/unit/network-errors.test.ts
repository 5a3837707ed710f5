import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { isFinal } from '../../electron/registry/copy/blob-uploads';
import { createHttpTransport } from '../../electron/registry/transport/http';
import { PROXY_AUTH_REQUIRED, PROXY_REFUSED, toRegistryError } from '../../electron/registry/transport/network-errors';
import { environmentProxy, settingsProxy } from '../../electron/registry/transport/proxy-route';
import type { LookupFunction } from '../../electron/registry/transport/resolve-guard';
import { withRetry } from '../../electron/registry/transport/retry';
import { createTransport } from '../../electron/registry/transport/stack';
import { RegistryError } from '../../shared/errors';
import { rejectionOf, rejectionReason } from '../helpers/errors';

describe('toRegistryError', () => {
  it('a TimeoutError (AbortSignal.timeout) is a timeout, a plain abort is a cancel', () => {
    expect(toRegistryError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'r.example').code).toBe('timeout');
    expect(toRegistryError(new DOMException('This operation was aborted', 'AbortError'), 'r.example').code).toBe('cancelled');
  });

  it('a programming error is internal, not the network: a TypeError, a bad argument to undici, an error without a code, a thrown string', () => {
    const bugs: unknown[] = [
      new TypeError("this[kClient].connect is not a function"),
      new RangeError('Invalid array length'),
      new errors.InvalidArgumentError('invalid header'),
      new Error('something of ours broke'),
      'a thrown string',
    ];
    for (const bug of bugs) {
      const err = toRegistryError(bug, 'r.example', 'app/one');
      expect(err.code, String(bug)).toBe('internal');
      expect(err.message).toMatch(/^r\.example: internal error, not the network \(/);
      expect(err.context).toEqual({ registry: 'r.example', repository: 'app/one' });
    }
  });

  it('failures of the connection stay network errors (the line between the two)', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'HPE_INVALID_CONSTANT', 'UND_ERR_PRX_TLS']) {
      expect(toRegistryError(Object.assign(new Error(code), { code }), 'r.example').code, code).toBe('network');
    }
  });

  it('a proxy refusing the tunnel with 407 is an authentication error naming the proxy (never its credentials), not a cancel', () => {
    // What undici's ProxyAgent reports: a RequestAbortedError (code UND_ERR_ABORTED).
    const refusal = new errors.RequestAbortedError('Proxy response (407) !== 200 when HTTP Tunneling');
    const withSecret = toRegistryError(refusal, 'r.example', undefined, settingsProxy('http://me:s3cret-canary@proxy.corp:3128'));
    expect(withSecret).toMatchObject({ code: 'authentication', message: 'r.example: the proxy proxy.corp:3128 refused the user name and password (407 Proxy Authentication Required)' });
    expect(withSecret.context).toMatchObject({ status: 407, registryCode: PROXY_AUTH_REQUIRED });
    expect(withSecret.hint).toContain('the proxy URL in settings');
    expect(JSON.stringify(withSecret.toWire())).not.toContain('s3cret-canary');

    const env = toRegistryError(refusal, 'r.example', undefined, environmentProxy(new URL('https://r.example/v2/'), { HTTPS_PROXY: 'http://proxy.corp:3128' }));
    expect(env.message).toBe('r.example: the proxy proxy.corp:3128 asks for a user name and password (407 Proxy Authentication Required)');
    expect(env.hint).toContain('HTTPS_PROXY');
  });

  it('a proxy refusing the tunnel otherwise is a network error naming the proxy and its status', () => {
    const err = toRegistryError(new errors.RequestAbortedError('Proxy response (502) !== 200 when HTTP Tunneling'), 'r.example', undefined, settingsProxy('http://proxy.corp:3128'));
    expect(err).toMatchObject({ code: 'network', message: 'r.example: the proxy proxy.corp:3128 would not connect to the registry (HTTP 502)' });
    expect(err.context).toMatchObject({ status: 502, registryCode: PROXY_REFUSED });
  });
});

describe('the environment\'s proxy for a URL, as undici picks it', () => {
  const https = new URL('https://r.example/v2/');
  const http = new URL('http://r.example/v2/');
  it('lower case first; HTTPS falls back to HTTP_PROXY; plain HTTP uses HTTP_PROXY only', () => {
    expect(environmentProxy(https, { https_proxy: 'http://a:1', HTTPS_PROXY: 'http://b:2' })).toEqual({ host: 'a:1', setIn: 'https_proxy', withCredentials: false });
    expect(environmentProxy(https, { HTTP_PROXY: 'http://u:p@c:3' })).toEqual({ host: 'c:3', setIn: 'HTTP_PROXY', withCredentials: true });
    expect(environmentProxy(http, { HTTPS_PROXY: 'http://b:2' })).toBeUndefined();
    expect(environmentProxy(http, { HTTPS_PROXY: 'http://b:2', http_proxy: 'http://d:4' })?.setIn).toBe('http_proxy');
  });
});

describe('a programming error below the retry layer', () => {
  it('surfaces once as internal: not retried, no request sent, and a copy does not try the blob again', async () => {
    let received = 0;
    const server = createServer((_req, res) => {
      received++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const http = createHttpTransport();
    try {
      let calls = 0;
      const fetch = withRetry({ attempts: 5, baseDelayMs: 1, sleep: async () => undefined })(async (req) => {
        calls++;
        return http.fetch(req);
      });
      const { port } = server.address() as AddressInfo;
      // A header value no HTTP request may carry: undici refuses it (a bad argument) before anything is sent.
      const err = await rejectionReason(fetch({ registry: `127.0.0.1:${port}`, method: 'GET', target: `http://127.0.0.1:${port}/v2/`, headers: { 'x-broken': 'a\nb' } }));
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).code).toBe('internal');
      expect(calls).toBe(1);
      expect(received).toBe(0);
      expect(isFinal(err)).toBe(true);
    } finally {
      await http.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('a TypeError thrown inside the transport', () => {
  it('surfaces once as internal through the whole stack (retry, breaker, scheme, auth): one attempt, nothing sent', async () => {
    let received = 0;
    const server = createServer((_req, res) => {
      received++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let lookups = 0;
    // A bug of ours at the bottom of the stack, as a dispatcher missing a method was: undici hands it on as it is.
    const lookup = ((_host: string, _options: unknown, callback: (err: Error) => void): void => {
      lookups++;
      callback(new TypeError('this[kClient].connect is not a function'));
    }) as unknown as LookupFunction;
    const retried: string[] = [];
    const transport = createTransport({ lookup, retry: { attempts: 5, baseDelayMs: 1, sleep: async () => undefined, onRetry: ({ reason }) => retried.push(reason) } });
    try {
      const { port } = server.address() as AddressInfo;
      // A name, so that the lookup runs; loopback, so that no proxy of the environment is in the way.
      const registry = `localhost:${port}`;
      const err = await rejectionOf(transport.fetch({ registry, method: 'GET', target: `http://${registry}/v2/` }));
      expect(err.code).toBe('internal');
      expect(err.message).toBe(`${registry}: internal error, not the network (TypeError: this[kClient].connect is not a function)`);
      expect(err.hint).toContain('bug');
      expect(lookups).toBe(1);
      expect(retried).toEqual([]);
      expect(received).toBe(0);
      expect(isFinal(err)).toBe(true);
    } finally {
      await transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('withRetry and a request whose signal fired', () => {
  it('does not retry, and keeps the original error', async () => {
    let calls = 0;
    const failure = new RegistryError('timeout', 'r.example: the request took too long', { registry: 'r.example' });
    const fetch = withRetry({ attempts: 5, baseDelayMs: 1, sleep: async () => undefined })(async () => {
      calls++;
      throw failure;
    });
    const err = await fetch({ registry: 'r.example', method: 'GET', target: 'https://r.example/v2/', signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toBe(failure);
    expect(calls).toBe(1);
  });
});
