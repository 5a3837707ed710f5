/**
 * Where a registry cannot do what distribution does, regdesk takes the way
 * that works, or says plainly why not, against the dialect proxy:
 * - Artifact Registry and GitLab compare Accept entries whole: manifests are
 *   asked for without q-values, so they are found;
 * - token servers that refuse POST (Artifact Registry 404, GitLab's HTML 404,
 *   ACR 400, Artifactory 401) are asked with GET instead;
 * - GitLab has no referrers API and resolves an absent `sha256-<hex>` tag to
 *   the subject itself: that is no referrers index, neither when listing nor
 *   when a copy merges its signatures into the destination's;
 * - Harbor's referrers API answers 401 without a challenge: the tag schema is
 *   read instead; its immutable tags (412) are said, with what to do;
 * - Quay's 401 DENIED to a signed-in user is a refusal (or a missing
 *   repository), not rejected credentials;
 * - Zot's and Gitea's `/v2/` challenges (`repository::pull`, `*`) still sign in;
 * - ECR answers a mount it does not do with a new upload session (202): the
 *   blob is uploaded into it;
 * - `regdesk sync` into a GHCR repository that does not exist yet (DENIED, not
 *   404) creates it, and out of ECR (opaque cursors, no Docker-Content-Digest).
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../../electron/credentials/login';
import type { SecretStore } from '../../electron/credentials/keychain';
import { buildImage, buildMultiPlatform, MT, type RigManifest } from '../rig/images';
import { startDialectProxy, type DialectProfile, type DialectProxy } from '../rig/dialects';
import { acr } from '../rig/dialects/acr';
import { artifactory } from '../rig/dialects/artifactory';
import { ecr } from '../rig/dialects/ecr';
import { gar } from '../rig/dialects/gar';
import { ghcr } from '../rig/dialects/ghcr';
import { gitea } from '../rig/dialects/gitea';
import { gitlab } from '../rig/dialects/gitlab';
import { harbor } from '../rig/dialects/harbor';
import { quay } from '../rig/dialects/quay';
import { zot } from '../rig/dialects/zot';
import { RigPusher } from '../rig/push';
import { pushSignature, putReferrersIndex, referrersTagOf } from '../rig/referrers';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli } from '../helpers/cli';
import { clientFor, withClient } from '../helpers/engine';

let backend: RigRegistry;
let multi: RigManifest;
let single: RigManifest;
const started = new Map<string, DialectProxy>();

beforeAll(async () => {
  backend = await startRegistry();
  multi = buildMultiPlatform('oci');
  single = buildImage({ format: 'docker' });
  await new RigPusher(backend).push('source/multi', multi, ['1.0']);
  for (const tag of ['1.0', '1.1', '2.0']) await new RigPusher(backend).push('source/app', single, [tag]);
});
afterAll(async () => {
  for (const proxy of started.values()) await proxy.close();
  await backend.stop();
});

/** The proxy playing `profile` (one per profile), its `<name>/multi:1.0` holding the multi-platform index. */
async function play(profile: DialectProfile): Promise<DialectProxy> {
  const known = started.get(profile.name);
  if (known) return known;
  const proxy = await startDialectProxy(backend, profile);
  await proxy.seed(`${profile.name}/multi`, multi, ['1.0']);
  started.set(profile.name, proxy);
  return proxy;
}

function signedIn(proxy: DialectProxy, args: string[]) {
  const creds = proxy.credentials!;
  return cli([...args, '-u', creds.username, '--password-stdin'], { stdin: `${creds.password}\n` });
}

const subject = (m: RigManifest) => ({ digest: m.digest, mediaType: m.mediaType, size: m.bytes.length });

describe('strict Accept (Artifact Registry, GitLab)', () => {
  it.each([gar, gitlab])('$plays: a q-weighted Accept is refused by the registry, and regdesk, asking without q-values, reads the manifest', async (profile) => {
    const proxy = await play(profile);
    // The rig plays the registry: with an anonymous pull token, the same Accept is refused for its q-value alone.
    const issued = await request(`${proxy.url}/token?service=x&scope=repository:${profile.name}/multi:pull`);
    const { token } = (await issued.body.json()) as { token: string };
    const path = `${proxy.url}/v2/${profile.name}/multi/manifests/1.0`;
    const ask = async (accept: string): Promise<number> => {
      const res = await request(path, { headers: { accept, authorization: `Bearer ${token}` } });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await ask(`${MT.ociIndex}, ${MT.ociManifest};q=0.9`)).toBe(404);
    expect(await ask(MT.ociManifest)).toBe(404);
    expect(await ask(`${MT.ociIndex}, ${MT.ociManifest}`)).toBe(200);
    const before = proxy.requests.length;
    const raw = await cli(['manifest', `${proxy.host}/${profile.name}/multi:1.0`, '--raw']);
    expect(raw.code, raw.stderr).toBe(0);
    expect(Buffer.from(raw.stdout).equals(multi.bytes)).toBe(true);
    const platforms = await cli(['platforms', `${proxy.host}/${profile.name}/multi:1.0`]);
    expect(platforms.code, platforms.stderr).toBe(0);
    expect(platforms.stdout.trim().split('\n')).toHaveLength(3);
    const manifestAsks = proxy.requests.slice(before).filter((r) => r.path.includes('/manifests/'));
    expect(manifestAsks.length).toBeGreaterThan(0);
    expect(manifestAsks.filter((r) => r.status === 404)).toEqual([]);
  });
});

describe('token servers that refuse POST', () => {
  it.each([gar, gitlab, acr, artifactory])('$plays: the password grant refused (POST) is asked again with GET, and the listing works', async (profile) => {
    const proxy = await play(profile);
    const creds = proxy.credentials!;
    const before = proxy.tokenRequests.length;
    await withClient(clientFor(proxy, creds, { oauthPassword: true }), async (client) => {
      expect(await client.tags({ registry: proxy.host, repository: `${profile.name}/multi` })).toEqual(['1.0']);
    });
    const asked = proxy.tokenRequests.slice(before);
    expect(asked.map((t) => t.method)).toEqual(['POST', 'GET']);
    expect(asked[1]).toMatchObject({ withCredentials: true });
  });
});

describe('referrers without the referrers API', () => {
  it('GitLab: an absent sha256-<hex> tag resolving to the subject itself lists no referrers (not the platforms of the index)', async () => {
    const proxy = await play(gitlab);
    await withClient(clientFor(proxy), async (client) => {
      const found = await client.referrers({ registry: proxy.host, repository: 'gitlab/multi', digest: multi.digest });
      expect(found).toEqual({ referrers: [], source: 'none' });
    });
    // The rig plays it: the tag answers the subject.
    expect(proxy.requests.some((r) => r.path.endsWith(`/manifests/${referrersTagOf(multi.digest)}`) && r.status === 200)).toBe(true);
  });

  it('GitLab: a signed image copied with --referrers lists exactly its signature under sha256-<hex>, not the subject merged in', async () => {
    const proxy = await play(gitlab);
    await new RigPusher(backend).push('signed/app', multi, ['1.0']);
    const signature = await pushSignature(backend, 'signed/app', subject(multi), 'signed for gitlab');
    await putReferrersIndex(backend, 'signed/app', multi.digest, [signature]);
    const res = await signedIn(proxy, ['cp', `${backend.host}/signed/app:1.0`, `${proxy.host}/gitlab/signed:1.0`, '--referrers']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/was not updated/);
    await withClient(clientFor(backend), async (client) => {
      const index = await client.getManifest({ registry: backend.host, repository: 'gitlab/signed', reference: referrersTagOf(multi.digest) });
      expect(index.parsed.kind).toBe('index');
      expect(index.parsed.kind === 'index' && index.parsed.manifests.map((d) => d.digest)).toEqual([signature.digest]);
    });
    // Read back through GitLab: the signature, through the tag schema.
    await withClient(clientFor(proxy), async (client) => {
      const found = await client.referrers({ registry: proxy.host, repository: 'gitlab/signed', digest: multi.digest });
      expect(found.source).toBe('tag-schema');
      expect(found.referrers.map((d) => d.digest)).toEqual([signature.digest]);
    });
  });

  it('Harbor: referrers answered 401 without a challenge are read through the tag schema', async () => {
    const proxy = await play(harbor);
    const signature = await pushSignature(backend, 'harbor/multi', subject(multi), 'signed for harbor');
    await putReferrersIndex(backend, 'harbor/multi', multi.digest, [signature]);
    await withClient(clientFor(proxy, proxy.credentials), async (client) => {
      const found = await client.referrers({ registry: proxy.host, repository: 'harbor/multi', digest: multi.digest });
      expect(found.source).toBe('tag-schema');
      expect(found.referrers.map((d) => d.digest)).toEqual([signature.digest]);
    });
    expect(proxy.requests.some((r) => r.path.includes('/referrers/') && r.status === 401)).toBe(true);
  });
});

describe('refusals said plainly', () => {
  it('Harbor: pushing over an immutable tag (412) says the tag is protected and what to do', async () => {
    const proxy = await play(harbor);
    const first = await signedIn(proxy, ['cp', `${backend.host}/source/app:1.0`, `${proxy.host}/harbor/app:release-1`]);
    expect(first.code, first.stderr).toBe(0);
    const again = await signedIn(proxy, ['cp', `${backend.host}/source/multi:1.0`, `${proxy.host}/harbor/app:release-1`]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/manifest harbor\/app:release-1 is protected by the registry \(a tag immutability rule\)/);
    expect(again.stderr).toContain('Push under a new tag, or ask a project admin to change the immutability rule.');
    expect((await cli(['digest', `${backend.host}/harbor/app:release-1`])).stdout.trim()).toBe(single.digest);
  });

  it('Quay: 401 DENIED to a signed-in user is access denied or a missing repository, not rejected credentials', async () => {
    const proxy = await play(quay);
    const res = await signedIn(proxy, ['tags', `${proxy.host}/quay/nope`]);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/access denied to tag list of quay\/nope/);
    expect(res.stderr).not.toMatch(/credentials were rejected/);
    expect(res.stderr).toContain('may answer the same for a repository that does not exist: check the name quay/nope.');
  });

  it.each([zot, gitea])('$plays: signing in works through its /v2/ challenge scope', async (profile) => {
    const proxy = await play(profile);
    const stored = new Map<string, string>();
    const store: SecretStore = { get: async (k) => stored.get(k) ?? null, set: async (k, v) => void stored.set(k, v), delete: async (k) => stored.delete(k), list: async () => [...stored].map(([account, secret]) => ({ account, secret })) };
    await login(proxy.host, proxy.credentials!, { store });
    expect([...stored.keys()]).toEqual([proxy.host]);
    const wrong = await login(proxy.host, { ...proxy.credentials!, password: 'wrong' }, { store: { ...store, set: async () => expect.unreachable() } }).catch((e: unknown) => e as Error);
    expect(wrong).toBeInstanceOf(Error);
    expect(wrong!.message).toMatch(/rejected the credentials|credentials were rejected/);
  });
});

describe('mounts answered with an upload session', () => {
  it('ECR: a copy between two of its repositories whose mounts get 202 uploads the blobs instead, identical digests', async () => {
    const proxy = await play(ecr);
    proxy.createRepository('ecr/mounted');
    const before = proxy.requests.length;
    const res = await signedIn(proxy, ['cp', `${proxy.host}/ecr/multi:1.0`, `${proxy.host}/ecr/mounted:1.0`, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ mounted: 0 });
    expect((await cli(['digest', `${backend.host}/ecr/mounted:1.0`])).stdout.trim()).toBe(multi.digest);
    const asked = proxy.requests.slice(before);
    const mounts = asked.filter((r) => r.method === 'POST' && r.path.includes('mount='));
    expect(mounts.length).toBeGreaterThan(0);
    expect(mounts.every((r) => r.status === 202)).toBe(true);
    // Each session the refused mount opened took the blob.
    expect(asked.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/') && r.status === 201)).toHaveLength(mounts.length);
  });
});

describe('sync', () => {
  it('into a GHCR repository that does not exist yet (DENIED, never 404): every tag copied, then nothing left to copy', async () => {
    const proxy = await play(ghcr);
    const res = await signedIn(proxy, ['sync', `${backend.host}/source/app`, `${proxy.host}/ghcr/synced`, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.copied.map((c: { destination: string }) => c.destination.split(':').at(-1)).sort()).toEqual(['1.0', '1.1', '2.0']);
    for (const tag of ['1.0', '1.1', '2.0']) expect((await cli(['digest', `${backend.host}/ghcr/synced:${tag}`])).stdout.trim()).toBe(single.digest);
    const again = await signedIn(proxy, ['sync', `${backend.host}/source/app`, `${proxy.host}/ghcr/synced`, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ copied: [], present: ['1.0', '1.1', '2.0'] });
  });

  it('out of ECR (opaque cursors, no Docker-Content-Digest) with a tag pattern', async () => {
    const proxy = await startDialectProxy(backend, { ...ecr, name: 'ecr-sync' }, { pageCap: 1 });
    started.set('ecr-sync', proxy);
    for (const tag of ['1.0', '1.1', '2.0']) await proxy.seed('ecr/app', single, [tag]);
    const res = await signedIn(proxy, ['sync', `${proxy.host}/ecr/app`, `${backend.host}/from-ecr/app`, '--tags', '1\\..*', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ matched: ['1.0', '1.1'], present: [] });
    expect((await cli(['tags', `${backend.host}/from-ecr/app`, '--sort', 'alpha'])).stdout.trim().split('\n')).toEqual(['1.0', '1.1']);
    // Three pages, each asked with ECR's own opaque cursor.
    expect(proxy.requests.filter((r) => r.path.includes('/tags/list') && r.status === 200)).toHaveLength(3);
  });
});
