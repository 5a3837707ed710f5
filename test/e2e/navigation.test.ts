/**
 * Layout and navigation in real Chromium against `regdesk serve`, at 1400×860
 * and 1024×700 (the smallest window we promise): no sideways page scroll with a
 * long repository, tag and manifest open; the open registry, repository, tag
 * and platform kept across a reload; skip links to each pane; open, picked and
 * cursor rows told apart; "Copy pull command" and the tag context menu.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildMultiPlatform } from '../../electron/demo/images';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { launchChromium, startServe, type Serve } from '../helpers/ui';

const rig = inject('rig');
const SHOTS = join(process.cwd(), 'test/e2e/screenshots');
const LONG_REPO = 'platform-engineering/observability/payments-reconciliation-worker-with-a-very-long-service-name';
const LONG_TAG = '2025.06.30-build.48213-feature-a-branch-name-that-goes-on-and-on';
const SIZES = [
  { width: 1400, height: 860 },
  { width: 1024, height: 700 },
] as const;

let registry: RigRegistry;
let serve: Serve;
let browser: Browser;
let digest: string;

beforeAll(async () => {
  registry = await startRegistry();
  const image = buildMultiPlatform('oci');
  digest = image.digest;
  await new RigPusher(registry).push(LONG_REPO, image, [LONG_TAG, '1.0']);
  serve = await startServe(['--registry', rig.registry.host, '--registry', registry.host]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await registry?.stop();
});

/** How a tag row looks: its colours, its outline and the mark before its name. */
interface Look {
  background: string;
  color: string;
  outline: string;
  mark: string;
}

/** A page of its own (no state left from another test), at `size`, that may use the clipboard. */
async function openPage(size: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: size, colorScheme });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.origin });
  const page = await context.newPage();
  return { context, page };
}

/** Registry → repository (through the filter) → tag, with the mouse. */
async function openImage(page: Page, host: string, repository: string, tag: string): Promise<void> {
  await page.locator(`[data-registry="${host}"] .registry-button`).click();
  await page.getByLabel('Filter repositories').fill(repository);
  await page.locator(`[data-repository="${repository}"]`).click();
  await page.locator(`[data-tag="${tag}"]`).click();
  await expect.poll(() => page.locator('table.platforms tbody tr').count()).toBe(3);
  // The first platform's layers come with its own manifest, after the index.
  await expect.poll(() => page.locator('table.layers tbody tr').count()).toBeGreaterThan(0);
}

/** How far an element reaches past the right edge of another (≤ 0: inside), and whether its own content is cut. */
async function overflowOf(page: Page, selector: string, container: string): Promise<{ pastEdge: number; cut: boolean }> {
  return page.evaluate(`(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    const box = document.querySelector(${JSON.stringify(container)});
    if (!el || !box) throw new Error('missing ' + ${JSON.stringify(`${selector} in ${container}`)});
    return { pastEdge: el.getBoundingClientRect().right - box.getBoundingClientRect().right, cut: el.scrollWidth > el.clientWidth };
  })()`);
}

const pageWidth = (page: Page): Promise<{ scroll: number; inner: number }> =>
  page.evaluate('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })');

describe('layout and navigation', () => {
  for (const size of SIZES) {
    it(`never scrolls the page sideways at ${size.width}×${size.height}, with a long repository, tag and manifest open`, async () => {
      const { context, page } = await openPage(size);
      try {
        await page.goto(serve.url);
        await openImage(page, registry.host, LONG_REPO, LONG_TAG);
        const fits = async (): Promise<void> => {
          const width = await pageWidth(page);
          expect(width.scroll, `page ${width.scroll} px wide in a ${width.inner} px window`).toBeLessThanOrEqual(width.inner);
        };
        await fits();
        // The whole digest is there (cut on screen, whole in its tooltip).
        expect(await page.locator('.facts .copyable code').first().getAttribute('title')).toBe(digest);
        // The star and the layer table's last column are whole, inside the image pane.
        const star = await overflowOf(page, '.image .pane-header .star', '.pane.image');
        expect(star.pastEdge).toBeLessThanOrEqual(0);
        expect(star.cut).toBe(false);
        const sizeHeader = await overflowOf(page, 'table.layers th:last-child', '.pane.image');
        expect(sizeHeader.pastEdge).toBeLessThanOrEqual(0);
        expect(sizeHeader.cut).toBe(false);
        expect(await page.locator('table.layers th:last-child').textContent()).toBe('Size');
        // Long names are cut with an ellipsis and say the whole name on hover.
        expect(await page.locator(`[data-tag="${LONG_TAG}"] .row-label`).getAttribute('title')).toBe(LONG_TAG);
        expect(await page.locator(`[data-repository="${LONG_REPO}"] .row-label`).getAttribute('title')).toBe(LONG_REPO);

        await page.getByRole('tab', { name: 'manifest' }).click();
        await page.getByRole('button', { name: 'index' }).click();
        await expect.poll(() => page.locator('pre.manifest').textContent()).toContain('application/vnd.oci.image.index.v1+json');
        await fits();
        // The manifest's long lines scroll inside its own frame.
        const pre = await overflowOf(page, 'pre.manifest', '.pane.image');
        expect(pre.pastEdge).toBeLessThanOrEqual(0);
        if (size.width === 1024) {
          expect(pre.cut, 'the manifest scrolls inside its frame').toBe(true);
          await page.screenshot({ path: join(SHOTS, 'narrow-1024.png') });
        }
      } finally {
        await context.close();
      }
    });

    it(`keeps the open registry, repository, tag and platform across a reload, and open folders across registries, at ${size.width}×${size.height}`, async () => {
      const { context, page } = await openPage(size);
      try {
        await page.goto(serve.url);
        // Through the tree's folders this time, no filter.
        await page.locator(`[data-registry="${registry.host}"] .registry-button`).click();
        await page.locator('.repositories [role="treeitem"]:has(.row-label[title="platform-engineering"])').click();
        await page.locator('.repositories [role="treeitem"]:has(.row-label[title="platform-engineering/observability"])').click();
        await page.locator(`[data-repository="${LONG_REPO}"]`).click();
        await page.locator(`[data-tag="${LONG_TAG}"]`).click();
        await page.locator('[data-platform="linux/arm/v7"]').click();
        await expect.poll(() => page.locator('.facts').first().textContent()).toContain('(linux/arm/v7)');
        // The session token left the address bar at the first load and never comes back.
        expect(page.url()).not.toContain(serve.token);

        await page.reload();
        await expect.poll(() => page.locator('.image .pane-header h2').textContent()).toBe(`${LONG_REPO}:${LONG_TAG}`);
        expect(await page.locator(`[data-registry="${registry.host}"] .registry-button`).getAttribute('aria-pressed')).toBe('true');
        await expect.poll(() => page.locator(`[data-repository="${LONG_REPO}"]`).getAttribute('class')).toContain('selected');
        await expect.poll(() => page.locator(`[data-tag="${LONG_TAG}"]`).getAttribute('class')).toContain('selected');
        await expect.poll(() => page.locator('[data-platform="linux/arm/v7"]').getAttribute('class')).toBe('selected');
        await expect.poll(() => page.locator('.facts').first().textContent()).toContain('(linux/arm/v7)');
        expect(page.url()).not.toContain(serve.token);

        // A folder opened in one registry is still open after a look at another.
        await page.locator(`[data-registry="${rig.registry.host}"] .registry-button`).click();
        await page.locator('.repositories [role="treeitem"]:has(.row-label[title="fixtures"])').click();
        await expect.poll(() => page.locator(`[data-repository="${rig.fixtures.multi.repo}"]`).count()).toBe(1);
        await page.locator(`[data-registry="${registry.host}"] .registry-button`).click();
        await expect.poll(() => page.locator(`[data-repository="${LONG_REPO}"]`).count()).toBe(1);
        await page.locator(`[data-registry="${rig.registry.host}"] .registry-button`).click();
        await expect.poll(() => page.locator(`[data-repository="${rig.fixtures.multi.repo}"]`).count()).toBe(1);
      } finally {
        await context.close();
      }
    });

    it(`skip links move the focus to each pane, at ${size.width}×${size.height}`, async () => {
      const { context, page } = await openPage(size);
      try {
        await page.goto(serve.url);
        await openImage(page, registry.host, LONG_REPO, LONG_TAG);
        const focusedName = (): Promise<string> =>
          page.evaluate('(() => { const el = document.activeElement; return el ? (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 40) : ""; })()');
        const skips: Array<[string, string]> = [
          ['Skip to registries', registry.host],
          ['Skip to repositories', 'Repository tree'],
          ['Skip to tags', 'Tag list'],
          ['Skip to image', 'Image'],
        ];
        for (const [index, [link, lands]] of skips.entries()) {
          // A fresh start of the tab order each time (the URL reopens the same image).
          await page.reload();
          await expect.poll(() => page.locator('table.platforms tbody tr').count()).toBe(3);
          for (let i = 0; i <= index; i++) await page.keyboard.press('Tab');
          expect(await focusedName()).toBe(link);
          // Out of sight until focused, then in view.
          const box = await page.locator('.skip-links').boundingBox();
          expect(box!.width).toBeGreaterThan(100);
          if (index === 1 && size.width === 1024) await page.screenshot({ path: join(SHOTS, 'skip-links.png') });
          await page.keyboard.press('Enter');
          expect(await focusedName()).toContain(lands);
        }
        // From the image pane, the next stop is its first control.
        await page.keyboard.press('Tab');
        expect(await focusedName()).toBe('☆ Watch');
        expect(await page.locator('.skip-links').boundingBox().then((b) => b!.width)).toBeLessThanOrEqual(1);
      } finally {
        await context.close();
      }
    });

    for (const scheme of ['light', 'dark'] as const) {
      it(`tells the open row, picked rows and the keyboard cursor apart in the tag list and the tree, ${scheme}, at ${size.width}×${size.height}`, async () => {
        const { context, page } = await openPage(size, scheme);
        try {
          const [open, picked, cursor, plain] = rig.manyTags.tags.slice().sort();
          await page.goto(serve.url);
          await page.locator(`[data-registry="${rig.registry.host}"] .registry-button`).click();
          await page.getByLabel('Filter repositories').fill(rig.manyTags.repo);
          await page.locator(`[data-repository="${rig.manyTags.repo}"]`).click();
          await page.locator(`[data-tag="${open}"]`).click();
          await page.locator(`[data-tag="${picked}"]`).click({ modifiers: ['Control'] });
          await page.keyboard.press('ArrowDown');
          await expect.poll(() => page.locator(`.virtual-row.active [data-tag="${cursor}"]`).count()).toBe(1);
          const look = (tag: string): Promise<Look> => page.evaluate(`(() => {
            const row = document.querySelector('[data-tag="${tag}"]');
            const style = getComputedStyle(row);
            return { background: style.backgroundColor, color: style.color, outline: style.outlineStyle, mark: getComputedStyle(row, '::before').content };
          })()`);
          const [o, p, c, n] = (await Promise.all([open!, picked!, cursor!, plain!].map(look))) as [Look, Look, Look, Look];
          // Three backgrounds (or marks) that differ, and the cursor framed.
          expect(new Set([o.background, p.background, n.background]).size).toBe(3);
          expect(o.color).not.toBe(n.color);
          expect(p.mark).toBe('"✓"');
          expect(n.mark).not.toBe('"✓"');
          expect(c.outline).toBe('dashed');
          expect(c.background).toBe(n.background);
          expect(o.outline).toBe('none');

          // The tree: the open repository filled, the cursor framed.
          await page.getByLabel('Filter repositories').fill('');
          await page.locator('.repositories [role="treeitem"]:has(.row-label[title="fixtures"])').click();
          await expect.poll(() => page.locator('.tree-row.selected').count()).toBe(1);
          await page.keyboard.press('ArrowDown');
          const tree = await page.evaluate(`(() => {
            const open = document.querySelector('.tree-row.selected');
            const cursor = document.querySelector('.repositories .virtual-row.active .tree-row');
            return { same: open === cursor, open: getComputedStyle(open).backgroundColor, cursor: getComputedStyle(cursor).outlineStyle };
          })()`) as { same: boolean; open: string; cursor: string };
          expect(tree.same).toBe(false);
          expect(tree.open).toBe(o.background);
          expect(tree.cursor).toBe('dashed');
          if (size.width === 1024) await page.screenshot({ path: join(SHOTS, `rows-${scheme}.png`) });
        } finally {
          await context.close();
        }
      });
    }

    it(`copies the pull command from the image and from the tag context menu, which works with the keyboard, at ${size.width}×${size.height}`, async () => {
      const { context, page } = await openPage(size);
      try {
        const clipboard = (): Promise<string> => page.evaluate('navigator.clipboard.readText()');
        const byTag = `docker pull ${registry.host}/${LONG_REPO}:${LONG_TAG}`;
        await page.goto(serve.url);
        await openImage(page, registry.host, LONG_REPO, LONG_TAG);
        // The image pane: by tag, and pinned to the digest.
        await page.getByRole('button', { name: 'Copy pull command', exact: true }).click();
        await expect.poll(clipboard).toBe(byTag);
        await page.getByRole('button', { name: 'Copy pull command by digest' }).click();
        await expect.poll(clipboard).toBe(`docker pull ${registry.host}/${LONG_REPO}@${digest}`);

        // Right click on a tag: the menu, then its pull command on the clipboard.
        await page.evaluate('navigator.clipboard.writeText("")');
        await page.locator('[data-tag="1.0"]').click({ button: 'right' });
        const menu = page.getByRole('menu', { name: 'Tag 1.0' });
        await expect.poll(() => menu.count()).toBe(1);
        expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Copy pull command', 'Copy to…', 'Watch…', 'Copy digest']);
        if (size.width === 1024) await page.screenshot({ path: join(SHOTS, 'tag-menu.png') });
        await menu.getByRole('menuitem', { name: 'Copy pull command' }).click();
        await expect.poll(clipboard).toBe(`docker pull ${registry.host}/${LONG_REPO}:1.0`);
        expect(await menu.count()).toBe(0);

        // The keyboard: Shift+F10 on the cursor's row, the first item focused, Down to "Copy digest", Enter.
        const list = page.getByRole('listbox', { name: 'Tag list' });
        await list.focus();
        await page.keyboard.press('Home');
        await expect.poll(() => page.locator(`.virtual-row.active [data-tag="${LONG_TAG}"]`).count()).toBe(1);
        await page.keyboard.press('Shift+F10');
        const keyMenu = page.getByRole('menu', { name: `Tag ${LONG_TAG}` });
        await expect.poll(() => keyMenu.count()).toBe(1);
        expect(await page.evaluate('document.activeElement.textContent')).toBe('Copy pull command');
        for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
        expect(await page.evaluate('document.activeElement.textContent')).toBe('Copy digest');
        await page.keyboard.press('Enter');
        await expect.poll(clipboard).toBe(digest);
        expect(await keyMenu.count()).toBe(0);
        expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('Tag list');

        // The ContextMenu key opens it too; Escape closes it and the focus is back on the list.
        await page.keyboard.press('ContextMenu');
        await expect.poll(() => keyMenu.count()).toBe(1);
        await page.keyboard.press('Escape');
        expect(await keyMenu.count()).toBe(0);
        expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('Tag list');

        // Copy to… opens the copy dialog for that tag; Watch… the watch form.
        await page.keyboard.press('Shift+F10');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: 'Copy image' });
        await expect.poll(() => dialog.count()).toBe(1);
        await page.keyboard.press('Escape');
        expect(await dialog.count()).toBe(0);
        await list.focus();
        await page.keyboard.press('Shift+F10');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Enter');
        const watch = page.getByRole('dialog', { name: 'Watch settings' });
        await expect.poll(() => watch.count()).toBe(1);
        await page.keyboard.press('Escape');
        expect(await watch.count()).toBe(0);
        const width = await pageWidth(page);
        expect(width.scroll).toBeLessThanOrEqual(width.inner);
      } finally {
        await context.close();
      }
    });
  }
});
