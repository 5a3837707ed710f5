/**
 * The tag list's details in real Chromium against `regdesk serve`, at 1400×860
 * and 1024×700: each tag's short digest, platforms, size and age in columns
 * that shrink with the pane (no sideways page scroll), "= 2.0" beside `latest`
 * when they share a digest, a tag whose manifest is malformed says so in its
 * row; details are asked only for the rows in view, and scrolling back asks
 * nothing again, Refresh reads the rows in view again (manifest reads counted
 * at the fault proxy).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildMultiPlatform } from '../../electron/demo/images';
import { pushManyTags } from '../rig/fixtures';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { launchChromium, startServe, type Serve } from '../helpers/ui';

const SHOTS = join(process.cwd(), 'test/e2e/screenshots');
const APP = 'team/app';
const MANY = 'team/many-tags';
const SIZES = [
  { width: 1400, height: 860 },
  { width: 1024, height: 700 },
] as const;
const multi = buildMultiPlatform('oci');
const single = buildImage({ created: '2026-03-04T05:06:07Z', layerBytes: 40_000 });

let registry: RigRegistry;
let proxy: FaultProxy;
let serve: Serve;
let browser: Browser;
let manyTags: string[];

beforeAll(async () => {
  registry = await startRegistry();
  const pusher = new RigPusher(registry);
  await pusher.push(APP, multi, ['2.0', 'latest']);
  await pusher.push(APP, single, ['1.0', 'broken']);
  manyTags = await pushManyTags(registry, MANY, 150);
  proxy = await startFaultProxy(registry.url);
  // `broken` is listed, but its manifest arrives as something no parser can read.
  proxy.add({ method: 'GET', path: /\/manifests\/broken$/, action: { kind: 'status', status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: '{"schemaVersion": 2, "config": [' } });
  serve = await startServe(['--registry', proxy.host]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await proxy?.close();
  await registry?.stop();
});

async function openRepository(page: Page, repository: string): Promise<void> {
  await page.goto(serve.url);
  await page.locator(`[data-registry="${proxy.host}"] .registry-button`).click();
  await page.getByLabel('Filter repositories').fill(repository);
  await page.locator(`[data-repository="${repository}"]`).click();
}

const row = (page: Page, tag: string) => page.locator(`.tags [data-tag="${tag}"]`);

/** Tags whose manifest serve read by tag name (not by digest), each as often as it was read. */
const manifestReadsByTag = (repository: string): Map<string, number> => {
  const counts = new Map<string, number>();
  const prefix = `/v2/${repository}/manifests/`;
  for (const r of proxy.requests) {
    if (r.method !== 'GET' || !r.path.startsWith(prefix)) continue;
    const reference = r.path.slice(prefix.length);
    if (!reference.startsWith('sha256:')) counts.set(reference, (counts.get(reference) ?? 0) + 1);
  }
  return counts;
};

/** The tags of the rows the list shows now (its scroll position and height, as the list itself computes them). */
const tagsInView = (page: Page): Promise<string[]> => page.evaluate(`(() => {
  const list = document.querySelector('.tags .virtual');
  const first = Math.floor(list.scrollTop / 40);
  const last = Math.ceil((list.scrollTop + list.clientHeight) / 40);
  return [...list.querySelectorAll('[role="option"]')]
    .filter((r) => { const i = Number(r.id.split('-row-')[1]); return i >= first && i < last; })
    .map((r) => r.querySelector('[data-tag]').dataset.tag);
})()`);

describe('the tag list\'s details', () => {
  for (const size of SIZES) {
    it(`shows digest, platforms, size and age, marks tags sharing a digest, and a malformed tag's error, at ${size.width}×${size.height}`, async () => {
      const context = await browser.newContext({ viewport: size, colorScheme: 'light' });
      try {
        const page = await context.newPage();
        await openRepository(page, APP);

        // latest and 2.0 are one image: each says so, naming the other.
        await expect.poll(() => row(page, 'latest').locator('.same-digest').textContent()).toBe('= 2.0');
        expect(await row(page, '2.0').locator('.same-digest').textContent()).toBe('= latest');
        expect(await row(page, 'latest').locator('.same-digest').getAttribute('title')).toBe('Same image (digest) as 2.0');

        const multiRow = row(page, '2.0');
        expect(await multiRow.locator('.tag-digest').textContent()).toBe(multi.digest.slice(7, 19));
        expect(await multiRow.locator('.tag-digest').getAttribute('title')).toBe(multi.digest);
        expect(await multiRow.locator('.tag-platforms').textContent()).toBe('3 platforms');
        expect(await multiRow.locator('.tag-platforms').getAttribute('title')).toBe('linux/amd64\nlinux/arm64/v8\nlinux/arm/v7');
        expect(await multiRow.locator('.tag-size').textContent()).toMatch(/^\d+(\.\d)?(–\d+(\.\d)?)? KB$/);
        expect(await multiRow.locator('.tag-age').getAttribute('title')).toBe('Created 2026-01-02 03:04:05 UTC');
        expect(await multiRow.locator('.tag-age').textContent()).toMatch(/ ago$|^just now$/);

        const singleRow = row(page, '1.0');
        await expect.poll(() => singleRow.locator('.tag-platforms').textContent()).toBe('linux/amd64');
        expect(await singleRow.locator('.tag-digest').getAttribute('title')).toBe(single.digest);
        expect(await singleRow.locator('.tag-size').textContent()).toMatch(/^\d+(\.\d)? KB$/);
        expect(await singleRow.locator('.tag-age').getAttribute('title')).toBe('Created 2026-03-04 05:06:07 UTC');
        // 1.0 and broken are one image in the registry, but broken could not be read: no mark on 1.0.
        expect(await singleRow.locator('.same-digest').count()).toBe(0);

        const broken = row(page, 'broken').locator('.tag-meta-error');
        await expect.poll(() => broken.textContent()).toBe('⚠ malformed manifest');
        expect(await broken.getAttribute('title')).toContain(proxy.host);

        // Rows keep their height; the columns stay inside the tags pane; no sideways page scroll.
        expect((await page.locator('.tags [role="option"]').first().boundingBox())?.height).toBe(40);
        const edges = await page.evaluate(`(() => {
          const pane = document.querySelector('.pane.tags').getBoundingClientRect();
          return [...document.querySelectorAll('.tags .tag-meta > *, .tags .same-digest')].map((el) => el.getBoundingClientRect().right - pane.right);
        })()`) as number[];
        expect(edges.length).toBeGreaterThan(0);
        expect(Math.max(...edges)).toBeLessThanOrEqual(0);
        const width = await page.evaluate('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })') as { scroll: number; inner: number };
        expect(width.scroll).toBeLessThanOrEqual(width.inner);

        await row(page, 'latest').click();
        await expect.poll(() => page.locator('table.platforms tbody tr').count()).toBe(3);
        await page.screenshot({ path: join(SHOTS, size.width === 1400 ? 'tag-details.png' : 'tag-details-narrow.png') });
      } finally {
        await context.close();
      }
    });
  }

  it('asks details only for the rows in view; scrolling back asks nothing again, Refresh does', async () => {
    const context = await browser.newContext({ viewport: SIZES[0], colorScheme: 'light' });
    try {
      const page = await context.newPage();
      let detailCalls = 0;
      page.on('request', (r) => {
        if (r.url().endsWith('/rpc/tags.details')) detailCalls++;
      });
      await openRepository(page, MANY);
      await expect.poll(() => page.locator('.tags [id$="-row-0"] .tag-digest').count()).toBe(1);
      const top = await tagsInView(page);
      for (const tag of top) await expect.poll(() => row(page, tag).locator('.tag-digest').count()).toBe(1);
      const afterTop = manifestReadsByTag(MANY);
      expect(top.length).toBeGreaterThan(5);
      expect(top.length).toBeLessThan(manyTags.length / 4);
      expect([...afterTop.keys()].sort()).toEqual([...top].sort());

      // The end of the list: only its rows are asked.
      await page.locator('.tags .virtual').evaluate((el) => { el.scrollTop = el.scrollHeight; });
      await expect.poll(() => page.locator(`.tags [id$="-row-${manyTags.length - 1}"] .tag-digest`).count()).toBe(1);
      const bottom = await tagsInView(page);
      for (const tag of bottom) await expect.poll(() => row(page, tag).locator('.tag-digest').count()).toBe(1);
      const afterBottom = manifestReadsByTag(MANY);
      expect([...afterBottom.keys()].sort()).toEqual([...new Set([...top, ...bottom])].sort());
      expect([...afterBottom.values()].every((n) => n === 1)).toBe(true);

      // Back to the top: the rows show their details from the cache, without a call.
      const callsBefore = detailCalls;
      await page.locator('.tags .virtual').evaluate((el) => { el.scrollTop = 0; });
      await expect.poll(() => page.locator('.tags [id$="-row-0"] .tag-digest').count()).toBe(1);
      for (const tag of top) expect(await row(page, tag).locator('.tag-digest').count()).toBe(1);
      await page.evaluate('document.readyState');
      expect(detailCalls).toBe(callsBefore);
      expect([...manifestReadsByTag(MANY).values()].every((n) => n === 1)).toBe(true);

      // Refresh reads the listing anew, and the rows in view their details (tags may have moved).
      await page.getByRole('button', { name: 'Refresh tags' }).click();
      await expect.poll(() => top.map((tag) => manifestReadsByTag(MANY).get(tag))).toEqual(top.map(() => 2));
      expect(manifestReadsByTag(MANY).get(bottom.find((tag) => !top.includes(tag))!)).toBe(1);
    } finally {
      await context.close();
    }
  });
});
