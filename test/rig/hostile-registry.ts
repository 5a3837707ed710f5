/**
 * A hostile registry: a small loopback server of our own that answers exactly
 * what a test gives it (any body, any header, any status), which a real
 * registry refuses to store: index entries whose digest is a path, configs
 * that lie about their size, tag lists with names that climb out of the
 * repository. It asks for a bearer token like Docker Hub does (its own token
 * endpoint, Basic credentials in, a token out) and records every request and
 * every scope a token was asked for, so a test can prove what was NOT sent.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenTracked } from './listen';
import { buildImage, MT, sha256, type RigManifest } from './images';

export interface HostileAnswer {
  status?: number;
  body?: Buffer | string;
  headers?: Record<string, string>;
}

export interface HostileRequest {
  method: string;
  /** The path and query as the client sent them, undecoded. */
  path: string;
  /** Whether it carried one of our bearer tokens. */
  authorised: boolean;
}

export interface HostileRegistry {
  /** `127.0.0.1:port`. */
  host: string;
  /** The credentials the token endpoint accepts (the "user's password"). */
  user: { username: string; password: string };
  /** Answers `GET`/`HEAD` of this exact path (query included when given) with this; everything else is 404. */
  answer(path: string, answer: HostileAnswer): void;
  /** An image manifest or index under `repo:ref` (and by its digest), with its blobs and children, served as built. */
  image(repo: string, ref: string, manifest: RigManifest): void;
  /** Every request to the registry API (token requests excluded), in order. */
  requests: HostileRequest[];
  /** The scope of every token asked for, and whether it came with the user's credentials. */
  tokenRequests: Array<{ scope: string; withCredentials: boolean }>;
  /** Forgets recorded requests and answers. */
  reset(): void;
  close(): Promise<void>;
}

const notFound = JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'not here' }] });

/** `repository:<name>:pull` for a path under /v2/<name>/…; the name is everything up to the API's own segment. */
function scopeFor(path: string): string {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(path.split('?')[0] ?? '');
  return m ? `repository:${m[1]}:pull` : 'registry:catalog:*';
}

export async function startHostileRegistry(): Promise<HostileRegistry> {
  const user = { username: 'victim-user', password: `hostile-canary-${randomBytes(6).toString('hex')}` };
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const answers = new Map<string, HostileAnswer>();
  const requests: HostileRequest[] = [];
  const tokenRequests: HostileRegistry['tokenRequests'] = [];
  let port = 0;

  const send = (req: IncomingMessage, res: ServerResponse, a: HostileAnswer): void => {
    const body = typeof a.body === 'string' ? Buffer.from(a.body) : a.body ?? Buffer.alloc(0);
    res.writeHead(a.status ?? 200, { 'content-length': String(body.length), ...a.headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/token')) {
      const url = new URL(path, 'http://hostile');
      const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
      tokenRequests.push({ scope: url.searchParams.get('scope') ?? '', withCredentials: req.headers.authorization === basic });
      return send(req, res, { body: JSON.stringify({ token }), headers: { 'content-type': 'application/json' } });
    }
    const authorised = req.headers.authorization === `Bearer ${token}`;
    requests.push({ method: req.method ?? 'GET', path, authorised });
    if (!authorised) {
      const challenge = `Bearer realm="http://127.0.0.1:${port}/token",service="hostile"${path === '/v2/' ? '' : `,scope="${scopeFor(path)}"`}`;
      return send(req, res, { status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED' }] }), headers: { 'www-authenticate': challenge, 'content-type': 'application/json' } });
    }
    if (path === '/v2/') return send(req, res, { body: '{}', headers: { 'content-type': 'application/json' } });
    const found = (req.method === 'GET' || req.method === 'HEAD') && (answers.get(path) ?? answers.get(path.split('?')[0]!));
    send(req, res, found || { status: 404, body: notFound, headers: { 'content-type': 'application/json' } });
  });
  const listening = await listenTracked(server);
  port = listening.port;

  const serveManifest = (repo: string, ref: string, m: RigManifest): void => {
    const answer = { body: m.bytes, headers: { 'content-type': m.mediaType, 'docker-content-digest': m.digest } };
    answers.set(`/v2/${repo}/manifests/${ref}`, answer);
    answers.set(`/v2/${repo}/manifests/${m.digest}`, answer);
    for (const b of m.blobs) answers.set(`/v2/${repo}/blobs/${b.digest}`, { body: b.bytes, headers: { 'content-type': 'application/octet-stream', 'docker-content-digest': sha256(b.bytes) } });
    for (const child of m.children) serveManifest(repo, child.digest, child);
  };

  return {
    host: `127.0.0.1:${port}`,
    user,
    answer: (path, a) => answers.set(path, a),
    image: serveManifest,
    requests,
    tokenRequests,
    reset() {
      answers.clear();
      requests.length = 0;
      tokenRequests.length = 0;
    },
    close: () => listening.close(),
  };
}

/** A document served as is: any JSON, with its real digest. */
export function document(value: unknown, mediaType: string, children: RigManifest[] = [], blobs: RigManifest['blobs'] = []): RigManifest {
  const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return { digest: sha256(bytes), mediaType, bytes, blobs, children };
}

/** An image whose config carries `labels` raw (any JSON text) next to a normal label. */
export function imageWithLabels(labelsJson: string): RigManifest {
  const built = buildImage({ platform: { os: 'linux', architecture: 'amd64' }, labels: { 'org.example.normal': 'yes' } });
  const config = built.blobs[0]!;
  const text = config.bytes.toString('utf8').replace('"org.example.normal":"yes"', `"org.example.normal":"yes",${labelsJson}`);
  const bytes = Buffer.from(text);
  const newConfig = { ...config, digest: sha256(bytes), bytes };
  const manifest = JSON.parse(built.bytes.toString('utf8')) as { config: { digest: string; size: number } };
  manifest.config.digest = newConfig.digest;
  manifest.config.size = bytes.length;
  return document(manifest, MT.ociManifest, [], [newConfig, ...built.blobs.slice(1)]);
}
