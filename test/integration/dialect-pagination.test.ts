/**
 * Pagination that cannot loop or lose, against the dialect proxy: Links
 * followed as given (relative ones resolved against the page, ECR's absolute
 * Links with opaque cursors untouched, no `last` of regdesk's own), a Link on
 * the last page (Gitea) ending at the empty page it leads to, `n` refused
 * (ECR's 405, distribution 3's 400) answered by asking again without it, and
 * a page cap ending with a partial list, said, instead of paging on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../rig/images';
import { startDialectProxy, type DialectProfile, type DialectProxy } from '../rig/dialects';
import { distribution3 } from '../rig/dialects/distribution3';
import { ecr } from '../rig/dialects/ecr';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli } from '../helpers/cli';
import { clientFor, withClient } from '../helpers/engine';

const TAGS = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1'];

let backend: RigRegistry;
const started: DialectProxy[] = [];

beforeAll(async () => {
  backend = await startRegistry();
});
afterAll(async () => {
  for (const proxy of started) await proxy.close();
  await backend.stop();
});

/** A proxy playing `profile`, its repository `<name>/app` holding TAGS. */
async function play(profile: DialectProfile, pageCap: number): Promise<DialectProxy> {
  const proxy = await startDialectProxy(backend, profile, { pageCap });
  started.push(proxy);
  const image = buildImage();
  for (const tag of TAGS) await proxy.seed(`${profile.name}/app`, image, [tag]);
  return proxy;
}

function tagsCli(proxy: DialectProxy) {
  const creds = proxy.credentials;
  const args = ['tags', `${proxy.host}/${proxy.profile.name}/app`, '--json'];
  return creds ? cli([...args, '-u', creds.username, '--password-stdin'], { stdin: `${creds.password}\n` }) : cli(args);
}

const listings = (proxy: DialectProxy) => proxy.requests.filter((r) => r.path.includes('/tags/list') && r.status !== 401);

describe('pagination', () => {
  it('ECR: absolute Links with opaque cursors are followed exactly as given; no last= of our own', async () => {
    const proxy = await play({ ...ecr, name: 'opaque' }, 3);
    const res = await tagsCli(proxy);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).tags).toEqual(TAGS);
    const asked = listings(proxy).map((r) => new URL(r.path, proxy.url).searchParams.get('last'));
    expect(asked).toHaveLength(3);
    expect(asked[0]).toBeNull();
    // Every later page was asked with the registry's opaque cursor, never a tag name.
    for (const last of asked.slice(1)) expect(TAGS).not.toContain(last);
  });

  it('a Link on the last page too (Gitea) ends at the empty page it leads to, with every tag once', async () => {
    const gitea: DialectProfile = { ...distribution3, name: 'link-on-last', tags: { ...distribution3.tags, linkOnLastPage: true } };
    const proxy = await play(gitea, 3);
    const res = await tagsCli(proxy);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).tags).toEqual(TAGS);
    expect(listings(proxy)).toHaveLength(4);
  });

  it.each([
    ['ECR', 405, ecr],
    ['distribution 3', 400, distribution3],
  ] as const)('%s: n refused with %i is asked again without n, and every tag comes', async (_name, status, profile) => {
    // A registry whose limit is below regdesk's n of 1,000.
    const strict: DialectProfile = { ...profile, name: `strict-${profile.name}`, tags: { ...profile.tags, maxN: 500 } };
    const proxy = await play(strict, 2);
    const res = await tagsCli(proxy);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).tags).toEqual(TAGS);
    const [refused, ...rest] = listings(proxy);
    expect(refused).toMatchObject({ status });
    expect(rest.every((r) => r.status === 200 && !new URL(r.path, proxy.url).searchParams.has('n'))).toBe(true);
  });

  it('a page cap ends the listing with what was read, says it is partial, and keeps no partial list', async () => {
    const proxy = await play({ ...distribution3, name: 'capped' }, 2);
    const warnings: string[] = [];
    await withClient(clientFor(proxy), async (client) => {
      const repo = { registry: proxy.host, repository: 'capped/app' };
      const partial = await client.tags(repo, { maxPages: 2, onWarning: (m) => warnings.push(m) });
      expect(partial).toEqual(TAGS.slice(0, 4));
      expect(warnings.join('\n')).toMatch(/more than 2 pages; showing the first 4 entries only \(a partial list\)/);
      // Not remembered: the next listing reads the registry again, in full.
      expect(await client.tags(repo)).toEqual(TAGS);
    });
    expect(listings(proxy)).toHaveLength(2 + 4);
  });
});
