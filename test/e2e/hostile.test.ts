/**
 * Hostile input and serve's token, in real Chromium: a manifest the Image pane
 * cannot pretty-print (JSON nested 9,000 levels) fails that pane in its place
 * while the other panes keep working; the token leaves the address bar at once
 * and a reload keeps the session; --open's one-time code signs a browser in
 * once. An image a hostile registry serves (an index entry whose digest is a
 * path, a label nested 200,000 deep) is a typed error or a note in the Image
 * pane, and the app keeps working. Screenshots go to test/e2e/screenshots/.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../electron/demo/images';
import { fakeOpener, type FakeOpener } from '../helpers/cli';
import { expectPageProblem } from '../helpers/page-problems';
import { launchChromium, startServe, type Serve } from '../helpers/ui';
import { deeplyNested, imageWithRawJson, MANIFEST_DEPTH } from '../rig/deep-json';
import { pushImage } from '../rig/fixtures';
import { document, imageWithLabels, startHostileRegistry } from '../rig/hostile-registry';
import { MT } from '../rig/images';
import { startRegistry, type RigRegistry } from '../rig/registry';

const SHOTS = join(process.cwd(), 'test/e2e/screenshots');
const REPO = 'hostile/app';

let registry: RigRegistry;
let opener: FakeOpener;
let serve: Serve;
let browser: Browser;

beforeAll(async () => {
  registry = await startRegistry();
  await pushImage(registry, REPO, 'deep', imageWithRawJson({ labelJson: '"a label"', manifestJson: deeplyNested(MANIFEST_DEPTH) }));
  await pushImage(registry, REPO, 'ok', buildImage());
  opener = await fakeOpener();
  serve = await startServe(['--registry', registry.host, '--open'], { env: opener.env });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await opener?.close();
  await registry?.stop();
});

const origin = (): string => new URL(serve.url).origin;

const newPage = (): Promise<Page> => browser.newPage({ viewport: { width: 1440, height: 860 }, colorScheme: 'light' });

/** The repository's tags are listed: the page's calls to serve carry the token. */
async function openRepository(page: Page): Promise<void> {
  await page.getByRole('button', { name: new RegExp(registry.host) }).first().click();
  await page.getByLabel('Filter repositories').fill('hostile');
  await page.locator(`[data-repository="${REPO}"]`).click();
  await expect.poll(() => page.locator('[data-tag]').count(), { timeout: 10_000 }).toBe(2);
}

describe("serve's token in the browser", () => {
  it('leaves the address bar before the page has loaded, and a reload keeps the session', async () => {
    const page = await newPage();
    try {
      await page.goto(serve.url);
      expect(page.url()).toBe(`${origin()}/`);
      await openRepository(page);
      await page.reload();
      // What stays in the address bar is the open registry and repository, never the token.
      expect(page.url()).toBe(`${origin()}/#registry=${encodeURIComponent(registry.host)}&repository=${encodeURIComponent(REPO)}`);
      await openRepository(page);
    } finally {
      await page.close();
    }
  });

  it("--open's one-time code signs one browser in; the same link opened again is refused, and says what to do", async () => {
    const [link] = await opener.opened;
    expect(link).toMatch(/#code=[0-9a-f]{32}$/);
    const first = await newPage();
    const second = await newPage();
    try {
      await first.goto(link!);
      expect(first.url()).toBe(`${origin()}/`);
      await openRepository(first);
      expectPageProblem(/status of 401 .*\/session\)$/);
      await second.goto(link!);
      expect(second.url()).toBe(`${origin()}/`);
      await expect.poll(() => second.locator('.sidebar .error').textContent(), { timeout: 10_000 }).toContain('already used or has expired');
      expect(await second.locator('.sidebar .error-hint').textContent()).toBe('Open the exact URL regdesk serve printed.');
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('a pane that cannot render', () => {
  it('shows what failed in its own place, and the other panes keep working', async () => {
    const page = await newPage();
    try {
      await page.goto(serve.url);
      await openRepository(page);
      const image = page.getByLabel('Image', { exact: true });
      await page.locator('[data-tag="deep"]').click();
      await expect.poll(() => page.locator('.pane.image h2').textContent(), { timeout: 10_000 }).toBe(`${REPO}:deep`);
      // React reports on the console each error a boundary caught.
      expectPageProblem(/^console error: RangeError: Maximum call stack size exceeded\n\s+at JSON\.stringify/);
      await page.getByRole('tab', { name: 'manifest' }).click();
      const failed = page.locator('section.pane-failed[aria-label="Image"]');
      await failed.waitFor();
      expect(await failed.getByRole('alert').locator('.error-message').textContent()).toBe('Image could not be shown: a value is nested too deeply to show (Maximum call stack size exceeded)');
      await page.screenshot({ path: join(SHOTS, 'pane-failed.png') });

      // The other panes: the tags still list and answer, the registries still switch.
      expect(await page.locator('[data-tag]').count()).toBe(2);
      await page.locator('[data-tag="ok"]').click();
      await expect.poll(() => page.locator('.pane.image h2').textContent(), { timeout: 10_000 }).toBe(`${REPO}:ok`);
      expect(await page.locator('.pane-failed').count()).toBe(0);
      await page.getByRole('tab', { name: 'manifest' }).click();
      expect(await page.locator('pre.manifest').textContent()).toContain('"schemaVersion": 2');

      // Back on the hostile tag the pane starts afresh; Try again after its failure does too.
      await page.locator('[data-tag="deep"]').click();
      await expect.poll(() => page.locator('.pane.image h2').textContent(), { timeout: 10_000 }).toBe(`${REPO}:deep`);
      await page.getByRole('tab', { name: 'manifest' }).click();
      await failed.waitFor();
      await failed.getByRole('button', { name: 'Try again' }).click();
      await expect.poll(() => image.locator('table.layers tbody tr').count(), { timeout: 10_000 }).toBe(2);
      expect(await page.locator('.pane-failed').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});

describe('images a hostile registry serves', () => {
  it('an index entry that is a path is an error in the Image pane, a malformed label is left out with a note, and the app keeps working', async () => {
    const hostile = await startHostileRegistry();
    const own = await startServe(['--registry', `http://${hostile.host}`]);
    const page = await newPage();
    try {
      const repo = 'attacker/app';
      hostile.answer('/v2/_catalog', { body: JSON.stringify({ repositories: [repo] }), headers: { 'content-type': 'application/json' } });
      hostile.answer(`/v2/${repo}/tags/list`, { body: JSON.stringify({ name: repo, tags: ['bad', 'deep', 'good'] }), headers: { 'content-type': 'application/json' } });
      hostile.image(repo, 'bad', document({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, digest: '../../../victim/private/manifests/prod', size: 10, platform: { os: 'linux', architecture: 'amd64' } }] }, MT.ociIndex));
      hostile.image(repo, 'deep', imageWithLabels(`"org.example.deep":${deeplyNested(200_000)}`));
      hostile.image(repo, 'good', buildImage());

      await page.goto(own.url);
      await page.getByRole('button', { name: new RegExp(hostile.host) }).first().click();
      await page.getByLabel('Filter repositories').fill('attacker');
      await page.locator(`[data-repository="${repo}"]`).click();
      await expect.poll(() => page.locator('[data-tag]').count(), { timeout: 10_000 }).toBe(3);

      await page.locator('[data-tag="bad"]').click();
      const image = page.getByLabel('Image', { exact: true });
      const error = image.getByRole('alert').locator('.error-message');
      await error.waitFor();
      expect(await error.textContent()).toContain('manifests[0].digest is not a valid digest');
      await page.screenshot({ path: join(SHOTS, 'hostile-index.png') });

      await page.locator('[data-tag="deep"]').click();
      const note = image.getByRole('note', { name: 'Left out' });
      await note.waitFor();
      expect(await note.textContent()).toContain('config.Labels has 1 entry that is not text');
      await page.getByRole('tab', { name: 'config' }).click();
      expect(await image.textContent()).toContain('org.example.normal');
      await page.screenshot({ path: join(SHOTS, 'hostile-label.png') });

      await page.locator('[data-tag="good"]').click();
      await expect.poll(() => page.locator('.pane.image h2').textContent(), { timeout: 10_000 }).toBe(`${repo}:good`);
      await page.getByRole('tab', { name: 'layers' }).click();
      await expect.poll(() => image.locator('table.layers tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await page.locator('.pane-failed').count()).toBe(0);
      // Nothing outside the repository was asked for.
      expect(hostile.requests.filter((r) => r.path !== '/v2/' && !r.path.startsWith('/v2/_catalog') && !r.path.startsWith(`/v2/${repo}/`))).toEqual([]);
    } finally {
      await page.close();
      await own.stop();
      await hostile.close();
    }
  });
});
