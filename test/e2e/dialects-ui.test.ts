/**
 * The UI over `regdesk serve` against the Docker Hub, GHCR and ECR profiles of
 * the dialect proxy (test/rig/dialects), in real Chromium at 1400×860, signed
 * in through REGISTRY_<HOST>_USERNAME/PASSWORD as a user of each would be:
 * the registry in the sidebar; the repository pane says plainly there is no
 * catalog (Docker Hub, GHCR) with the way that works, or lists the catalog
 * across its pages (ECR); a repository opened by name lists every tag across
 * the proxy's two-entry pages, as the CLI does; a multi-platform tag shows its
 * platforms, layers, config and manifest; a tag dragged onto a plain registry
 * and an image sent in with "Copy to…" arrive with identical digests.
 * One screenshot per profile: test/e2e/screenshots/dialect-<name>.png.
 */
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildIndex, type RigManifest } from '../rig/images';
import type { Platform } from '../../shared/platform';
import { dockerHub } from '../rig/dialects/docker-hub';
import { ecr } from '../rig/dialects/ecr';
import { ghcr } from '../rig/dialects/ghcr';
import { envHostKey } from '../../electron/credentials/registry-keys';
import { startDialectProxy, type DialectProfile, type DialectProxy } from '../rig/dialects';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli, cliEnv } from '../helpers/cli';
import { digestAt } from '../helpers/uploads';
import { launchChromium, startServe, type Serve } from '../helpers/ui';

const SHOTS = join(process.cwd(), 'test/e2e/screenshots');
const PROFILES = [dockerHub, ghcr, ecr];
/** The sidebar's name for a profile's registry (serve lists the real Docker Hub too). */
const shownName = (profile: DialectProfile): string => `${profile.plays} (rig)`;
/** Pushed in this order; the last is a multi-platform index. 1.10 sorts before 1.9 by name, after it by version. */
const VERSIONS = ['1.0', '1.1', '1.9', '1.10', '2.0'];
const MULTI_TAG = '2.0';
/** More repositories than one two-entry catalog page holds, where there is a catalog. */
const EXTRA_REPOSITORIES = ['base', 'tools/cli'];
const PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

interface Setup {
  backend: RigRegistry;
  proxy: DialectProxy;
  multi: RigManifest;
  /** An image in the plain registry, copied into the dialect's registry. */
  incoming: RigManifest;
}

const setups = new Map<string, Setup>();
/** A registry with no dialect: the other end of every copy. */
let plain: RigRegistry;
let serve: Serve;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  plain = await startRegistry();
  const credentials: NodeJS.ProcessEnv = {};
  for (const profile of PROFILES) {
    // A registry of its own behind each profile, so its catalog is exactly what was seeded.
    const backend = await startRegistry();
    const proxy = await startDialectProxy(backend, profile, { pageCap: 2 });
    const single = buildImage({ format: 'docker' });
    const multi = buildIndex(PLATFORMS.map((platform) => buildImage({ platform, env: [`DIALECT=${profile.name}`] })));
    for (const version of VERSIONS) await proxy.seed(`${profile.name}/app`, version === MULTI_TAG ? multi : single, [version]);
    for (const repo of EXTRA_REPOSITORIES) await proxy.seed(`${profile.name}/${repo}`, single, ['1.0']);
    const incoming = buildImage({ env: [`INCOMING=${profile.name}`] });
    await new RigPusher(plain).push(`incoming/${profile.name}`, incoming, ['1.0']);
    const key = envHostKey(proxy.host)!;
    credentials[`REGISTRY_${key}_USERNAME`] = proxy.credentials!.username;
    credentials[`REGISTRY_${key}_PASSWORD`] = proxy.credentials!.password;
    setups.set(profile.name, { backend, proxy, multi, incoming });
  }
  const hosts = [...setups.values()].map((s) => s.proxy.host);
  serve = await startServe([...hosts.flatMap((h) => ['--registry', h]), '--registry', plain.host], { env: cliEnv(credentials) });
  for (const { proxy } of setups.values()) {
    const named = await serve.rpc('registries.update', { host: proxy.host, name: shownName(proxy.profile) });
    if (!named.ok) throw new Error(`naming ${proxy.host} failed: ${JSON.stringify(named.error)}`);
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 }, colorScheme: 'light' });
  await page.goto(serve.url);
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  for (const { proxy, backend } of setups.values()) {
    await proxy.close();
    await backend.stop();
  }
  await plain?.stop();
});

/** Runs the CLI signed in to the dialect's registry. */
function as(proxy: DialectProxy, args: string[]) {
  const { username, password } = proxy.credentials!;
  return cli([...args, '-u', username, '--password-stdin'], { stdin: `${password}\n` });
}

const lines = (text: string): string[] => text.trim().split('\n').filter(Boolean);
const row = (host: string): Locator => page.locator(`[data-registry="${host}"]`);
const shownTags = (): Promise<string[]> => page.locator('.pane.tags [data-tag]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tag') ?? ''));
const shownRepositories = (): Promise<string[]> => page.locator('.repositories [data-repository]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-repository') ?? ''));
const dialog = (): Locator => page.getByRole('dialog', { name: 'Copy image' });

async function openRepository(host: string, repository: string): Promise<void> {
  await row(host).locator('.registry-button').click();
  await page.getByLabel('Open repository').fill(repository);
  await page.getByLabel('Open repository').press('Enter');
  await expect.poll(() => page.locator('.pane.tags h2').textContent()).toBe(repository);
}

/** Clears the finished copies, when there are any. */
async function clearFinished(): Promise<void> {
  const button = page.getByRole('button', { name: 'Clear finished' });
  if (await button.count()) await button.click();
  await expect.poll(() => page.locator('.job').count()).toBe(0);
}

describe.each(PROFILES.map((p) => [p.name, p] as [string, DialectProfile]))('%s', (name, profile) => {
  const setup = (): Setup => setups.get(name)!;
  const host = (): string => setup().proxy.host;

  it('is in the sidebar; the repository pane says there is no catalog and how to go on, or lists the catalog across its pages', async () => {
    await expect.poll(() => row(host()).locator('.registry-name').textContent()).toBe(shownName(profile));
    await row(host()).locator('.registry-button').click();
    await expect.poll(() => row(host()).locator('.registry-meta').textContent()).toContain(`${host()} · signed in as ${setup().proxy.credentials!.username}`);
    const pane = page.locator('section.pane.repositories');
    if ('refused' in profile.catalog) {
      const note = pane.locator('[data-state="no-catalog"]');
      await expect.poll(() => note.count()).toBe(1);
      expect(await note.textContent()).toMatch(/^This registry does not list its repositories\. Open one by name above\./);
      expect(await note.textContent()).toContain(`${host()}: the registry does not offer a catalog`);
      expect(await pane.locator('.list-state').textContent()).toBe('Nothing opened here yet.');
      expect(await page.getByLabel('Open repository').isVisible()).toBe(true);
      // Signed in already: a sign-in would not bring a catalog, so none is offered.
      expect(await pane.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
    } else {
      const catalog = await as(setup().proxy, ['catalog', host()]);
      expect(catalog.code, catalog.stderr).toBe(0);
      const expected = [`${name}/app`, ...EXTRA_REPOSITORIES.map((r) => `${name}/${r}`)];
      expect([...lines(catalog.stdout)].sort()).toEqual([...expected].sort());
      await expect.poll(() => pane.locator('.count').textContent()).toBe(`${expected.length} repositories`);
      expect(await pane.locator('[data-state]').count()).toBe(0);
      // Every name matches `/`: the whole catalog, flat.
      await page.getByLabel('Filter repositories').fill('/');
      await expect.poll(() => shownRepositories()).toEqual(lines(catalog.stdout));
      await page.getByLabel('Filter repositories').fill('');
    }
  });

  it('opens a repository by name: every tag across the small pages, as the CLI lists them', async () => {
    const repository = `${name}/app`;
    await openRepository(host(), repository);
    await expect.poll(() => page.locator('.pane.tags .count').textContent()).toBe(`${VERSIONS.length} tags`);
    const ref = `${host()}/${repository}`;
    const byVersion = await as(setup().proxy, ['tags', ref, '--sort', 'semver']);
    const byName = await as(setup().proxy, ['tags', ref, '--sort', 'alpha']);
    expect(byVersion.code, byVersion.stderr).toBe(0);
    expect(byName.code, byName.stderr).toBe(0);
    // Newest version first, as the CLI's version order read from the end.
    expect(await shownTags()).toEqual(['2.0', '1.10', '1.9', '1.1', '1.0']);
    expect(await shownTags()).toEqual(lines(byVersion.stdout).reverse());
    await page.getByLabel('Sort tags').selectOption('name');
    await expect.poll(() => shownTags()).toEqual(['1.0', '1.1', '1.10', '1.9', '2.0']);
    expect(await shownTags()).toEqual(lines(byName.stdout));
    await page.getByLabel('Sort tags').selectOption('version');
    // The registry's own order (push order on GHCR) holds the same tags.
    const served = await as(setup().proxy, ['tags', ref]);
    expect([...lines(served.stdout)].sort()).toEqual([...(await shownTags())].sort());
    if (!('refused' in profile.catalog)) return;
    // Opened by name, it is listed where the catalog would be.
    await expect.poll(() => shownRepositories()).toEqual([]);
    await page.locator('.repositories .tree-row', { hasText: name }).click();
    await expect.poll(() => shownRepositories()).toEqual([repository]);
  });

  it('opens a multi-platform tag: platforms, layers, config and the manifest as served', async () => {
    const { multi } = setup();
    await page.locator(`[data-tag="${MULTI_TAG}"]`).click();
    await expect.poll(() => page.locator('section.pane.image h2').textContent()).toBe(`${name}/app:${MULTI_TAG}`);
    await expect.poll(() => page.locator('table.platforms tbody tr').count()).toBe(3);
    expect(await page.locator('table.platforms [data-platform]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-platform')))).toEqual(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
    expect(await page.locator('.facts').first().textContent()).toContain(multi.digest);
    await page.locator('[data-platform="linux/arm64/v8"]').click();
    await expect.poll(() => page.locator('table.layers tbody tr').count()).toBe(2);
    if (!('refused' in profile.catalog)) await page.locator('.repositories .tree-row', { hasText: name }).click();
    await page.screenshot({ path: join(SHOTS, `dialect-${name}.png`) });
    await page.getByRole('tab', { name: 'config' }).click();
    await expect.poll(() => page.locator('.facts.config').textContent()).toContain(`DIALECT=${name}`);
    expect(await page.locator('.facts.config').textContent()).toContain('arm64');

    await page.getByRole('tab', { name: 'manifest' }).click();
    const arm64 = multi.children[1]!;
    await expect.poll(() => page.locator('.manifest-caption').textContent()).toContain(`Manifest of linux/arm64/v8 ${arm64.digest.slice(0, 19)}`);
    expect(JSON.parse((await page.getByLabel('Manifest', { exact: true }).textContent())!)).toEqual(JSON.parse(arm64.bytes.toString()));
    await page.getByRole('group', { name: 'Which manifest' }).getByRole('button', { name: 'index' }).click();
    await expect.poll(() => page.locator('.manifest-caption').textContent()).toContain(`Index ${multi.digest.slice(0, 19)}`);
    expect(JSON.parse((await page.getByLabel('Manifest', { exact: true }).textContent())!)).toEqual(JSON.parse(multi.bytes.toString()));
    await page.getByRole('tab', { name: 'layers' }).click();
  });

  it('copies the tag dragged onto a plain registry: the same digest there', async () => {
    const { multi } = setup();
    await clearFinished();
    await page.locator(`[data-tag="${MULTI_TAG}"]`).dragTo(row(plain.host));
    await expect.poll(() => dialog().isVisible()).toBe(true);
    expect(await dialog().getByLabel('Destination repository').inputValue()).toBe(`${name}/app`);
    await dialog().getByRole('button', { name: 'Plan' }).click();
    await expect.poll(() => dialog().getByLabel('Copy plan').textContent()).toContain('blobs to transfer');
    await dialog().getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.locator('[data-job-state="done"]').count()).toBe(1);
    expect(await page.locator('.job .job-route').textContent()).toContain(`${shownName(profile)} ${name}/app:${MULTI_TAG}`);
    expect(await digestAt(plain, `${name}/app`, MULTI_TAG)).toBe(multi.digest);
  });

  it('copies an image into the registry with "Copy to…": the same digest read back through the dialect', async () => {
    const { incoming, proxy } = setup();
    const repository = `${name}/incoming`;
    // ECR makes no repository on push: it is created first, as its users do.
    if (!profile.createOnPush) proxy.createRepository(repository);
    await clearFinished();
    await openRepository(plain.host, `incoming/${name}`);
    await page.locator('[data-tag="1.0"]').click();
    await expect.poll(() => page.locator('section.pane.image h2').textContent()).toBe(`incoming/${name}:1.0`);
    await page.getByRole('button', { name: 'Copy to…' }).click();
    await dialog().getByLabel('Destination registry').selectOption(proxy.host);
    await dialog().getByLabel('Destination repository').fill(repository);
    await dialog().getByRole('button', { name: 'Plan' }).click();
    await expect.poll(() => dialog().getByLabel('Copy plan').textContent()).toContain('blobs to transfer');
    await dialog().getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.locator('[data-job-state="done"]').count()).toBe(1);
    expect(await page.locator('.job .job-route').textContent()).toContain(`${shownName(profile)} ${repository}:1.0`);
    const read = await as(proxy, ['digest', `${proxy.host}/${repository}:1.0`]);
    expect(read.stdout.trim(), read.stderr).toBe(incoming.digest);
    expect(await digestAt(setup().backend, repository, '1.0')).toBe(incoming.digest);
    await clearFinished();
  });
});
