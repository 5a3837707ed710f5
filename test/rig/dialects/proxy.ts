/**
 * The dialect proxy: one loopback server in front of a real, anonymous
 * distribution registry (test/rig/registry.ts) that answers the way another
 * registry does, as its profile describes (profile.ts): it authenticates
 * itself (Basic-only, or its own token endpoint and variants), builds tag and
 * catalog pages itself (push order or lexical, page sizes, Link styles and
 * cursors, `n` refused above a limit), answers for missing repositories and
 * refused catalogs, rewrites manifest headers, upload Locations and statuses,
 * and redirects blob GETs to a second loopback origin playing the storage
 * host (storage.ts). Everything else is forwarded untouched.
 *
 * It records every request, and the push order of tags pushed through it or
 * seeded with `seed`, so a listing can be built oldest first.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RigManifest } from '../images';
import { listenTracked } from '../listen';
import { RigPusher } from '../push';
import type { RigRegistry } from '../registry';
import { registryErrorBody, sendBody, upstreamOf, type Upstream } from '../upstream';
import { dialectAuth, type Caller, type TokenRecord } from './auth';
import { buildPage } from './pages';
import type { Answer, DialectProfile, ListingDialect } from './profile';
import { startStorageHost, type StorageHost } from './storage';

export interface DialectRequest {
  method: string;
  path: string;
  /** The scheme of the Authorization header sent, if any. */
  authorization?: string;
  status: number;
}

export interface DialectProxyOptions {
  /** The most entries a listing page holds, whatever `n` asks: small pages make a short list page for real. */
  pageCap?: number;
}

export interface DialectProxy {
  profile: DialectProfile;
  /** `127.0.0.1:PORT`, what an image reference starts with. */
  host: string;
  url: string;
  storage: StorageHost;
  /** The credentials the profile's registry accepts (`-u … --password-stdin`). */
  credentials?: { username: string; password: string };
  requests: DialectRequest[];
  tokenRequests: TokenRecord[];
  /** Pushes an image straight to the registry behind (no dialect), recording the tags' push order. */
  seed(repo: string, manifest: RigManifest, tags: string[]): Promise<void>;
  /** Makes a repository exist (for registries without create-on-push). */
  createRepository(name: string): void;
  /** The next `times` requests matching get the profile's 429. */
  throttle(rule: { method?: string; path: RegExp; times: number }): void;
  close(): Promise<void>;
}

const REPOSITORY_PATH = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\/(.*)$/;

function send(req: IncomingMessage, res: ServerResponse, answer: Answer, extra: Record<string, string> = {}): number {
  sendBody(res, answer.status, answer.body ?? '', { ...(answer.body ? { 'content-type': 'application/json' } : {}), ...answer.headers, ...extra }, req.method === 'HEAD');
  return answer.status;
}

async function readAllCatalog(upstream: Upstream): Promise<string[]> {
  const all: string[] = [];
  let last = '';
  for (;;) {
    const page = await upstream.fetch({ method: 'GET', path: `/v2/_catalog?n=1000${last ? `&last=${encodeURIComponent(last)}` : ''}` });
    const names = (JSON.parse(page.body.toString()) as { repositories?: string[] }).repositories ?? [];
    all.push(...names);
    if (!page.headers.link || names.length === 0) return all;
    last = names.at(-1)!;
  }
}

export async function startDialectProxy(backend: RigRegistry, profile: DialectProfile, options: DialectProxyOptions = {}): Promise<DialectProxy> {
  const upstream = upstreamOf(backend.url, backend.caFile);
  const storage = await startStorageHost(upstream);
  let origin = '';
  const auth = dialectAuth(profile.auth, () => origin);
  const requests: DialectRequest[] = [];
  const pushOrder = new Map<string, string[]>();
  const created = new Set<string>();
  const throttles: Array<{ method?: string; path: RegExp; times: number }> = [];
  let remaining = 100;

  const pushed = (repo: string, tag: string): void => {
    const order = (pushOrder.get(repo) ?? []).filter((t) => t !== tag);
    order.push(tag);
    pushOrder.set(repo, order);
  };

  const exists = async (repo: string): Promise<boolean> => {
    if (created.has(repo)) return true;
    const res = await upstream.fetch({ method: 'GET', path: `/v2/${repo}/tags/list` });
    return res.status === 200;
  };

  const listing = async (req: IncomingMessage, res: ServerResponse, dialect: ListingDialect, path: string, all: string[], wrap: (entries: string[]) => object): Promise<number> => {
    const url = new URL(req.url ?? '/', origin);
    const page = buildPage(all, dialect, { path, query: url.searchParams, origin, ...(options.pageCap && !dialect.unpaged ? { pageCap: options.pageCap } : {}) });
    if ('refused' in page) return send(req, res, page.refused);
    const body = { ...wrap(page.entries), ...dialect.extraFields };
    sendBody(res, 200, JSON.stringify(body), { 'content-type': dialect.contentType ?? 'application/json', ...(page.link ? { link: page.link } : {}) }, req.method === 'HEAD');
    return 200;
  };

  const tagsOf = async (repo: string): Promise<string[] | undefined> => {
    const res = await upstream.fetch({ method: 'GET', path: `/v2/${repo}/tags/list` });
    if (res.status !== 200) return undefined;
    const tags = [...((JSON.parse(res.body.toString()) as { tags?: string[] | null }).tags ?? [])].sort();
    if (profile.tags.order === 'lexical') return tags;
    const order = (pushOrder.get(repo) ?? []).filter((t) => tags.includes(t));
    return [...tags.filter((t) => !order.includes(t)), ...order];
  };

  /** An Accept compared entry by entry, whole: does it take `mediaType`? */
  const strictlyAccepts = (accept: string | undefined, mediaType: string): boolean => {
    const entries = (accept ?? '').split(',').map((e) => e.trim().toLowerCase());
    return !entries.some((e) => e.includes(';')) && entries.includes(mediaType.toLowerCase());
  };

  /** Forwards to the registry behind (to `path`, the request's own by default), with the profile's rewrites of the answer. */
  const forward = (req: IncomingMessage, res: ServerResponse, area: string, repo: string, rest: string, path = req.url ?? '/'): Promise<number> =>
    new Promise((resolve) => {
      const headers = { ...req.headers };
      delete headers.authorization;
      const out = upstream.request({ method: req.method ?? 'GET', path, headers }, (up) => {
        let status = up.statusCode ?? 502;
        const answer = { ...up.headers };
        const type = String(answer['content-type'] ?? '').split(';')[0]!.trim();
        if (area === 'manifests' && status === 200 && profile.strictAccept && (req.method === 'GET' || req.method === 'HEAD') && !strictlyAccepts(req.headers.accept, type)) {
          up.resume();
          up.on('end', () => resolve(send(req, res, profile.strictAccept!(type))));
          return;
        }
        if (area === 'manifests') {
          for (const name of profile.dropManifestHeaders ?? []) delete answer[name.toLowerCase()];
          if (req.method === 'GET' && status === 200) remaining = Math.max(0, remaining - 1);
          for (const [name, value] of Object.entries(profile.manifestHeaders ?? {})) answer[name.toLowerCase()] = value.replace('{remaining}', String(remaining));
          if (req.method === 'PUT' && status === 201 && !rest.includes(':')) pushed(repo, rest);
        }
        if (area === 'blobs' && rest.startsWith('uploads')) {
          if (profile.uploads?.relativeLocation && typeof answer.location === 'string') {
            const location = new URL(answer.location, origin);
            answer.location = location.pathname + location.search;
          }
          if (req.method === 'PATCH' && status === 202 && profile.uploads?.patchStatus) status = profile.uploads.patchStatus;
        }
        // A repository exists once something was written to it.
        if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'DELETE' && status < 300) created.add(repo);
        res.writeHead(status, answer);
        up.pipe(res);
        up.on('end', () => resolve(status));
      });
      out.on('error', () => {
        res.socket?.destroy();
        resolve(502);
      });
      req.pipe(out);
    });

  const repositoryRequest = async (req: IncomingMessage, res: ServerResponse, caller: Caller, repo: string, area: string, rest: string): Promise<number> => {
    const reading = req.method === 'GET' || req.method === 'HEAD';
    if (!(await exists(repo))) {
      if (!reading && !profile.createOnPush) {
        req.resume();
        return send(req, res, { status: 404, body: registryErrorBody('NAME_UNKNOWN', `The repository with name '${repo}' does not exist in the registry with id '000000000000'`) });
      }
      if (reading && profile.missingRepository) {
        req.resume();
        const answer = profile.missingRepository({ withCredentials: caller.withCredentials, repository: repo });
        return send(req, res, answer, answer.status === 401 ? auth.challenge(`repository:${repo}:pull`, false) : {});
      }
    }
    if (area === 'tags' && rest.startsWith('list')) {
      const tags = await tagsOf(repo);
      if (!tags) return send(req, res, { status: 404, body: registryErrorBody('NAME_UNKNOWN', 'repository name not known to registry') });
      return listing(req, res, profile.tags, `/v2/${repo}/tags/list`, tags, (entries) => ({ name: repo, tags: entries }));
    }
    if (area === 'referrers' && profile.referrers) {
      req.resume();
      return send(req, res, profile.referrers);
    }
    if (area === 'manifests' && reading && profile.referrersTagIsSubject && /^sha256-[0-9a-f]{64}$/.test(rest)) {
      const tagged = await upstream.fetch({ method: 'HEAD', path: `/v2/${repo}/manifests/${rest}`, headers: { accept: req.headers.accept ?? '*/*' } });
      if (tagged.status === 404) return forward(req, res, area, repo, rest, `/v2/${repo}/manifests/${rest.replace('-', ':')}`);
    }
    if (area === 'manifests' && req.method === 'PUT' && profile.immutableTags?.match.test(rest)) {
      const tagged = await upstream.fetch({ method: 'HEAD', path: `/v2/${repo}/manifests/${rest}`, headers: { accept: '*/*' } });
      if (tagged.status === 200) {
        req.resume();
        return send(req, res, profile.immutableTags.answer);
      }
    }
    if (area === 'blobs' && req.method === 'POST' && profile.uploads?.mountOpensSession && new URL(req.url ?? '/', origin).searchParams.has('mount')) {
      return forward(req, res, area, repo, rest, `/v2/${repo}/blobs/uploads/`);
    }
    const redirect = profile.blobRedirect;
    if (area === 'blobs' && !rest.startsWith('uploads') && redirect && (req.method === 'GET' || (req.method === 'HEAD' && redirect.head))) {
      req.resume();
      sendBody(res, redirect.status, '', { location: storage.sign(new URL(req.url ?? '/', origin).pathname) });
      return redirect.status;
    }
    return forward(req, res, area, repo, rest);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, record: DialectRequest): Promise<number> => {
    const url = new URL(req.url ?? '/', origin);
    const throttle = throttles.find((t) => t.times > 0 && (!t.method || t.method === req.method) && t.path.test(url.pathname + url.search));
    if (throttle) {
      throttle.times--;
      req.resume();
      return send(req, res, profile.tooManyRequests);
    }
    const caller = auth.caller(req);
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      req.resume();
      if (!caller) return send(req, res, { status: 401, body: registryErrorBody('UNAUTHORIZED', 'authentication required') }, auth.challenge(undefined, false));
      return send(req, res, { status: 200, body: '{}' });
    }
    if (url.pathname === '/v2/_catalog') {
      req.resume();
      if ('alwaysEmpty' in profile.catalog) return send(req, res, { status: 200, body: JSON.stringify({ repositories: [] }) });
      if ('refused' in profile.catalog) {
        const refused = profile.catalog.refused;
        const answer = typeof refused === 'function' ? refused({ withCredentials: caller?.withCredentials ?? false }) : refused;
        return send(req, res, answer, answer.status === 401 ? auth.challenge('registry:catalog:*', Boolean(caller)) : {});
      }
      if (!caller || !caller.may('registry:catalog:*')) return send(req, res, { status: 401, body: registryErrorBody('UNAUTHORIZED', 'authentication required') }, auth.challenge('registry:catalog:*', Boolean(caller)));
      return listing(req, res, profile.catalog, '/v2/_catalog', await readAllCatalog(upstream), (entries) => ({ repositories: entries }));
    }
    const match = REPOSITORY_PATH.exec(url.pathname);
    if (!match) {
      req.resume();
      return send(req, res, { status: 404, body: registryErrorBody('NOT_FOUND', 'no such API') });
    }
    const [, repo, area, rest] = match as unknown as [string, string, string, string];
    const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : req.method === 'DELETE' ? 'delete' : 'push';
    const needed = [`repository:${repo}:${action}`];
    const from = url.searchParams.get('from');
    if (from && url.searchParams.get('mount')) needed.push(`repository:${from}:pull`);
    const lacking = needed.find((scope) => !caller?.may(scope));
    if (!caller || lacking) {
      req.resume();
      const scope = `repository:${repo}:${action === 'pull' ? 'pull' : `pull,${action}`}`;
      return send(req, res, { status: 401, body: registryErrorBody('UNAUTHORIZED', 'authentication required') }, auth.challenge(scope, Boolean(caller)));
    }
    record.authorization = req.headers.authorization?.split(' ')[0];
    return repositoryRequest(req, res, caller, repo, area, rest);
  };

  const server = createServer((req, res) => {
    const record: DialectRequest = { method: req.method ?? '', path: req.url ?? '', status: 0 };
    requests.push(record);
    if (auth.handleToken(req, res)) {
      record.status = res.statusCode;
      return;
    }
    handle(req, res, record).then(
      (status) => (record.status = status),
      () => {
        record.status = 500;
        if (!res.headersSent) sendBody(res, 500, registryErrorBody('UNKNOWN', 'dialect proxy failed'), { 'content-type': 'application/json' });
        else res.socket?.destroy();
      },
    );
  });
  const { port, close } = await listenTracked(server);
  origin = `http://127.0.0.1:${port}`;
  const auth0 = profile.auth;
  return {
    profile,
    host: `127.0.0.1:${port}`,
    url: origin,
    storage,
    ...(auth0.kind === 'none' ? {} : { credentials: { username: auth0.username, password: auth0.password } }),
    requests,
    tokenRequests: auth.tokenRequests,
    async seed(repo, manifest, tags) {
      await new RigPusher(backend).push(repo, manifest, tags);
      created.add(repo);
      for (const tag of tags) pushed(repo, tag);
    },
    createRepository: (name) => created.add(name),
    throttle: (rule) => throttles.push({ ...rule }),
    async close() {
      await close();
      await storage.close();
    },
  };
}
