/**
 * The way the rig's proxies (fault proxy, dialect proxy) reach the real
 * registry behind them: one request function for an http or https target
 * (trusting the rig's CA), a buffered request for small answers, and the
 * registry's JSON error body.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface UpstreamRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers?: OutgoingHttpHeaders | IncomingHttpHeaders;
}

export interface Upstream {
  url: URL;
  /** Starts a request to the target; the caller writes or pipes the body and ends it. */
  request(options: UpstreamRequest, onResponse: (res: IncomingMessage) => void): ClientRequest;
  /** A whole small answer (listings, existence checks). */
  fetch(options: UpstreamRequest & { body?: Buffer }): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>;
}

export function upstreamOf(target: string, caFile?: string): Upstream {
  const url = new URL(target);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const ca = caFile ? readFileSync(caFile) : undefined;
  const request: Upstream['request'] = (options, onResponse) =>
    send({ host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers as OutgoingHttpHeaders, ...(ca ? { ca } : {}) }, onResponse);
  return {
    url,
    request,
    fetch: (options) =>
      new Promise((resolve, reject) => {
        const out = request(options, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        out.on('error', reject);
        out.end(options.body);
      }),
  };
}

/** A registry-style JSON error body: `{"errors":[{"code":…,"message":…}]}`. */
export function registryErrorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message }] });
}

export function sendBody(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}, head = false): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-length': String(bytes.length), ...headers });
  res.end(head ? undefined : bytes);
}
