/**
 * A second loopback origin playing a registry's blob storage (S3, Cloudflare,
 * Azure Blob): blob GETs are redirected here with a signed URL. Like the real
 * ones it refuses a request that also carries an `Authorization` header (S3:
 * 400 "Only one auth mechanism allowed", Azure: 400 InvalidAuthenticationInfo)
 * and a HEAD on the signed URL (403), and serves the bytes otherwise, ranges
 * included, read from the real registry.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { listenTracked } from '../listen';
import { sendBody, type Upstream } from '../upstream';

export interface StorageRequest {
  method: string;
  path: string;
  /** Whether it carried an Authorization header (which is refused). */
  authorization: boolean;
  status: number;
}

export interface StorageHost {
  url: string;
  host: string;
  /** A signed URL for a blob path of the registry behind. */
  sign(blobPath: string): string;
  requests: StorageRequest[];
  close(): Promise<void>;
}

const S3_TWO_AUTHS = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified</Message></Error>';

export async function startStorageHost(upstream: Upstream): Promise<StorageHost> {
  const signed = new Map<string, string>();
  const requests: StorageRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://storage');
    const record: StorageRequest = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization !== undefined, status: 0 };
    requests.push(record);
    const blobPath = signed.get(url.searchParams.get('X-Amz-Signature') ?? '');
    const answer = (status: number, body: string): void => {
      record.status = status;
      sendBody(res, status, body, { 'content-type': 'application/xml' }, req.method === 'HEAD');
    };
    req.resume();
    if (!blobPath) return answer(403, '<Error><Code>SignatureDoesNotMatch</Code></Error>');
    if (record.authorization) return answer(400, S3_TWO_AUTHS);
    // The URL is signed for GET: any other method, HEAD included, does not match its signature.
    if (req.method !== 'GET') return answer(403, '');
    const out = upstream.request({ method: 'GET', path: blobPath, headers: req.headers.range ? { range: req.headers.range } : {} }, (up) => {
      record.status = up.statusCode ?? 502;
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      for (const name of ['content-length', 'content-range', 'accept-ranges', 'etag']) {
        const value = up.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    out.on('error', () => res.socket?.destroy());
    out.end();
  });
  const { port, close } = await listenTracked(server);
  const base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    host: `127.0.0.1:${port}`,
    requests,
    sign(blobPath) {
      const signature = randomBytes(16).toString('hex');
      signed.set(signature, blobPath);
      const name = blobPath.split('/').at(-1) ?? 'blob';
      return `${base}/blobs/${name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=1200&X-Amz-Signature=${signature}`;
    },
    close,
  };
}
