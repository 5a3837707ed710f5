/**
 * The built CLI against every registry dialect the rig plays (test/rig/dialects):
 * browse (catalog or its absence, every tag in the registry's order,
 * manifests, platforms, config, referrers through the API or the tag schema),
 * digest/exists/check (the newest version found wherever the registry lists
 * it) and copy into and out of each registry, with identical digests, and a
 * failing copy that tags nothing; sync out of each across its tag pages and
 * back in. Listings are capped at two entries a page, so every tag
 * list pages for real. A profile added to DIALECTS is tested here as it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildMultiPlatform, type RigManifest } from '../rig/images';
import { DIALECTS, startDialectProxy, type DialectProfile, type DialectProxy } from '../rig/dialects';
import { RigPusher } from '../rig/push';
import { pushSignature, putReferrersIndex, referrersTagOf } from '../rig/referrers';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli } from '../helpers/cli';
import { clientFor, withClient } from '../helpers/engine';

/** In push order; 1.10 sorts before 1.9 and 2.0 is the newest. */
const VERSIONS = ['1.0', '1.1', '1.9', '1.10', '2.0'];

let backend: RigRegistry;
let multi: RigManifest;
let single: RigManifest;
/** Layers above 1 MiB go up in a streamed PATCH (ECR answers it 201). */
let large: RigManifest;
const proxies = new Map<string, DialectProxy>();

beforeAll(async () => {
  backend = await startRegistry();
  multi = buildMultiPlatform('oci');
  single = buildImage({ format: 'docker' });
  large = buildImage({ layerBytes: 1536 * 1024 });
  await new RigPusher(backend).push('source/multi', multi, ['1.0']);
  await new RigPusher(backend).push('source/large', large, ['1.0']);
  for (const profile of DIALECTS) {
    const proxy = await startDialectProxy(backend, profile, { pageCap: 2 });
    for (const version of VERSIONS) await proxy.seed(`${profile.name}/app`, single, [version]);
    await proxy.seed(`${profile.name}/multi`, multi, ['1.0']);
    proxies.set(profile.name, proxy);
  }
});
afterAll(async () => {
  for (const proxy of proxies.values()) await proxy.close();
  await backend.stop();
});

/**
 * An image in `repo` of the registry behind whose config blob is gone (deleted
 * from the repository), so any copy of it fails after its layers may have gone
 * up. The config is unique to `label`, so no destination already holds it.
 */
async function pushBroken(repo: string, label: string): Promise<string> {
  const image = buildImage({ format: 'docker', env: [`BROKEN=${label}`] });
  const pusher = new RigPusher(backend);
  await pusher.push(repo, image, ['1.0']);
  const config = (JSON.parse(image.bytes.toString()) as { config: { digest: string } }).config.digest;
  const res = await pusher.call('DELETE', `/v2/${repo}/blobs/${config}`, [repo]);
  await res.body.dump();
  expect(res.statusCode).toBe(202);
  return config;
}

/** Runs the CLI signed in to the profile's registry (when it has users). */
function as(proxy: DialectProxy, args: string[]) {
  const creds = proxy.credentials;
  return creds ? cli([...args, '-u', creds.username, '--password-stdin'], { stdin: `${creds.password}\n` }) : cli(args);
}

describe.each(DIALECTS.map((p) => [p.name, p] as [string, DialectProfile]))('%s', (name, profile) => {
  const proxy = (): DialectProxy => proxies.get(name)!;

  it('browse: the catalog or a plain word that there is none, every tag in the registry\'s order', async () => {
    const catalog = await as(proxy(), ['catalog', proxy().host]);
    if ('refused' in profile.catalog) {
      expect(catalog.code).not.toBe(0);
      expect(catalog.stderr).toMatch(/does not offer a catalog/);
      expect(catalog.stderr).toContain(`regdesk tags ${proxy().host}/`);
    } else if ('alwaysEmpty' in profile.catalog) {
      // An empty catalog is no proof of an empty registry: said, with the way that works.
      expect(catalog.code, catalog.stderr).toBe(0);
      expect(catalog.stdout).toBe('');
      expect(catalog.stderr).toMatch(/the catalog lists no repositories; some registries \(Artifact Registry\) list none there even when they hold some/);
      expect(catalog.stderr).toContain(`regdesk tags ${proxy().host}/REPOSITORY`);
    } else {
      expect(catalog.code, catalog.stderr).toBe(0);
      expect(catalog.stdout.trim().split('\n')).toEqual(expect.arrayContaining([`${name}/app`, `${name}/multi`]));
    }
    const tags = await as(proxy(), ['tags', `${proxy().host}/${name}/app`, '--json']);
    expect(tags.code, tags.stderr).toBe(0);
    expect(JSON.parse(tags.stdout).tags).toEqual(profile.tags.order === 'push' ? VERSIONS : [...VERSIONS].sort());
  });

  it('browse: manifest, digest, platforms and config', async () => {
    const ref = `${proxy().host}/${name}/multi:1.0`;
    const raw = await as(proxy(), ['manifest', ref, '--raw']);
    expect(raw.code, raw.stderr).toBe(0);
    expect(Buffer.from(raw.stdout).equals(multi.bytes)).toBe(true);
    expect((await as(proxy(), ['digest', ref])).stdout.trim()).toBe(multi.digest);
    const platforms = await as(proxy(), ['platforms', ref]);
    // The index's three platforms; its attestation is not one.
    expect(platforms.stdout.trim().split('\n')).toEqual(multi.children.slice(0, 3).map((c) => `${[c.platform!.os, c.platform!.architecture, c.platform!.variant].filter(Boolean).join('/')} ${c.digest}`));
    const config = await as(proxy(), ['config', ref, '--platform', 'linux/arm64']);
    expect(config.code, config.stderr).toBe(0);
    expect(JSON.parse(config.stdout)).toMatchObject({ os: 'linux', architecture: 'arm64' });
  });

  it('digest, exists and check: the newest version is found wherever the registry lists it', async () => {
    const ref = `${proxy().host}/${name}/app:1.0`;
    expect((await as(proxy(), ['digest', ref])).stdout.trim()).toBe(single.digest);
    expect((await as(proxy(), ['exists', ref])).code).toBe(0);
    expect((await as(proxy(), ['exists', `${proxy().host}/${name}/app:9.9`])).code).toBe(3);
    const check = await as(proxy(), ['check', ref, '--json']);
    expect(check.code, check.stderr).toBe(0);
    const [result] = JSON.parse(check.stdout);
    expect(result).toMatchObject({ digestChanged: false, latestVersion: '2.0' });
    expect(result.newerVersions).toEqual(expect.arrayContaining(['1.1', '1.9', '1.10', '2.0']));
  });

  it('copy into the registry: identical digests', async () => {
    const destination = `${name}/copied`;
    if (!profile.createOnPush) proxy().createRepository(destination);
    const res = await as(proxy(), ['cp', `${backend.host}/source/multi:1.0`, `${proxy().host}/${destination}:1.0`]);
    expect(res.code, res.stderr).toBe(0);
    expect((await cli(['digest', `${backend.host}/${destination}:1.0`])).stdout.trim()).toBe(multi.digest);
    expect((await as(proxy(), ['digest', `${proxy().host}/${destination}:1.0`])).stdout.trim()).toBe(multi.digest);
    const streamed = await as(proxy(), ['cp', `${backend.host}/source/large:1.0`, `${proxy().host}/${destination}:large`]);
    expect(streamed.code, streamed.stderr).toBe(0);
    expect((await cli(['digest', `${backend.host}/${destination}:large`])).stdout.trim()).toBe(large.digest);
  });

  it('browse: referrers, through the referrers API or the tag schema, and copied with --referrers', async () => {
    const repo = `${name}/signed`;
    await proxy().seed(repo, multi, ['1.0']);
    const signature = await pushSignature(backend, repo, { digest: multi.digest, mediaType: multi.mediaType, size: multi.bytes.length }, `signed on ${name}`);
    await putReferrersIndex(backend, repo, multi.digest, [signature]);
    await withClient(clientFor(proxy(), proxy().credentials), async (client) => {
      const found = await client.referrers({ registry: proxy().host, repository: repo, digest: multi.digest });
      // distribution 2.8 behind the proxy has no referrers API: every profile falls back to the tag schema.
      expect(found.source).toBe('tag-schema');
      expect(found.referrers.map((d) => d.digest)).toEqual([signature.digest]);
    });
    const res = await as(proxy(), ['cp', `${proxy().host}/${repo}:1.0`, `${backend.host}/out-signed/${name}:1.0`, '--referrers']);
    expect(res.code, res.stderr).toBe(0);
    await withClient(clientFor(backend), async (client) => {
      const index = await client.getManifest({ registry: backend.host, repository: `out-signed/${name}`, reference: referrersTagOf(multi.digest) });
      expect(index.parsed.kind === 'index' && index.parsed.manifests.map((d) => d.digest)).toEqual([signature.digest]);
    });
  });

  it('copy into the registry that fails: an error, and nothing tagged', async () => {
    const config = await pushBroken(`source/broken-${name}`, `${name}-in`);
    const destination = `${proxy().host}/${name}/app:broken`;
    const res = await as(proxy(), ['cp', `${backend.host}/source/broken-${name}:1.0`, destination]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`blob ${config} in source/broken-${name} not found`);
    expect((await as(proxy(), ['exists', destination])).code).toBe(3);
    expect((await cli(['exists', `${backend.host}/${name}/app:broken`])).code).toBe(3);
  });

  it('copy out of the registry that fails: an error, and nothing tagged', async () => {
    const config = await pushBroken(`${name}/broken`, `${name}-out`);
    proxy().createRepository(`${name}/broken`);
    const res = await as(proxy(), ['cp', `${proxy().host}/${name}/broken:1.0`, `${backend.host}/out-broken/${name}:1.0`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`blob ${config} in ${name}/broken not found`);
    expect((await cli(['exists', `${backend.host}/out-broken/${name}:1.0`])).code).toBe(3);
  });

  it('sync out of the registry across its tag pages, and back into it: every matched tag, identical digests', async () => {
    const out = await as(proxy(), ['sync', `${proxy().host}/${name}/app`, `${backend.host}/synced/${name}`, '--tags', '1\\..*', '--json']);
    expect(out.code, out.stderr).toBe(0);
    const matched = VERSIONS.filter((v) => v.startsWith('1.'));
    expect(JSON.parse(out.stdout)).toMatchObject({ present: [] });
    expect([...JSON.parse(out.stdout).matched].sort()).toEqual([...matched].sort());
    expect((await cli(['tags', `${backend.host}/synced/${name}`, '--sort', 'alpha'])).stdout.trim().split('\n')).toEqual([...matched].sort());
    const into = `${name}/resynced`;
    if (!profile.createOnPush) proxy().createRepository(into);
    const back = await as(proxy(), ['sync', `${backend.host}/synced/${name}`, `${proxy().host}/${into}`, '--json']);
    expect(back.code, back.stderr).toBe(0);
    for (const tag of matched) expect((await cli(['digest', `${backend.host}/${into}:${tag}`])).stdout.trim()).toBe(single.digest);
    const again = await as(proxy(), ['sync', `${backend.host}/synced/${name}`, `${proxy().host}/${into}`, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ copied: [] });
    expect([...JSON.parse(again.stdout).present].sort()).toEqual([...matched].sort());
  });

  it('copy out of the registry: identical digests', async () => {
    const fetchedBefore = proxy().storage.requests.length;
    const res = await as(proxy(), ['cp', `${proxy().host}/${name}/multi:1.0`, `${backend.host}/out/${name}:1.0`]);
    expect(res.code, res.stderr).toBe(0);
    expect((await cli(['digest', `${backend.host}/out/${name}:1.0`])).stdout.trim()).toBe(multi.digest);
    if (profile.blobRedirect) {
      const fetched = proxy().storage.requests.slice(fetchedBefore);
      expect(fetched.length).toBeGreaterThan(0);
      expect(fetched.every((r) => r.status === 200 && !r.authorization)).toBe(true);
    }
  });
});
