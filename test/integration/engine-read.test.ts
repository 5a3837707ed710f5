/**
 * The engine's reads against real registries: anonymous (shared, with the big
 * fixtures), htpasswd basic, bearer token and TLS.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import type { RegistryClient } from '../../electron/registry/client';
import { pushStandardFixtures, type PushedImage, type StandardFixtures } from '../rig/fixtures';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY } from '../rig/token-server';
import { clientFor } from '../helpers/engine';

const run = promisify(execFile);
const rig = inject('rig');
const shared = { host: rig.registry.host };

async function expectError(promise: Promise<unknown>, code: string): Promise<Error & { code: string; context: Record<string, unknown> }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRegistryError(err), `expected a RegistryError ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  return err as Error & { code: string; context: Record<string, unknown> };
}

/** The reads every registry kind must serve; `fixtures` were pushed to `registry`. */
function readsOf(describeName: string, setup: () => Promise<{ registry: Pick<RigRegistry, 'host' | 'caFile'>; fixtures: StandardFixtures; client: RegistryClient; stop?: () => Promise<void> }>) {
  describe(describeName, () => {
    let ctx: Awaited<ReturnType<typeof setup>>;
    beforeAll(async () => {
      ctx = await setup();
    });
    afterAll(async () => {
      await ctx.client.close();
      await ctx.stop?.();
    });
    const target = (image: PushedImage, reference = image.tag) => ({ registry: ctx.registry.host, repository: image.repo, reference });

    it('pings', async () => {
      await ctx.client.ping(ctx.registry.host);
    });

    it('reads the OCI index byte for byte, and resolves each platform', async () => {
      const multi = ctx.fixtures.multi;
      const top = await ctx.client.getManifest(target(multi));
      expect(top.digest).toBe(multi.digest);
      expect(top.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(top.bytes.toString('base64')).toBe(multi.manifestBase64);

      const resolved = await ctx.client.resolve(target(multi));
      expect(resolved.platforms.map((p) => [p.platform.os, p.platform.architecture, p.platform.variant ?? ''])).toEqual([
        ['linux', 'amd64', ''],
        ['linux', 'arm64', 'v8'],
        ['linux', 'arm', 'v7'],
      ]);
      const arm = await ctx.client.resolve(target(multi), { platform: { os: 'linux', architecture: 'arm64' } });
      expect(arm.image!.digest).toBe(multi.children[1]!.digest);
      const armv7 = await ctx.client.resolve(target(multi), { platform: { os: 'linux', architecture: 'arm' } });
      expect(armv7.image!.digest).toBe(multi.children[2]!.digest);
      const config = await ctx.client.imageConfig({ registry: ctx.registry.host, repository: multi.repo }, armv7.image!.parsed);
      expect(config).toMatchObject({ os: 'linux', architecture: 'arm', variant: 'v7' });
    });

    it('reads a Docker schema2 image: config, layers and total size', async () => {
      const schema2 = ctx.fixtures.schema2;
      const resolved = await ctx.client.resolve(target(schema2));
      expect(resolved.top.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
      expect(resolved.platforms).toEqual([]);
      const summary = ctx.client.summarise(resolved.image!.parsed);
      expect(summary.layers).toHaveLength(2);
      expect(summary.totalSize).toBe(schema2.totalBlobBytes);
      const config = await ctx.client.imageConfig({ registry: ctx.registry.host, repository: schema2.repo }, resolved.image!.parsed);
      expect(config.config?.Env).toContain('REGDESK_FIXTURE=1');
      expect(config.history?.length).toBe(3);
    });

    it('HEADs manifests and blobs, and tells exists from not found', async () => {
      const multi = ctx.fixtures.multi;
      expect(await ctx.client.headManifest(target(multi))).toEqual({ digest: multi.digest, mediaType: multi.mediaType, size: Buffer.from(multi.manifestBase64, 'base64').length });
      expect(await ctx.client.headManifest(target(multi, 'no-such-tag'))).toBeUndefined();
      const blob = multi.blobDigests[0]!;
      expect(await ctx.client.headBlob({ registry: ctx.registry.host, repository: multi.repo, digest: blob })).toMatchObject({ size: expect.any(Number) });
      expect(await ctx.client.headBlob({ registry: ctx.registry.host, repository: multi.repo, digest: 'sha256:' + '0'.repeat(64) })).toBeUndefined();
      const missing = await expectError(ctx.client.getManifest(target(multi, 'no-such-tag')), 'not_found');
      expect(missing.context.kind).toBe('manifest');
    });

    it('streams a blob and verifies it', async () => {
      const schema2 = ctx.fixtures.schema2;
      const resolved = await ctx.client.resolve(target(schema2));
      const layer = resolved.image!.parsed.layers[0]!;
      const { stream, size } = await ctx.client.getBlob({ registry: ctx.registry.host, repository: schema2.repo, digest: layer.digest });
      let bytes = 0;
      for await (const chunk of stream) bytes += (chunk as Buffer).length;
      expect(bytes).toBe(layer.size);
      expect(size).toBe(layer.size);
    });

    it('lists tags', async () => {
      expect(await ctx.client.tags({ registry: ctx.registry.host, repository: ctx.fixtures.schema2.repo })).toEqual(['1.0']);
    });
  });
}

readsOf('anonymous registry', async () => ({ registry: shared, fixtures: rig.fixtures, client: clientFor(shared) }));

readsOf('basic-auth registry', async () => {
  const registry = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
  return { registry, fixtures: await pushStandardFixtures(registry), client: clientFor(registry, { username: 'tester', password: DEFAULT_BASIC_USERS.tester }), stop: registry.stop };
});

readsOf('token-auth registry', async () => {
  const registry = await startRegistry({ auth: { kind: 'token' } });
  return { registry, fixtures: await pushStandardFixtures(registry), client: clientFor(registry, { username: 'reader', password: DEFAULT_TOKEN_POLICY.users.reader!.password }), stop: registry.stop };
});

readsOf('TLS registry', async () => {
  const registry = await startRegistry({ tls: true });
  return { registry, fixtures: await pushStandardFixtures(registry), client: clientFor(registry), stop: registry.stop };
});

describe('pagination on the shared registry', () => {
  const client = clientFor(shared);
  afterAll(() => client.close());

  it('lists the whole catalog (1,050+ repositories) across pages, complete and in order', async () => {
    const pages: string[][] = [];
    for await (const page of client.catalogPages(shared.host, { pageSize: 400 })) pages.push(page);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const all = pages.flat();
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(all.length);
    for (const name of rig.manyRepos.names) expect(all).toContain(name);
    expect(all).toContain('a/b/c');
  });

  it('falls back when the page size exceeds the registry maximum', async () => {
    const all = await client.catalog(shared.host, { pageSize: 5000 });
    expect(all.length).toBeGreaterThanOrEqual(1050 + 5);
  });

  it('lists 1,200 tags complete and in the registry order', async () => {
    // Debian's distribution 2.8 ignores `n` on tag lists and answers in storage order: one page.
    const raw = (await (await fetch(`${rig.registry.url}/v2/${rig.manyTags.repo}/tags/list`)).json()) as { tags: string[] };
    const tags = await client.tags({ registry: shared.host, repository: rig.manyTags.repo }, { pageSize: 100 });
    expect(tags).toEqual(raw.tags);
    expect([...tags].sort()).toEqual([...rig.manyTags.tags].sort());
  });

  it('reads the same manifest bytes as skopeo', async () => {
    const { multi } = rig.fixtures;
    const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${shared.host}/${multi.repo}:${multi.tag}`], { encoding: 'buffer' });
    const ours = await client.getManifest({ registry: shared.host, repository: multi.repo, reference: multi.tag });
    expect(ours.bytes.equals(stdout)).toBe(true);
  });
});

describe('authentication and authorization are told apart', () => {
  let basic: RigRegistry;
  let token: RigRegistry;
  let tokenFixtures: StandardFixtures;
  beforeAll(async () => {
    [basic, token] = await Promise.all([startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } }), startRegistry({ auth: { kind: 'token' } })]);
    tokenFixtures = await pushStandardFixtures(token);
    await pushStandardFixtures(basic);
  });
  afterAll(async () => {
    await Promise.all([basic.stop(), token.stop()]);
  });

  it('basic: no credentials, wrong password', async () => {
    const anonymous = clientFor(basic);
    const err = await expectError(anonymous.tags({ registry: basic.host, repository: 'fixtures/multi' }), 'authentication');
    expect(err.message).toMatch(/authentication required/);
    const wrong = clientFor(basic, { username: 'tester', password: 'wrong-password-canary' });
    const rejected = await expectError(wrong.tags({ registry: basic.host, repository: 'fixtures/multi' }), 'authentication');
    expect(rejected.message).toMatch(/rejected/);
    expect(rejected.message).not.toContain('wrong-password-canary');
    await Promise.all([anonymous.close(), wrong.close()]);
  });

  it('token: anonymous reads public/*, is refused elsewhere; a wrong password is an authentication error', async () => {
    const anonymous = clientFor(token);
    expect(await anonymous.tags({ registry: token.host, repository: tokenFixtures.publicImage.repo })).toEqual(['1.0']);
    await expectError(anonymous.tags({ registry: token.host, repository: tokenFixtures.multi.repo }), 'authentication');
    const wrong = clientFor(token, { username: 'reader', password: 'wrong-password-canary' });
    const rejected = await expectError(wrong.tags({ registry: token.host, repository: tokenFixtures.multi.repo }), 'authentication');
    expect(JSON.stringify(rejected)).not.toContain('wrong-password-canary');
    await Promise.all([anonymous.close(), wrong.close()]);
  });

  it('token: a user without the right is told authorization, not authentication', async () => {
    const team = clientFor(token, { username: 'team', password: DEFAULT_TOKEN_POLICY.users.team!.password });
    // team may pull everything but push only team/*; deleting is allowed to nobody but admin.
    const manifest = await team.getManifest({ registry: token.host, repository: tokenFixtures.multi.repo, reference: tokenFixtures.multi.tag });
    await expectError(team.putManifest({ registry: token.host, repository: 'other/copy', reference: 'v1' }, manifest.bytes, manifest.mediaType), 'authorization');
    await team.close();
  });

  it('reuses tokens: the token server counts one request per scope set', async () => {
    const reader = clientFor(token, { username: 'reader', password: DEFAULT_TOKEN_POLICY.users.reader!.password }, { cache: false });
    const before = token.tokenServer!.requests().length;
    for (let i = 0; i < 5; i++) await reader.getManifest({ registry: token.host, repository: tokenFixtures.multi.repo, reference: tokenFixtures.multi.tag });
    expect(token.tokenServer!.requests().length - before).toBe(1);
    await reader.tags({ registry: token.host, repository: tokenFixtures.schema2.repo });
    await reader.tags({ registry: token.host, repository: tokenFixtures.schema2.repo });
    expect(token.tokenServer!.requests().length - before).toBe(2);
    await reader.close();
  });
});
