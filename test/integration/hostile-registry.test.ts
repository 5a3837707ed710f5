/**
 * A hostile registry (test/rig/hostile-registry.ts) serving what a real one
 * would refuse to store. Every case runs the built CLI in its own process,
 * signed in, and asserts a typed error, that no request left the repository
 * asked for (no other path, no token for another scope), that nothing was
 * tagged at a destination, and that `regdesk serve` keeps answering.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/registry/client';
import { deeplyNested } from '../rig/deep-json';
import { document, imageWithLabels, startHostileRegistry, type HostileRegistry } from '../rig/hostile-registry';
import { buildImage, buildIndex, MT } from '../rig/images';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli, startServe, type Serve } from '../helpers/cli';

let hostile: HostileRegistry;
let destination: RigRegistry;

beforeAll(async () => {
  hostile = await startHostileRegistry();
  destination = await startRegistry();
});
afterAll(async () => {
  await hostile.close();
  await destination.stop();
});
beforeEach(() => hostile.reset());

const REPO = 'attacker/idx';
const image = (ref = 'latest'): string => `${hostile.host}/${REPO}:${ref}`;

/** The CLI, signed in to the hostile registry with the user's password. */
const run = (args: string[]) => cli([...args, '--insecure', hostile.host, '-u', hostile.user.username, '--password-stdin'], { stdin: `${hostile.user.password}\n` });

const amd64 = { os: 'linux', architecture: 'amd64' };

const TRAVERSAL = '../../../victim/private/manifests/prod';

/** Nothing left the repository: every request is under /v2/<REPO>/ (or the /v2/ ping), every token was for it. */
function expectStayedInside(): void {
  for (const r of hostile.requests) {
    expect(r.path === '/v2/' || r.path.startsWith(`/v2/${REPO}/`), `request outside ${REPO}: ${r.method} ${r.path}`).toBe(true);
    expect(decodeURIComponent(r.path)).not.toContain('..');
  }
  for (const t of hostile.tokenRequests) expect(t.scope === '' || t.scope === `repository:${REPO}:pull`, `token asked for ${t.scope}`).toBe(true);
}

describe('digests that are paths never reach a URL', () => {
  it('an index entry whose digest climbs into another repository: a protocol error naming the field; the password is not spent on it', async () => {
    const child = buildImage({ platform: amd64 });
    hostile.image(REPO, 'latest', document({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, digest: TRAVERSAL, size: child.bytes.length, platform: amd64 }] }, MT.ociIndex));
    hostile.answer('/v2/victim/private/manifests/prod', { body: child.bytes, headers: { 'content-type': MT.ociManifest } });

    for (const args of [['manifest', image(), '--platform', 'linux/amd64'], ['digest', image(), '--platform', 'linux/amd64'], ['platforms', image()]]) {
      const res = await run(args);
      expect(res.code, `${args[0]}: ${res.stderr}`).toBe(1);
      expect(res.stderr).toContain('manifests[0].digest is not a valid digest');
      expect(res.stdout).toBe('');
    }
    expectStayedInside();
    // The user's password did go to the token endpoint, for this repository only.
    expect(hostile.tokenRequests.some((t) => t.withCredentials)).toBe(true);
  });

  it('a config digest that is a path with a query: refused, nothing sent outside the repository', async () => {
    hostile.image(REPO, 'latest', document({
      schemaVersion: 2, mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: '../../../../internal/admin?x=', size: 2 },
      layers: [],
    }, MT.ociManifest));
    const res = await run(['config', image()]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('config.digest is not a valid digest');
    expectStayedInside();
  });

  for (const [field, how, mutate] of [
    ['layers[0].digest', 'a path', (m: Record<string, any>) => void (m.layers[0].digest = 'sha256:../../../victim/private/blobs/x')],
    ['layers[0].digest', 'upper-case hex', (m: Record<string, any>) => void (m.layers[0].digest = `sha256:${'A'.repeat(64)}`)],
    ['subject.digest', 'a slash', (m: Record<string, any>) => void (m.subject = { mediaType: MT.ociManifest, digest: `sha256:${'a'.repeat(63)}/`, size: 10 })],
    ['layers[0].size', 'negative', (m: Record<string, any>) => void (m.layers[0].size = -1)],
    ['layers[0].mediaType', 'a header injection', (m: Record<string, any>) => void (m.layers[0].mediaType = 'x\r\nInjected: 1')],
  ] as const) {
    it(`cp of an image whose ${field} is malformed (${how}): a protocol error, nothing tagged at the destination`, async () => {
      const built = buildImage({ platform: amd64 });
      const manifest = JSON.parse(built.bytes.toString('utf8')) as Record<string, any>;
      mutate(manifest);
      hostile.image(REPO, 'latest', document(manifest, MT.ociManifest, [], built.blobs));
      // A repository of its own per case, so one case's result cannot pass or fail another.
      const target = `copied/${field}-${how}`.toLowerCase().replace(/[^a-z0-9/]+/g, '-');
      const res = await run(['cp', image(), `${destination.host}/${target}:v1`]);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain(`${field} is not`);
      expectStayedInside();
      const client = new RegistryClient();
      try {
        expect(await client.headManifest({ registry: destination.host, repository: target, reference: 'v1' }, { fresh: true })).toBeUndefined();
      } finally {
        await client.close();
      }
    });
  }

  it('a Docker-Content-Digest header that is a path: a protocol error', async () => {
    const built = buildImage({ platform: amd64 });
    hostile.image(REPO, 'latest', built);
    hostile.answer(`/v2/${REPO}/manifests/latest`, { body: built.bytes, headers: { 'content-type': MT.ociManifest, 'docker-content-digest': TRAVERSAL } });
    const res = await run(['digest', image()]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('malformed Docker-Content-Digest');
    expectStayedInside();
  });
});

describe('children must be what their descriptor promised', () => {
  it('an index entry answered with other content: an integrity error (exit 6)', async () => {
    const real = buildImage({ platform: amd64 });
    const other = buildImage({ platform: amd64 });
    const index = buildIndex([real]);
    hostile.image(REPO, 'latest', index);
    // The registry answers the entry's digest with another image.
    hostile.answer(`/v2/${REPO}/manifests/${real.digest}`, { body: other.bytes, headers: { 'content-type': MT.ociManifest } });
    const res = await run(['manifest', image(), '--platform', 'linux/amd64']);
    expect(res.code).toBe(6);
    expect(res.stderr).toMatch(/not the one asked for/);
    expectStayedInside();
  });

  it('an index entry whose size is not the child\'s: an integrity error naming both sizes', async () => {
    const real = buildImage({ platform: amd64 });
    const index = document({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, digest: real.digest, size: real.bytes.length + 7, platform: amd64 }] }, MT.ociIndex, [real]);
    hostile.image(REPO, 'latest', index);
    const res = await run(['manifest', image(), '--platform', 'linux/amd64']);
    expect(res.code).toBe(6);
    expect(res.stderr).toContain(`is ${real.bytes.length} bytes, its descriptor says ${real.bytes.length + 7}`);
  });

  it('a config larger than its descriptor says: refused by the announced size, the body not read', async () => {
    const built = buildImage({ platform: amd64 });
    const manifest = JSON.parse(built.bytes.toString('utf8')) as { config: { size: number } };
    const realSize = manifest.config.size;
    manifest.config.size = 10;
    hostile.image(REPO, 'latest', document(manifest, MT.ociManifest, [], built.blobs));
    const res = await run(['config', image()]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`too large (${realSize} bytes, limit 10)`);
  });
});

describe('hostile JSON shapes', () => {
  it('config prints a label nested 200,000 arrays deep as served, with a warning, instead of crashing', async () => {
    hostile.image(REPO, 'latest', imageWithLabels(`"org.example.deep":${deeplyNested(200_000)}`));
    const res = await run(['config', image()]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('too deeply nested to indent');
    expect(res.stdout).toContain('org.example.normal');
  });

  it('a tag list with names that climb out of the repository: those are left out, with a warning', async () => {
    hostile.answer(`/v2/${REPO}/tags/list`, { body: JSON.stringify({ name: REPO, tags: ['v1', '../../victim/private', 'v2', 'UPPER-ok', '-bad'] }), headers: { 'content-type': 'application/json' } });
    const res = await run(['tags', `${hostile.host}/${REPO}`]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.split('\n').filter(Boolean)).toEqual(['v1', 'v2', 'UPPER-ok']);
    expect(res.stderr).toContain('lists 2 invalid names; left out');
  });

  it('a referrers answer naming a digest that is a path: a protocol error, nothing fetched through it', async () => {
    const built = buildImage({ platform: amd64 });
    hostile.image(REPO, 'latest', built);
    hostile.answer(`/v2/${REPO}/referrers/${built.digest}`, {
      body: JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, digest: TRAVERSAL, size: 10, artifactType: 'application/example' }] }),
      headers: { 'content-type': MT.ociIndex },
    });
    const client = new RegistryClient();
    try {
      const err = await client.referrers({ registry: hostile.host, repository: REPO, digest: built.digest }).catch((e: unknown) => e as { code: string; message: string });
      expect((err as { code: string }).code).toBe('protocol');
      expect((err as { message: string }).message).toContain('manifests[0].digest is not a valid digest');
    } finally {
      await client.close();
    }
    expectStayedInside();
  });
});

describe('regdesk serve keeps answering', () => {
  let serve: Serve;

  beforeAll(async () => {
    serve = await startServe(['--registry', `http://${hostile.host}`]);
  });
  afterAll(async () => {
    await serve.stop();
  });

  const call = (channel: string, body: unknown) => serve.rpc(channel, body);

  it('a traversal index is a typed error in the image view; a good image and a deep label are shown after it', async () => {
    hostile.image(REPO, 'bad', document({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, digest: TRAVERSAL, size: 10, platform: amd64 }] }, MT.ociIndex));
    const bad = await call('image.get', { registry: hostile.host, repository: REPO, reference: 'bad' });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('protocol');
    expect(bad.error?.message).toContain('manifests[0].digest is not a valid digest');

    hostile.image(REPO, 'deep', imageWithLabels(`"org.example.deep":${deeplyNested(200_000)},"org.example.big":"${'b'.repeat(100_000)}"`));
    const deep = await call('image.get', { registry: hostile.host, repository: REPO, reference: 'deep' });
    expect(deep.ok, JSON.stringify(deep.error)).toBe(true);
    expect(deep.result.image.config.labels['org.example.normal']).toBe('yes');
    expect(deep.result.image.config.labels['org.example.deep']).toBeUndefined();
    expect(deep.result.image.config.labels['org.example.big']).toHaveLength(64 * 1024 + 1);
    expect(deep.result.warnings.join('\n')).toMatch(/config\.Labels has 1 entry that is not text/);
    expect(deep.result.warnings.join('\n')).toMatch(/org\.example\.big is 100000 characters long; cut/);

    hostile.image(REPO, 'good', buildImage({ platform: amd64 }));
    const good = await call('image.get', { registry: hostile.host, repository: REPO, reference: 'good' });
    expect(good.ok).toBe(true);
    expectStayedInside();
  });
});
