/**
 * The dialect proxy itself, by plain HTTP: each profile lists pages as its
 * registry does (order, Link style, cursor, refusals), authenticates as it
 * does, and the storage origin refuses HEAD and Authorization. The engine is
 * tested against it in dialects.test.ts; this checks the rig tells the truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../rig/images';
import { DIALECTS, startDialectProxy, type DialectProfile, type DialectProxy } from '../rig/dialects';
import { startRegistry, type RigRegistry } from '../rig/registry';

const PUSHED = ['2.0', '1.0', '1.10', '1.9', 'latest'];

let backend: RigRegistry;
const proxies = new Map<string, DialectProxy>();

beforeAll(async () => {
  backend = await startRegistry();
  for (const profile of DIALECTS) {
    const proxy = await startDialectProxy(backend, profile, { pageCap: 2 });
    await proxy.seed(`rig-${profile.name}/app`, buildImage(), PUSHED);
    proxies.set(profile.name, proxy);
  }
});
afterAll(async () => {
  for (const proxy of proxies.values()) await proxy.close();
  await backend.stop();
});

/** The Authorization header the profile's registry wants for `scope`, from its own token endpoint if it has one. */
async function authorization(proxy: DialectProxy, scope: string): Promise<Record<string, string>> {
  if (proxy.profile.auth.kind === 'none') return {};
  const creds = proxy.credentials!;
  const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  if (proxy.profile.auth.kind === 'basic') return { authorization: basic };
  const res = await fetch(`${proxy.url}/token?service=x&scope=${encodeURIComponent(scope)}`, { headers: { authorization: basic } });
  const body = (await res.json()) as { token?: string; access_token?: string };
  return { authorization: `Bearer ${body.token ?? body.access_token}` };
}

async function listAll(proxy: DialectProxy, path: string, scope: string): Promise<{ pages: string[][]; links: string[]; contentType: string | null }> {
  const headers = await authorization(proxy, scope);
  const pages: string[][] = [];
  const links: string[] = [];
  let url: URL | undefined = new URL(path, proxy.url);
  let contentType: string | null = null;
  while (url && pages.length < 20) {
    const res = await fetch(url, { headers });
    expect(res.status).toBe(200);
    contentType = res.headers.get('content-type');
    const body = (await res.json()) as { tags?: string[]; repositories?: string[] };
    const page = body.tags ?? body.repositories ?? [];
    pages.push(page);
    const link = res.headers.get('link');
    if (link) links.push(link);
    // Gitea's Link on the last page leads to an empty page, with a Link again: the listing ends there.
    if (page.length === 0) break;
    const target = link ? /<([^>]+)>/.exec(link)?.[1] : undefined;
    url = target ? new URL(target, url) : undefined;
    if (url && proxy.profile.tags.linkDropsRepositoryKey && path.endsWith('/tags/list')) {
      // Artifactory: the Link lost the virtual repository's key, and answers 404 as given; its query at the right path works.
      expect(url.pathname).not.toBe(path);
      const given = await fetch(url, { headers: await authorization(proxy, `repository:${url.pathname.slice(4, -'/tags/list'.length)}:pull`) });
      expect(given.status).toBe(404);
      url = new URL(path + url.search, url);
    }
  }
  return { pages, links, contentType };
}

describe.each(DIALECTS.map((p) => [p.name, p] as [string, DialectProfile]))('%s', (name, profile) => {
  const repo = `rig-${name}/app`;
  it('lists tags in its order, page by page, with its Link style', async () => {
    const proxy = proxies.get(name)!;
    const { pages, links, contentType } = await listAll(proxy, `/v2/${repo}/tags/list`, `repository:${repo}:pull`);
    const expected = profile.tags.order === 'push' ? PUSHED : [...PUSHED].sort();
    expect(pages.flat()).toEqual(expected);
    if (profile.tags.unpaged) {
      // Artifact Registry: every tag in one page without a Link, whatever the page cap.
      expect(pages).toEqual([expected]);
      expect(links).toEqual([]);
    } else if (profile.tags.linkOnLastPage) {
      // A Link on every page, the last one leading to an empty page that has one too.
      expect(pages.slice(0, -1).every((p) => p.length > 0 && p.length <= 2)).toBe(true);
      expect(pages.at(-1)).toEqual([]);
      expect(links.length).toBe(pages.length);
    } else {
      expect(pages.every((p) => p.length > 0 && p.length <= 2)).toBe(true);
      expect(links.length).toBe(pages.length - 1);
    }
    for (const link of links) expect(link.startsWith(`<${proxy.url}`)).toBe(profile.tags.link === 'absolute');
    if (profile.tags.cursor === 'opaque-last') for (const link of links) expect(PUSHED.some((t) => link.includes(`last=${t}>`))).toBe(false);
    expect(contentType).toBe(profile.tags.contentType ?? 'application/json');
  });

  it('refuses n above its limit, as it does', async () => {
    if (profile.tags.maxN === undefined) return;
    const proxy = proxies.get(name)!;
    const res = await fetch(`${proxy.url}/v2/${repo}/tags/list?n=${profile.tags.maxN + 1}`, { headers: await authorization(proxy, `repository:${repo}:pull`) });
    expect(res.status).toBe(profile.tags.refusedN!.status);
  });

  it('answers a missing repository as it does', async () => {
    const proxy = proxies.get(name)!;
    const res = await fetch(`${proxy.url}/v2/rig-${name}/missing/tags/list`, { headers: await authorization(proxy, `repository:rig-${name}/missing:pull`) });
    const expected = profile.missingRepository?.({ withCredentials: true, repository: `rig-${name}/missing` }).status ?? 404;
    expect(res.status).toBe(expected);
  });

  it('redirects blob GETs to a storage host that refuses HEAD and Authorization', async () => {
    const proxy = proxies.get(name)!;
    const image = buildImage();
    await proxy.seed(repo, image, []);
    const digest = image.blobs[0]!.digest;
    const headers = await authorization(proxy, `repository:${repo}:pull`);
    const res = await fetch(`${proxy.url}/v2/${repo}/blobs/${digest}`, { headers, redirect: 'manual' });
    if (!profile.blobRedirect) {
      expect(res.status).toBe(200);
      return;
    }
    expect(res.status).toBe(profile.blobRedirect.status);
    const location = res.headers.get('location')!;
    expect(location.startsWith(proxy.storage.url)).toBe(true);
    expect((await fetch(location, { method: 'HEAD' })).status).toBe(403);
    expect((await fetch(location, { headers: { authorization: 'Bearer x' } })).status).toBe(400);
    const blob = await fetch(location);
    expect(blob.status).toBe(200);
    expect(Buffer.from(await blob.arrayBuffer()).equals(image.blobs[0]!.bytes)).toBe(true);
  });
});
