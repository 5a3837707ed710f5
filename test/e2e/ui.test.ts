/**
 * The UI in real Chromium (Debian's), driven by playwright-core against
 * `regdesk serve`: browse registry → repository → tag → platform → layers,
 * drag a tag onto another registry and watch the copy finish. Screenshots of
 * the main screens go to test/e2e/screenshots/ (the README shows them).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RegistryClient } from '../../electron/registry/client';
import { buildImage } from '../../electron/demo/images';
import { RigPusher } from '../rig/push';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { startCli } from '../helpers/cli';

const rig = inject('rig');
const multi = rig.fixtures.multi;
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test/e2e/screenshots');

let destination: RigRegistry;
/** The destination again, behind a proxy that refuses the catalog, as Docker Hub and GHCR do. */
let catalogless: FaultProxy;
let serve: ReturnType<typeof startCli>;
let url: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error('Chromium is missing: apt-get install chromium');
  destination = await startRegistry();
  catalogless = await startFaultProxy(destination.url);
  catalogless.add({ path: /\/v2\/_catalog/, action: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="catalog"' } } });
  serve = startCli(['serve', '--registry', rig.registry.host, '--registry', destination.host, '--registry', catalogless.host]);
  url = await new Promise<string>((resolve, reject) => {
    serve.child.stdout!.on('data', (d: Buffer) => {
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/.exec(d.toString());
      if (match) resolve(match[0]);
    });
    void serve.done.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 860 }, colorScheme: 'light' });
  page.on('pageerror', (err) => console.error('page error:', err.message));
});
afterAll(async () => {
  await browser?.close();
  serve?.child.kill('SIGTERM');
  await serve?.done;
  await catalogless?.close();
  await destination?.stop();
});

describe('the UI in Chromium', () => {
  it('browses registry → repository → tag → platform → layers', async () => {
    await page.goto(url);
    await page.getByRole('button', { name: new RegExp(rig.registry.host) }).click();
    await page.getByLabel('Filter repositories').fill('fixtures/');
    await page.locator(`[data-repository="${multi.repo}"]`).click();
    await page.locator('[data-tag="1.0"]').click();
    await expect.poll(() => page.locator('table.platforms tbody tr').count(), { timeout: 10_000 }).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'browse.png') });
    await page.locator('[data-platform="linux/arm64/v8"]').click();
    await expect.poll(() => page.locator('table.layers tbody tr').count(), { timeout: 10_000 }).toBe(2);
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
    await expect.poll(() => dialog.getByLabel('Copy plan').textContent(), { timeout: 10_000 }).toContain('blobs to transfer');
    await page.screenshot({ path: join(SHOTS, 'copy-dialog.png') });
    await dialog.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.locator('[data-job-state="done"]').count(), { timeout: 30_000 }).toBe(1);
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
    const item = page.locator(`[data-watch="${destination.host}/watch/app:1.0"]`);
    await expect.poll(() => item.count()).toBe(1);
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => item.textContent()).toContain('up to date');

    const next = buildImage();
    await pusher.push('watch/app', next, ['1.0']);
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => item.getAttribute('class'), { timeout: 10_000 }).toContain('has-update');
    expect(await item.textContent()).toContain(`new digest ${next.digest.slice(0, 19)}`);
    expect(await page.getByLabel('1 updates').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'watch-update.png') });
    await item.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => item.getAttribute('class')).not.toContain('has-update');
  });

  it('a registry without a catalog: open a repository by name, and find it there next time', async () => {
    await page.getByRole('button', { name: new RegExp(catalogless.host) }).click();
    await expect.poll(() => page.locator('.repositories .note').textContent(), { timeout: 10_000 }).toContain('does not list its repositories');
    await page.getByLabel('Open repository').fill(multi.repo);
    await page.getByLabel('Open repository').press('Enter');
    await expect.poll(() => page.locator('[data-tag="1.0"]').count(), { timeout: 10_000 }).toBe(1);
    await page.reload();
    await page.getByRole('button', { name: new RegExp(catalogless.host) }).click();
    await page.locator('.tree-row', { hasText: 'fixtures' }).click();
    await expect.poll(() => page.locator(`[data-repository="${multi.repo}"]`).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'no-catalog.png') });
  });

  it('shows errors in place with their typed message', async () => {
    await page.getByLabel('Open repository').fill('no/such/repository');
    await page.getByLabel('Open repository').press('Enter');
    await expect.poll(() => page.locator('.tags .error').textContent(), { timeout: 10_000 }).toMatch(/not found/);
  });
});
