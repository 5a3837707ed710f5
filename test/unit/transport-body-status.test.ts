/**
 * Bounded body reads and the mapping of HTTP statuses to typed errors, with
 * real responses from a loopback server (content-length, chunked, endless).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryError } from '../../shared/errors';
import { MAX_ERROR_BODY_BYTES, readBounded, readJson } from '../../electron/registry/transport/body';
import { createHttpTransport, type HttpTransport } from '../../electron/registry/transport/http';
import { errorForStatus, type StatusContext } from '../../electron/registry/transport/status-errors';
import type { RegistryResponse } from '../../electron/registry/transport/types';
import { rejectionOf } from '../helpers/errors';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
let http: HttpTransport;
const routes = new Map<string, Handler>();
/** Per path: whether the server saw the client go away before it finished sending. */
const closedEarly = new Map<string, Promise<boolean>>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url!;
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(500);
      res.end('no route');
      return;
    }
    closedEarly.set(
      path,
      new Promise<boolean>((resolve) => {
        res.on('close', () => resolve(!res.writableFinished));
      }),
    );
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  http = createHttpTransport({ timeouts: { headersMs: 5000, idleBodyMs: 5000 } });
});

afterAll(async () => {
  await http.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  routes.clear();
  closedEarly.clear();
});

let counter = 0;
/** Registers a handler on a fresh path and fetches it. */
async function get(handler: Handler): Promise<{ res: RegistryResponse; path: string }> {
  const path = `/r/${++counter}`;
  routes.set(path, handler);
  const res = await http.fetch({ registry: '127.0.0.1', method: 'GET', target: `${base}${path}` });
  return { res, path };
}

/** A response with the given status, headers and body (JSON-encoded unless a string). */
const reply = (status: number, body: unknown = '', headers: Record<string, string> = {}): Handler => (_req, res) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
};

/** Streams `chunk` forever (chunked, no content-length) until the client goes away. */
const endless = (status: number, chunk: Buffer): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/octet-stream' });
  let stopped = false;
  res.on('close', () => (stopped = true));
  const pump = (): void => {
    while (!stopped && res.write(chunk)) {
      /* until backpressure */
    }
    if (!stopped) res.once('drain', pump);
  };
  pump();
};

/** Streams `total` bytes in chunks without content-length. */
const chunked = (status: number, total: number, chunkSize = 16 * 1024): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  let sent = 0;
  let stopped = false;
  res.on('close', () => (stopped = true));
  const pump = (): void => {
    while (!stopped && sent < total) {
      const n = Math.min(chunkSize, total - sent);
      sent += n;
      if (!res.write(Buffer.alloc(n, 0x61))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!stopped) res.end();
  };
  pump();
};


/**
 * Records 'error' events the body emits while nobody listens (each would be an uncaught exception
 * that kills the process) and swallows them, so one bug does not take the whole test run down.
 */
function unhandledErrorsOf(res: RegistryResponse): unknown[] {
  const seen: unknown[] = [];
  const body = res.body as unknown as { emit: (event: string | symbol, ...args: unknown[]) => boolean; listenerCount: (event: string) => number };
  const emit = body.emit.bind(body);
  body.emit = (event, ...args) => {
    if (event === 'error' && body.listenerCount('error') === 0) {
      seen.push(args[0]);
      return false;
    }
    return emit(event, ...args);
  };
  return seen;
}

/** Resolves once the body has closed: a destroyed stream emits its 'error' (if any) before 'close', so nothing comes after. */
const closed = (body: NodeJS.ReadableStream & { closed?: boolean }): Promise<void> =>
  body.closed ? Promise.resolve() : new Promise((resolve) => body.once('close', () => resolve()));

// ---------------------------------------------------------------- readBounded

describe('readBounded', () => {
  const ctx = { registry: 'r.example.com', repository: 'lib/a', what: 'manifest' };

  it('returns the exact bytes of a body under the limit', async () => {
    const { res } = await get(reply(200, 'hello world'));
    const bytes = await readBounded(res, 100, ctx);
    expect(bytes.toString()).toBe('hello world');
  });

  it('accepts a body of exactly the limit', async () => {
    const { res } = await get(reply(200, 'x'.repeat(64)));
    expect((await readBounded(res, 64, ctx)).length).toBe(64);
  });

  it('accepts an exact-limit body streamed in chunks', async () => {
    const { res } = await get(chunked(200, 100_000, 7000));
    expect((await readBounded(res, 100_000, ctx)).length).toBe(100_000);
  });

  it('refuses a body announced over the limit by content-length, before reading it, and closes it', async () => {
    const { res, path } = await get(reply(200, 'y'.repeat(1000)));
    unhandledErrorsOf(res);
    expect(res.headers['content-length']).toBe('1000');
    const err = await rejectionOf(readBounded(res, 999, ctx));
    expect(err.code).toBe('protocol');
    expect(err.message).toBe('r.example.com: manifest too large (1000 bytes, limit 999)');
    expect(err.context).toEqual({ registry: 'r.example.com', repository: 'lib/a' });
    expect(res.body.destroyed).toBe(true);
    expect(closedEarly.has(path)).toBe(true);
    await closed(res.body);
  });

  // Regression: readBounded used to call `res.body.destroy()` with no 'error' listener. undici reports
  // the destroy of an unread body as a RequestAbortedError 'error' event; once the response had fully
  // arrived nobody listened, and Node threw "Unhandled 'error' event" (the CLI process died).
  it('refusing an announced-too-large body leaves no unhandled error event behind (it would crash the process)', async () => {
    const { res } = await get(reply(200, 'y'.repeat(1000)));
    const unhandled = unhandledErrorsOf(res);
    await rejectionOf(readBounded(res, 999, ctx));
    await closed(res.body);
    expect(unhandled).toEqual([]);
  });

  it('refusing a streamed body over the limit leaves no unhandled error event behind either', async () => {
    const { res } = await get(chunked(200, 50_000, 1000));
    const unhandled = unhandledErrorsOf(res);
    await rejectionOf(readBounded(res, 10_000, ctx));
    await closed(res.body);
    expect(unhandled).toEqual([]);
  });

  it('refuses a body over the limit that has no content-length (streamed), and closes the connection', async () => {
    const { res, path } = await get(endless(200, Buffer.alloc(4096, 0x62)));
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const err = await rejectionOf(readBounded(res, 10_000, { registry: 'r.example.com', what: 'token response' }));
    expect(err.code).toBe('protocol');
    expect(err.message).toBe('r.example.com: token response too large (over 10000 bytes)');
    expect(err.context).toEqual({ registry: 'r.example.com' });
    expect(res.body.destroyed).toBe(true);
    // The server, which would stream forever, sees the client go away.
    expect(await closedEarly.get(path)!).toBe(true);
  });

  it('maps a body that breaks off to a network error', async () => {
    const { res } = await get((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const err = await rejectionOf(readBounded(res, 1000, ctx));
    expect(err.code).toBe('network');
    expect(err.context.registry).toBe('r.example.com');
  });
});

describe('readJson', () => {
  it('parses JSON', async () => {
    const { res } = await get(reply(200, { a: [1, 2] }));
    expect(await readJson(res, 1000, { registry: 'r', what: 'config' })).toEqual({ a: [1, 2] });
  });

  it('names what was read when the JSON is bad', async () => {
    const { res } = await get(reply(200, '{"a":'));
    const err = await rejectionOf(readJson(res, 1000, { registry: 'r.example.com', repository: 'x/y', what: 'image config' }));
    expect(err.code).toBe('protocol');
    expect(err.message).toBe('r.example.com: image config is not valid JSON');
    expect(err.context).toEqual({ registry: 'r.example.com', repository: 'x/y' });
  });

  it('refuses oversized JSON before parsing it', async () => {
    const { res } = await get(reply(200, { big: 'z'.repeat(5000) }));
    unhandledErrorsOf(res);
    const err = await rejectionOf(readJson(res, 1000, { registry: 'r', what: 'tag list' }));
    expect(err.message).toBe('r: tag list too large (5010 bytes, limit 1000)');
    await closed(res.body);
  });
});

// ---------------------------------------------------------------- errorForStatus

const CTX: StatusContext = { registry: 'r.example.com', repository: 'lib/nginx', what: 'manifest lib/nginx:1.25' };
const errorBody = (code: unknown, message: unknown) => ({ errors: [{ code, message, detail: null }] });

async function mapped(handler: Handler, ctx: StatusContext = CTX, auth?: RegistryResponse['auth']): Promise<RegistryError> {
  const { res } = await get(handler);
  return errorForStatus(auth ? { ...res, auth } : res, ctx);
}

describe('errorForStatus', () => {
  describe('401', () => {
    const challenge = { 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="r",scope="repository:lib/nginx:pull"' };

    it('without credentials: authentication required, sign in', async () => {
      const err = await mapped(reply(401, errorBody('UNAUTHORIZED', 'authentication required'), challenge));
      expect(err.code).toBe('authentication');
      expect(err.message).toBe('r.example.com: authentication required for manifest lib/nginx:1.25 (registry says: authentication required)');
      expect(err.hint).toBe('Sign in: regdesk login r.example.com');
      expect(err.context).toEqual({ registry: 'r.example.com', repository: 'lib/nginx', status: 401, registryCode: 'UNAUTHORIZED' });
    });

    it('sent anonymously (auth says none): still authentication required', async () => {
      const err = await mapped(reply(401, '', challenge), CTX, { scheme: 'none', withCredentials: false });
      expect(err.code).toBe('authentication');
      expect(err.message).toBe('r.example.com: authentication required for manifest lib/nginx:1.25');
    });

    it('with credentials: the credentials were rejected', async () => {
      const err = await mapped(reply(401, errorBody('UNAUTHORIZED', 'bad'), challenge), CTX, { scheme: 'basic', withCredentials: true });
      expect(err.code).toBe('authentication');
      expect(err.message).toBe('r.example.com: the credentials were rejected (registry says: bad)');
      expect(err.hint).toBe('Check the user name and password: regdesk login r.example.com');
    });

    it('insufficient_scope with credentials: authorization (the account lacks the permission)', async () => {
      for (const header of [
        'Bearer realm="https://a/token",service="r",scope="repository:lib/nginx:pull,push",error="insufficient_scope"',
        'Bearer realm="https://a/token",error=insufficient_scope',
        'Bearer ERROR="INSUFFICIENT_SCOPE"',
      ]) {
        const err = await mapped(reply(401, errorBody('DENIED', 'requested access to the resource is denied'), { 'www-authenticate': header }), CTX, {
          scheme: 'bearer',
          withCredentials: true,
        });
        expect(err.code).toBe('authorization');
        expect(err.message).toBe('r.example.com: access denied to manifest lib/nginx:1.25 (registry says: requested access to the resource is denied)');
        expect(err.hint).toBe('Your account lacks the permission for this; ask the registry owner.');
      }
    });

    it('insufficient_scope with an anonymous token: authentication required (signing in may help)', async () => {
      const err = await mapped(reply(401, '', { 'www-authenticate': 'Bearer realm="https://a/token",error="insufficient_scope"' }), CTX, {
        scheme: 'bearer',
        withCredentials: false,
      });
      expect(err.code).toBe('authentication');
      expect(err.hint).toBe('Sign in: regdesk login r.example.com');
    });
  });

  it('403 → authorization', async () => {
    const err = await mapped(reply(403, errorBody('DENIED', 'nope')));
    expect(err.code).toBe('authorization');
    expect(err.message).toBe('r.example.com: access denied to manifest lib/nginx:1.25 (registry says: nope)');
    expect(err.context).toEqual({ registry: 'r.example.com', repository: 'lib/nginx', status: 403, registryCode: 'DENIED' });
  });

  describe('404', () => {
    for (const [code, kind] of [
      ['MANIFEST_UNKNOWN', 'manifest'],
      ['BLOB_UNKNOWN', 'blob'],
      ['NAME_UNKNOWN', 'repository'],
      ['BLOB_UPLOAD_UNKNOWN', 'upload'],
    ] as const) {
      it(`${code} → not_found, kind ${kind} (over the caller's guess)`, async () => {
        const err = await mapped(reply(404, errorBody(code, 'unknown')), { ...CTX, notFound: 'tag' });
        expect(err.code).toBe('not_found');
        expect(err.context).toEqual({ registry: 'r.example.com', repository: 'lib/nginx', status: 404, registryCode: code, kind });
        expect(err.message).toBe('r.example.com: manifest lib/nginx:1.25 not found (registry says: unknown)');
        expect(err.hint).toBe('Check the repository, tag or digest.');
      });
    }

    it('without a registry code, uses the caller’s notFound kind', async () => {
      const err = await mapped(reply(404, ''), { ...CTX, notFound: 'tag' });
      expect(err.context).toEqual({ registry: 'r.example.com', repository: 'lib/nginx', status: 404, kind: 'tag' });
      expect(err.message).toBe('r.example.com: manifest lib/nginx:1.25 not found');
    });

    it('with an unknown registry code, keeps the code and uses the caller’s kind', async () => {
      const err = await mapped(reply(404, errorBody('SOMETHING_ELSE', 'x')), { ...CTX, notFound: 'blob' });
      expect(err.context).toMatchObject({ registryCode: 'SOMETHING_ELSE', kind: 'blob' });
    });

    it('with neither, has no kind at all', async () => {
      const err = await mapped(reply(404, 'not json'), { registry: 'r.example.com', what: 'thing' });
      expect(err.context).toEqual({ registry: 'r.example.com', status: 404 });
      expect('kind' in err.context).toBe(false);
    });

    // BUG (status-errors.ts line 194): `NOT_FOUND_KIND[detail.code]` is a plain object lookup, so a
    // registry (hostile or broken) answering 404 with the code `constructor`, `toString`, `__proto__`…
    // gets `kind` set to a function or to Object.prototype. That breaks the ErrorContext contract
    // (kind is one of manifest/blob/repository/tag/upload) and a function in toWire() cannot cross
    // IPC (structured clone throws). Fix: `Object.hasOwn(NOT_FOUND_KIND, code) ? NOT_FOUND_KIND[code] : undefined`
    // (or make the table a Map / Object.create(null)).
    it('a registry code that names a prototype property is not a kind', async () => {
      const err = await mapped(reply(404, errorBody('constructor', 'x')), { registry: 'r.example.com', what: 'thing' });
      expect(err.context.kind).toBeUndefined();
      const err2 = await mapped(reply(404, errorBody('__proto__', 'x')), { registry: 'r.example.com', what: 'thing', notFound: 'tag' });
      expect(err2.context.kind).toBe('tag');
    });
  });

  it('405 → unsupported', async () => {
    const err = await mapped(reply(405, errorBody('UNSUPPORTED', 'deletes are disabled')));
    expect(err.code).toBe('unsupported');
    expect(err.message).toBe('r.example.com: the registry does not support this operation on manifest lib/nginx:1.25 (registry says: deletes are disabled)');
  });

  describe('429', () => {
    it('with Retry-After seconds → rate_limited with retryAfterMs', async () => {
      const err = await mapped(reply(429, errorBody('TOOMANYREQUESTS', 'slow down'), { 'retry-after': '30' }));
      expect(err.code).toBe('rate_limited');
      expect(err.context).toEqual({ registry: 'r.example.com', repository: 'lib/nginx', status: 429, registryCode: 'TOOMANYREQUESTS', retryAfterMs: 30_000 });
      expect(err.message).toBe('r.example.com: rate limit reached (registry says: slow down)');
      expect(err.hint).toBe('The registry limits requests. Try again in 30 s.');
    });

    it('with a Retry-After date → about that long', async () => {
      const at = new Date(Date.now() + 120_000).toUTCString();
      const err = await mapped(reply(429, '', { 'retry-after': at }));
      expect(err.context.retryAfterMs).toBeGreaterThan(115_000);
      expect(err.context.retryAfterMs).toBeLessThanOrEqual(120_000);
    });

    it('without Retry-After → no retryAfterMs, try later', async () => {
      const err = await mapped(reply(429, ''));
      expect(err.code).toBe('rate_limited');
      expect('retryAfterMs' in err.context).toBe(false);
      expect(err.hint).toBe('The registry limits requests. Try again later.');
    });
  });

  for (const status of [500, 501, 502, 503, 504, 599]) {
    it(`${status} → network`, async () => {
      const err = await mapped(reply(status, errorBody('UNAVAILABLE', 'maintenance')));
      expect(err.code).toBe('network');
      expect(err.message).toBe(`r.example.com: the registry failed with HTTP ${status} on manifest lib/nginx:1.25 (registry says: maintenance)`);
      expect(err.context.status).toBe(status);
      expect(err.hint).toBe('The registry has a problem; try again later.');
    });
  }

  for (const status of [400, 402, 409, 410, 413, 416, 418, 451]) {
    it(`${status} → protocol`, async () => {
      const err = await mapped(reply(status, ''));
      expect(err.code).toBe('protocol');
      expect(err.message).toBe(`r.example.com: unexpected HTTP ${status} for manifest lib/nginx:1.25`);
      expect(err.context).toEqual({ registry: 'r.example.com', repository: 'lib/nginx', status });
    });
  }

  it('truncates the registry’s message to 200 characters and its code to 64, collapsing whitespace', async () => {
    const longMessage = 'word\n\t  ' + 'm'.repeat(500);
    const err = await mapped(reply(400, errorBody('C'.repeat(100), longMessage)));
    const said = /\(registry says: (.*)\)$/.exec(err.message)![1]!;
    expect(said).toHaveLength(200);
    expect(said).toBe(('word ' + 'm'.repeat(500)).slice(0, 200));
    expect(err.context.registryCode).toBe('C'.repeat(64));
  });

  it('scrubs the registry’s message with the caller’s scrubber', async () => {
    const err = await mapped(reply(403, errorBody('DENIED', 'user alice with password hunter22 denied')), {
      ...CTX,
      scrub: (text) => text.split('hunter22').join('<redacted>'),
    });
    expect(err.message).toBe('r.example.com: access denied to manifest lib/nginx:1.25 (registry says: user alice with password <redacted> denied)');
  });

  it('ignores hostile or odd error bodies and still maps the status', async () => {
    const bodies: unknown[] = [
      'not json at all',
      '[]',
      'null',
      '{"errors":"nope"}',
      '{"errors":[]}',
      '{"errors":[null]}',
      { errors: [{ code: 42, message: { nested: true } }] },
      { errors: [{ code: ['MANIFEST_UNKNOWN'], message: ['x'] }] },
      { __proto__: { errors: [{ code: 'MANIFEST_UNKNOWN' }] } },
    ];
    for (const body of bodies) {
      const err = await mapped(reply(404, body), { registry: 'r.example.com', what: 'thing' });
      expect(err.code).toBe('not_found');
      expect(err.context).toEqual({ registry: 'r.example.com', status: 404 });
      expect(err.message).toBe('r.example.com: thing not found');
    }
  });

  it('reads nothing from a body that was already consumed', async () => {
    const { res } = await get(reply(404, errorBody('MANIFEST_UNKNOWN', 'gone')));
    await res.body.text();
    const err = await errorForStatus(res, { registry: 'r.example.com', what: 'thing' });
    expect(err.code).toBe('not_found');
    expect(err.context.registryCode).toBeUndefined();
  });

  it('reads at most 64 KiB of a 10 MB streamed error body: closes it before the end, still maps', async () => {
    expect(MAX_ERROR_BODY_BYTES).toBe(64 * 1024);
    const { res, path } = await get(chunked(503, 10 * 1024 * 1024));
    expect(res.headers['content-length']).toBeUndefined();
    const err = await errorForStatus(res, CTX);
    expect(err.code).toBe('network');
    expect(err.context).toEqual({ registry: 'r.example.com', repository: 'lib/nginx', status: 503 });
    expect(res.body.destroyed).toBe(true);
    expect(await closedEarly.get(path)!).toBe(true);
  });

  it('refuses at once a 10 MB error body announced by content-length', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
    const { res } = await get((_req, r) => {
      r.writeHead(404, { 'content-length': String(big.length) });
      r.end(big);
    });
    const err = await errorForStatus(res, { ...CTX, notFound: 'manifest' });
    expect(err.code).toBe('not_found');
    expect(err.context.kind).toBe('manifest');
    expect(res.body.destroyed).toBe(true);
  });

  it('an endless error body does not hang the mapping', async () => {
    const { res } = await get(endless(500, Buffer.alloc(1024, 0x7b)));
    const err = await errorForStatus(res, CTX);
    expect(err.code).toBe('network');
  });
});
