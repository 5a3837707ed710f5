/**
 * A loopback proxy in front of a real registry that injects what a real
 * registry will not produce on demand: 429/503 answers, connections dropped
 * mid-body, stalled or truncated bodies, altered bytes or headers, redirects
 * elsewhere. Everything else is forwarded untouched. It records every request
 * so tests can assert what was (not) sent. It speaks plain HTTP, or HTTPS with
 * the rig's certificates, to clients and to its target alike.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TlsFiles } from './certs';
import { listenTracked } from './listen';
import { registryErrorBody, upstreamOf } from './upstream';

export type FaultAction =
  /** Answer with this status and headers (and a small JSON error body) without forwarding. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Forward, then destroy the connection after `bytes` bytes of the response body. */
  | { kind: 'reset'; afterBytes: number }
  /**
   * Forward, send `afterBytes` bytes of the body, then go silent (connection kept open). `unannounced`: without
   * the Content-Length (chunked), so the client cannot tell the size before the bytes arrive.
   */
  | { kind: 'stall'; afterBytes: number; unannounced?: boolean }
  /** Forward with the real Content-Length, but end the body after `afterBytes` bytes. */
  | { kind: 'truncate'; afterBytes: number }
  /** Forward with one byte of the body changed (same length). */
  | { kind: 'corrupt'; atByte?: number }
  /** Forward with these response headers replaced. */
  | { kind: 'header'; headers: Record<string, string> }
  /** Answer with a redirect to `location(requestPath)`. */
  | { kind: 'redirect'; status?: number; location: (path: string) => string }
  /** Read `afterBytes` bytes of the request body, then destroy the connection. */
  | { kind: 'reset-request'; afterBytes: number }
  /** Forward, then drop the connection instead of the answer: the registry acted, the client never hears. */
  | { kind: 'lose-response' }
  /** Forward without the request's Range header: the registry answers 200 with everything, as one that ignores ranges. */
  | { kind: 'ignore-range' };

export interface FaultRule {
  method?: string;
  /** Matched against the request path (query included). */
  path: RegExp;
  action: FaultAction;
  /** How many matching requests to affect; unlimited when absent. */
  times?: number;
  /** Let this many matching requests through untouched before the rule fires. */
  skip?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The rule that fired, if any. */
  fault?: FaultAction['kind'];
  /** Response body bytes written to the client so far (forwarded answers). */
  sent: number;
  /** Settles when the response is over: sent in full, or its connection closed (by the client, for a stall). */
  closed: Promise<void>;
}

export interface FaultProxyOptions {
  /** Serve HTTPS with this certificate (for 127.0.0.1) instead of plain HTTP. */
  tls?: TlsFiles;
  /** The CA file to trust for an https target. */
  targetCaFile?: string;
  /** The address to listen on; loopback by default. */
  address?: string;
}

export interface FaultProxy {
  /** `address:PORT`, what an image reference starts with. */
  host: string;
  /** `http://…` or `https://…` */
  url: string;
  requests: RecordedRequest[];
  /** Adds a rule; rules are tried in order, the first that matches fires. */
  add(rule: FaultRule): void;
  clear(): void;
  close(): Promise<void>;
}

function errorBody(status: number): string {
  return registryErrorBody(status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE', `injected ${status}`);
}

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = upstreamOf(target, options.targetCaFile);
  const rules: Array<FaultRule & { used: number; seen: number }> = [];
  const requests: RecordedRequest[] = [];

  /** The first rule that matches and is not used up; a rule still skipping counts the request and lets it through. */
  const pick = (req: IncomingMessage): (FaultRule & { used: number }) | undefined => {
    const rule = rules.find((r) => (!r.method || r.method === req.method) && r.path.test(req.url ?? '') && (r.times === undefined || r.used < r.times));
    if (rule && rule.seen++ < (rule.skip ?? 0)) return undefined;
    return rule;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, action: FaultAction | undefined, record: RecordedRequest): void => {
    const forwarded = { ...req.headers };
    if (action?.kind === 'ignore-range') delete forwarded.range;
    const out = upstream.request({ method: req.method ?? 'GET', path: req.url ?? '/', headers: forwarded }, (up) => {
      if (action?.kind === 'lose-response') {
        up.resume();
        res.socket?.destroy();
        return;
      }
      const headers = { ...up.headers };
      if (action?.kind === 'header') Object.assign(headers, action.headers);
      if (action?.kind === 'stall' && action.unannounced) delete headers['content-length'];
      res.writeHead(up.statusCode ?? 502, headers);
      const limit = action && (action.kind === 'reset' || action.kind === 'stall' || action.kind === 'truncate') ? action.afterBytes : Infinity;
      let sent = 0;
      let cut = false;
      up.on('data', (chunk: Buffer) => {
        if (cut) return;
        if (action?.kind === 'corrupt') {
          const at = (action.atByte ?? 0) - sent;
          if (at >= 0 && at < chunk.length) {
            chunk = Buffer.from(chunk);
            chunk[at] = chunk[at]! ^ 0xff;
          }
        }
        if (sent + chunk.length <= limit) {
          sent += chunk.length;
          record.sent = sent;
          res.write(chunk);
          return;
        }
        cut = true;
        up.destroy();
        const part = chunk.subarray(0, limit - sent);
        record.sent = limit;
        if (action!.kind === 'reset') res.write(part, () => res.socket?.destroy());
        else if (action!.kind === 'truncate') res.write(part, () => res.socket?.end());
        else res.write(part); // stall: and never end
      });
      up.on('end', () => {
        if (!cut) res.end();
      });
    });
    out.on('error', () => res.socket?.destroy());
    if (action?.kind === 'reset-request') {
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= action.afterBytes) {
          out.destroy();
          req.socket.destroy();
        } else out.write(chunk);
      });
      req.on('end', () => out.end());
    } else req.pipe(out);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const rule = pick(req);
    if (rule) rule.used++;
    const action = rule?.action;
    const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
    const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, ...(action ? { fault: action.kind } : {}), sent: 0, closed };
    requests.push(record);
    if (action?.kind === 'status') {
      req.resume();
      const body = action.body ?? errorBody(action.status);
      res.writeHead(action.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...action.headers });
      res.end(body);
      return;
    }
    if (action?.kind === 'redirect') {
      req.resume();
      res.writeHead(action.status ?? 307, { location: action.location(req.url ?? '/'), 'content-length': 0 });
      res.end();
      return;
    }
    forward(req, res, action, record);
  };
  const server = options.tls ? createTlsServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, handle) : createServer(handle);
  const address = options.address ?? '127.0.0.1';
  const { port, close } = await listenTracked(server, address, options.tls ? 'secureConnection' : 'connection');
  return {
    host: `${address}:${port}`,
    url: `${options.tls ? 'https' : 'http'}://${address}:${port}`,
    requests,
    add: (rule) => rules.push({ ...rule, used: 0, seen: 0 }),
    clear: () => {
      rules.length = 0;
      requests.length = 0;
    },
    close,
  };
}
