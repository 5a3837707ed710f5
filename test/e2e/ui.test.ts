/**
 * The UI in real Chromium (Debian's), driven by playwright-core against
 * `regdesk serve`: browse registry → repository → tag → platform → layers,
 * drag a tag onto another registry and watch the copy finish, watch images
 * with a rule and a platform, edit a registry, the dark theme. Screenshots of
 * the main screens go to test/e2e/screenshots/ (the README shows them).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RegistryClient } from '../../electron/registry/client';
import { buildImage } from '../../electron/demo/images';
import { RigPusher } from '../rig/push';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { launchChromium, startServe, type Serve } from '../helpers/ui';

const rig = inject('rig');
const multi = rig.fixtures.multi;
const SHOTS = join(process.cwd(), 'test/e2e/screenshots');

let destination: RigRegistry;
/** The destination again, behind a proxy that refuses the catalog, as Docker Hub and GHCR do. */
let catalogless: FaultProxy;
let serve: Serve;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  destination = await startRegistry();
  catalogless = await startFaultProxy(destination.url);
  catalogless.add({ path: /\/v2\/_catalog/, action: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="catalog"' } } });
  serve = await startServe(['--registry', rig.registry.host, '--registry', destination.host, '--registry', catalogless.host]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 860 }, colorScheme: 'light' });
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await catalogless?.close();
  await destination?.stop();
});

/** Top edge of an element, in CSS pixels. */
async function topOf(page: Page, selector: string): Promise<number> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return box.y;
}

/** Registry → repository → tag, with the mouse. */
async function openImage(page: Page, registry: string, repository: string, tag: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(registry) }).first().click();
  await page.getByLabel('Filter repositories').fill(repository);
  await page.locator(`[data-repository="${repository}"]`).click();
  await page.locator(`[data-tag="${tag}"]`).click();
}

describe('the UI in Chromium', () => {
  it('browses registry → repository → tag → platform → layers, without moving what is already on screen', async () => {
    await page.goto(serve.url);
    const lastRegistry = `[data-registry="${catalogless.host}"]`;
    await expect.poll(() => page.locator(lastRegistry).count()).toBe(1);
    const registriesEnd = await topOf(page, lastRegistry);
    await page.getByRole('button', { name: new RegExp(rig.registry.host) }).click();
    // Choosing a registry adds no row under it: the registries below stay where they were.
    expect(await topOf(page, lastRegistry)).toBe(registriesEnd);
    expect(await page.getByLabel('Tags', { exact: true }).textContent()).toContain('Pick a repository');
    await page.getByLabel('Filter repositories').fill('fixtures/');
    await page.locator(`[data-repository="${multi.repo}"]`).click();
    await page.locator('[data-tag="1.0"]').click();
    await expect.poll(() => page.locator('table.platforms tbody tr').count()).toBe(3);
    // The repository and tag lists start at the same height, and the columns keep their widths.
    expect(await topOf(page, '.tags .virtual')).toBe(await topOf(page, '.repositories .virtual'));
    expect(await page.locator('.pane.tags .count').textContent()).toBe('1 tag');
    await page.screenshot({ path: join(SHOTS, 'browse.png') });
    await page.locator('[data-platform="linux/arm64/v8"]').click();
    await expect.poll(() => page.locator('table.layers tbody tr').count()).toBe(2);
    expect(await page.locator('.facts').first().textContent()).toContain(multi.digest);
    await page.getByRole('tab', { name: 'config' }).click();
    await expect.poll(() => page.locator('.facts.config').textContent()).toContain('REGDESK_FIXTURE=1');
    await page.screenshot({ path: join(SHOTS, 'image-config.png') });
  });

  it('copies a tag dragged onto another registry, and the copy lands there', async () => {
    await page.locator('[data-tag="1.0"]').dragTo(page.locator(`[data-registry="${destination.host}"]`));
    const dialog = page.getByRole('dialog', { name: 'Copy image' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByLabel('Destination repository').inputValue()).toBe(multi.repo);
    await dialog.getByRole('button', { name: 'Plan' }).click();
    await expect.poll(() => dialog.getByLabel('Copy plan').textContent()).toContain('blobs to transfer');
    await page.screenshot({ path: join(SHOTS, 'copy-dialog.png') });
    await dialog.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.locator('[data-job-state="done"]').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'copy-done.png') });

    const client = new RegistryClient();
    const copied = await client.getManifest({ registry: destination.host, repository: multi.repo, reference: '1.0' });
    await client.close();
    expect(copied.digest).toBe(multi.digest);
  });

  it('watches an image, and shows a badge after a new digest is pushed and a check runs', async () => {
    const pusher = new RigPusher(destination);
    await pusher.push('watch/app', buildImage(), ['1.0']);
    await page.getByRole('button', { name: new RegExp(destination.host) }).click();
    await page.getByLabel('Open repository').fill('watch/app');
    await page.getByLabel('Open repository').press('Enter');
    await page.locator('[data-tag="1.0"]').click();
    await page.getByRole('button', { name: '☆ Watch' }).click();
    const popover = page.getByRole('dialog', { name: 'Watch settings' });
    // 1.0 is a version: both rules by default; one image, so no platform to choose.
    expect(await popover.getByLabel(/^Both/).isChecked()).toBe(true);
    expect(await popover.getByLabel('Watched platform').count()).toBe(0);
    await popover.getByLabel(/^New digests of this tag/).check();
    await popover.getByRole('button', { name: 'Watch' }).click();
    const item = page.locator(`[data-watch="${destination.host}/watch/app:1.0"]`);
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.locator('.watch-registry').textContent()).toBe(`${destination.host} · new digests`);
    expect(await popover.count()).toBe(0);
    expect(await page.locator('.star').textContent()).toBe('★ Watched');
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => item.textContent()).toContain('up to date');

    const next = buildImage();
    await pusher.push('watch/app', next, ['1.0']);
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => item.getAttribute('class')).toContain('has-update');
    expect(await item.textContent()).toContain(`new digest ${next.digest.slice(0, 19)}`);
    expect(await page.getByLabel('1 updates').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'watch-update.png') });
    await item.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => item.getAttribute('class')).not.toContain('has-update');
  });

  it('watches one platform with the rule chosen on the star, and edits the rule from the watched list', async () => {
    await openImage(page, rig.registry.host, multi.repo, '1.0');
    await page.getByRole('button', { name: '☆ Watch' }).click();
    const popover = page.getByRole('dialog', { name: 'Watch settings' });
    expect(await popover.getByLabel('Watched platform').locator('option').allTextContents())
      .toEqual(['All platforms (the index)', 'linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']);
    // Escape closes it, and the star has the focus back.
    await page.keyboard.press('Escape');
    expect(await popover.count()).toBe(0);
    expect(await page.locator('.star:focus').count()).toBe(1);

    await page.getByRole('button', { name: '☆ Watch' }).click();
    await popover.getByLabel(/^Newer versions/).check();
    await popover.getByLabel('Watched platform').selectOption('linux/arm64/v8');
    await page.screenshot({ path: join(SHOTS, 'watch-rule.png') });
    await popover.getByRole('button', { name: 'Watch' }).click();
    const item = page.locator(`[data-watch="${rig.registry.host}/${multi.repo}:1.0"]`);
    await expect.poll(() => item.locator('.watch-registry').textContent()).toBe(`${rig.registry.host} · newer versions · linux/arm64/v8`);
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => item.textContent()).toContain('up to date');

    // The star opens the same watch with what it holds.
    await page.getByRole('button', { name: '★ Watched' }).click();
    expect(await popover.getByLabel(/^Newer versions/).isChecked()).toBe(true);
    expect(await popover.getByLabel('Watched platform').inputValue()).toBe('linux/arm64/v8');
    await popover.getByRole('button', { name: 'Cancel' }).click();

    await item.getByRole('button', { name: `Edit watch of ${rig.registry.host}/${multi.repo}:1.0` }).click();
    const editor = page.getByRole('dialog', { name: `Watch settings for ${rig.registry.host}/${multi.repo}:1.0` });
    await editor.getByLabel(/^Both/).check();
    await editor.getByLabel('Watched platform').selectOption('');
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => item.locator('.watch-registry').textContent()).toBe(`${rig.registry.host} · digests and versions`);
    await item.getByRole('button', { name: `Stop watching ${rig.registry.host}/${multi.repo}:1.0` }).click();
    await expect.poll(() => item.count()).toBe(0);
  });

  it('edits a registry: a display name that lasts, then the address again when it is cleared', async () => {
    const row = page.locator(`[data-registry="${destination.host}"]`);
    await row.locator('.registry-button').click();
    await row.getByRole('button', { name: `Edit ${destination.host}` }).click();
    const form = page.getByRole('form', { name: `Edit ${destination.host}` });
    await form.getByLabel('Display name').fill('Staging');
    await page.screenshot({ path: join(SHOTS, 'edit-registry.png') });
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.locator('.registry-name').textContent()).toBe('Staging');
    expect(await row.locator('.registry-meta').textContent()).toContain(destination.host);

    await page.reload();
    await expect.poll(() => row.locator('.registry-name').textContent()).toBe('Staging');
    await row.locator('.registry-button').click();
    await row.getByRole('button', { name: 'Edit Staging' }).click();
    const again = page.getByRole('form', { name: 'Edit Staging' });
    expect(await again.getByLabel('Display name').inputValue()).toBe('Staging');
    await page.keyboard.press('Escape');
    expect(await again.count()).toBe(0);
    await row.getByRole('button', { name: 'Edit Staging' }).click();
    await again.getByLabel('Display name').fill('');
    await again.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.locator('.registry-name').textContent()).toBe(destination.host);
  });

  it('follows a dark OS theme', async () => {
    const dark = await browser.newPage({ viewport: { width: 1440, height: 860 }, colorScheme: 'dark' });
    try {
      await dark.goto(serve.url);
      await openImage(dark, rig.registry.host, multi.repo, '1.0');
      await expect.poll(() => dark.locator('table.layers tbody tr').count()).toBe(2);
      // An expression, not a function: this file is type-checked without the DOM.
      const colours = await dark.evaluate<string[]>('[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]');
      expect(colours).toEqual(['rgb(20, 23, 28)', 'rgb(228, 231, 236)']);
      await dark.screenshot({ path: join(SHOTS, 'browse-dark.png') });
    } finally {
      await dark.close();
    }
  });

  it('a registry without a catalog: open a repository by name, and find it there next time', async () => {
    await page.getByRole('button', { name: new RegExp(catalogless.host) }).click();
    await expect.poll(() => page.locator('.repositories .note').textContent()).toContain('does not list its repositories');
    await page.getByLabel('Open repository').fill(multi.repo);
    await page.getByLabel('Open repository').press('Enter');
    await expect.poll(() => page.locator('[data-tag="1.0"]').count()).toBe(1);
    await page.reload();
    // The URL reopens the registry and the repository (its folder open), listed from what was opened before.
    await expect.poll(() => page.locator(`[data-registry="${catalogless.host}"] .registry-button`).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.locator(`[data-repository="${multi.repo}"]`).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'no-catalog.png') });
  });

  it('shows errors in place with their typed message', async () => {
    await page.getByLabel('Open repository').fill('no/such/repository');
    await page.getByLabel('Open repository').press('Enter');
    await expect.poll(() => page.locator('.tags .error').textContent()).toMatch(/not found/);
  });
});
