/**
 * Refreshing a list in real Chromium: the registry is asked again (not a cache), for
 * tags and for the repository catalog,
 * and a refresh that fails says so above the list it leaves on screen, with a retry.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { launchChromium, startServe, type Serve } from '../helpers/ui';

const rig = inject('rig');
const { multi } = rig.fixtures;
const SHOTS = join(process.cwd(), 'test/e2e/screenshots');

let proxy: FaultProxy;
let serve: Serve;
let browser: Browser;

beforeAll(async () => {
  proxy = await startFaultProxy(rig.registry.url);
  serve = await startServe(['--registry', proxy.host]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await proxy?.close();
});

describe('refreshing a list', () => {
  it('asks the registry again; a failed refresh keeps the list, says why, and Retry recovers', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
    await page.goto(serve.url);
    await page.getByRole('button', { name: new RegExp(proxy.host) }).first().click();
    await page.getByLabel('Filter repositories').fill('fixtures/');
    await page.locator(`[data-repository="${multi.repo}"]`).click();
    await page.locator(`[data-tag="${multi.tag}"]`).waitFor();
    const tagLists = () => proxy.requests.filter((r) => r.path.startsWith(`/v2/${multi.repo}/tags/list`)).length;
    const listed = tagLists();

    await page.getByRole('button', { name: 'Refresh tags' }).click();
    // More than one is fine: a background refresh may land in the same moment.
    await expect.poll(tagLists).toBeGreaterThan(listed);
    const catalogs = () => proxy.requests.filter((r) => r.path.startsWith('/v2/_catalog')).length;
    const cataloged = catalogs();
    await page.getByRole('button', { name: 'Refresh repositories' }).click();
    await expect.poll(catalogs).toBeGreaterThan(cataloged);

    proxy.add({ path: new RegExp(`/v2/${multi.repo}/tags/list`), action: { kind: 'status', status: 400 } });
    await page.getByRole('button', { name: 'Refresh tags' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Could not refresh' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/HTTP 400|400/);
    // What was read before stays on screen.
    expect(await page.locator(`[data-tag="${multi.tag}"]`).isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'refresh-failed.png') });

    proxy.clear();
    await notice.getByRole('button', { name: 'Retry' }).click();
    await notice.waitFor({ state: 'detached' });
    expect(await page.locator(`[data-tag="${multi.tag}"]`).isVisible()).toBe(true);
    await page.close();
  });
});
