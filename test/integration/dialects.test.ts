/**
 * The built CLI against every registry dialect the rig plays (test/rig/dialects):
 * browse (catalog or its absence, every tag in the registry's order,
 * manifests, platforms, config), digest/exists/check (the newest version found
 * wherever the registry lists it) and copy into and out of each registry, with
 * identical digests. Listings are capped at two entries a page, so every tag
 * list pages for real. A profile added to DIALECTS is tested here as it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildMultiPlatform, type RigManifest } from '../rig/images';
import { DIALECTS, startDialectProxy, type DialectProfile, type DialectProxy } from '../rig/dialects';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli } from '../helpers/cli';

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

  it('copy out of the registry: identical digests', async () => {
    const res = await as(proxy(), ['cp', `${proxy().host}/${name}/multi:1.0`, `${backend.host}/out/${name}:1.0`]);
    expect(res.code, res.stderr).toBe(0);
    expect((await cli(['digest', `${backend.host}/out/${name}:1.0`])).stdout.trim()).toBe(multi.digest);
    if (profile.blobRedirect) {
      const fetched = proxy().storage.requests;
      expect(fetched.length).toBeGreaterThan(0);
      expect(fetched.every((r) => r.status === 200 && !r.authorization)).toBe(true);
    }
  });
});
