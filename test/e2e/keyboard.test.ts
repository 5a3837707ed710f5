/**
 * The keyboard alone, in real Chromium against `regdesk serve`: registry →
 * repository → tag → platform with Tab, the arrow keys and Enter, the tree's
 * Left and Right, Home and End in 1,200 tags, and Escape closing the dialogs.
 * Every step checks where the focus (or a list's cursor) is, so a broken tab
 * order or a key that does nothing fails here. No mouse event is sent.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, startServe, type Serve } from '../helpers/ui';

const rig = inject('rig');
const host = rig.registry.host;
const manyTags = [...rig.manyTags.tags].sort();
const SHOTS = join(process.cwd(), 'test/e2e/screenshots');

let serve: Serve;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  serve = await startServe(['--registry', host]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

/** What has the focus: its accessible label or text, and for a list, the row under its cursor. */
interface Focus {
  name: string;
  role: string;
  cursor?: string;
  expanded?: string;
}

/** Read through locators: this file has no DOM types, the page has. */
async function focused(): Promise<Focus> {
  const el = page.locator(':focus');
  if (!(await el.count())) return { name: '', role: '' };
  const [label, text, role, tag, cursorId] = await Promise.all([
    el.getAttribute('aria-label'), el.textContent(), el.getAttribute('role'), el.evaluate((e) => e.tagName.toLowerCase()), el.getAttribute('aria-activedescendant'),
  ]);
  const focus: Focus = { name: (label ?? text ?? '').trim().slice(0, 80), role: role ?? tag };
  if (!cursorId) return focus;
  const row = page.locator(`[id="${cursorId}"]`);
  // An attribute of a child the row may not have: looked up only when there (no time limit that load could reach).
  const attributeOf = async (selector: string, name: string): Promise<string | null> => {
    const child = row.locator(selector).first();
    return (await child.count()) ? child.getAttribute(name) : null;
  };
  const [tagName, repository, rowText, expanded] = await Promise.all([
    attributeOf('[data-tag]', 'data-tag'),
    attributeOf('[data-repository]', 'data-repository'),
    row.textContent(),
    row.getAttribute('aria-expanded'),
  ]);
  const cursor = tagName ?? repository ?? rowText?.replace(/[▸▾]/g, '').trim();
  return { ...focus, ...(cursor ? { cursor } : {}), ...(expanded !== null ? { expanded } : {}) };
}

/** Presses `key` until the focus matches, at most `max` times; fails with the path the focus took. */
async function pressUntil(key: string, wanted: (f: Focus) => boolean, what: string, max = 6): Promise<string[]> {
  const path: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused();
    path.push(f.name);
    if (wanted(f)) return path;
  }
  throw new Error(`${what} not reached with ${key}; the focus went: ${path.join(' → ')}`);
}

const named = (name: string) => (f: Focus) => f.name === name;

/** The cursor of the focused list once it has settled (rows render a frame later). */
async function cursorIs(expected: string): Promise<void> {
  await expect.poll(async () => (await focused()).cursor).toBe(expected);
}

describe('keyboard navigation', () => {
  it('browses registry → repository → tag → platform with the keyboard only', async () => {
    await page.goto(serve.url);
    await expect.poll(() => page.locator(`[data-registry="${host}"]`).count()).toBe(1);

    // The skip links come first (navigation.test follows them); the registries are one tab stop after "+": the arrow keys move along them, Enter chooses.
    expect(await pressUntil('Tab', (f) => f.name.includes('Docker Hub'), 'the registry list', 6)).toEqual([
      'Skip to registries', 'Skip to repositories', 'Skip to tags', 'Skip to image', 'Add a registry', expect.stringContaining('Docker Hub'),
    ]);
    await page.keyboard.press('ArrowDown');
    expect((await focused()).name).toContain(host);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator(`[data-registry="${host}"] .registry-button`).getAttribute('aria-pressed')).toBe('true');

    // The chosen registry's Edit button, then straight to the repositories: no other registry, no disabled button.
    expect(await pressUntil('Tab', named('Filter repositories'), 'the repository filter')).toEqual([`Edit ${host}`, 'Refresh repositories', 'Filter repositories']);
    expect(await pressUntil('Tab', named('Repository tree'), 'the repository tree')).toEqual(['Open repository', 'Repository tree']);
    await expect.poll(() => page.locator('.repositories [role="treeitem"]').count()).toBeGreaterThan(1);

    // The tree: Right opens a folder, Right again steps into it, Left goes back to the folder and closes it.
    await cursorIs('a');
    await pressUntil('ArrowDown', (f) => f.cursor === 'fixtures', 'the fixtures folder', 5);
    expect((await focused()).expanded).toBe('false');
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await focused()).expanded).toBe('true');
    await page.keyboard.press('ArrowRight');
    await cursorIs('fixtures/dockerlist');
    await page.keyboard.press('ArrowLeft');
    await cursorIs('fixtures');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await focused()).expanded).toBe('false');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused()).expanded).toBe('true');
    await pressUntil('ArrowDown', (f) => f.cursor === rig.manyTags.repo, rig.manyTags.repo, 5);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.tags .pane-header h2').textContent()).toBe(rig.manyTags.repo);

    // 1,200 tags: the cursor starts on the first, End and Home reach the ends of the list, Enter opens.
    expect(await pressUntil('Tab', named('Tag list'), 'the tag list')).toEqual(['Refresh tags', 'Filter tags', 'Sort tags', 'Tag list']);
    await expect.poll(() => page.locator('.tags [data-tag]').count()).toBeGreaterThan(0);
    await page.keyboard.press('Home');
    await cursorIs(manyTags[0]!);
    await page.keyboard.press('End');
    await cursorIs(manyTags.at(-1)!);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await cursorIs(manyTags[2]!);
    await page.screenshot({ path: join(SHOTS, 'keyboard.png') });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.image .pane-header h2').textContent()).toBe(`${rig.manyTags.repo}:${manyTags[2]}`);

    // Back up to the tree (Shift+Tab), down to the multi-platform image, and open its tag.
    expect(await pressUntil('Shift+Tab', named('Repository tree'), 'the tree, backwards')).toEqual(['Copy to…', 'Sort tags', 'Filter tags', 'Refresh tags', 'Repository tree']);
    await pressUntil('ArrowDown', (f) => f.cursor === rig.fixtures.multi.repo, rig.fixtures.multi.repo, 5);
    await page.keyboard.press('Enter');
    await pressUntil('Tab', named('Tag list'), 'the tag list');
    await cursorIs('1.0');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('table.platforms tbody tr').count()).toBe(3);

    // The platforms are one tab stop: Down moves along them, Enter chooses one, and its layers show.
    expect(await pressUntil('Tab', named('linux/amd64'), 'the platforms')).toEqual(['☆ Watch', 'Copy digest', 'Copy pull command', 'Copy pull command by digest', 'linux/amd64']);
    await page.keyboard.press('ArrowDown');
    expect((await focused()).name).toBe('linux/arm64/v8');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.facts').first().textContent()).toContain('(linux/arm64/v8)');
    expect(await page.locator('table.layers tbody tr').count()).toBe(2);

    // The tabs: one stop, Right switches to the next.
    expect(await pressUntil('Tab', named('layers'), 'the tabs')).toEqual(['layers']);
    await page.keyboard.press('ArrowRight');
    expect((await focused()).name).toBe('config');
    await expect.poll(() => page.locator('.facts.config').textContent()).toContain('REGDESK_FIXTURE=1');
  });

  it('Escape closes the watch popover and the copy dialog, and the focus goes back where it was', async () => {
    expect(await pressUntil('Shift+Tab', named('☆ Watch'), 'the star', 6)).toContain('☆ Watch');
    await page.keyboard.press('Enter');
    const popover = page.getByRole('dialog', { name: 'Watch settings' });
    await expect.poll(() => popover.count()).toBe(1);
    // The focus is inside, on the chosen rule.
    expect(await page.locator(':focus').inputValue()).toBe('both');
    await page.keyboard.press('Escape');
    expect(await popover.count()).toBe(0);
    expect((await focused()).name).toBe('☆ Watch');

    // The opened tag is selected, so "Copy to…" is enabled: Enter opens the dialog, Tab stays inside it.
    await pressUntil('Shift+Tab', named('Copy to…'), '"Copy to…"', 12);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Copy image' });
    await expect.poll(() => dialog.count()).toBe(1);
    expect((await focused()).name).toBe('Destination repository');
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect(await page.locator('[role="dialog"] :focus').count()).toBe(1);
    }
    await page.keyboard.press('Escape');
    expect(await dialog.count()).toBe(0);
    expect((await focused()).name).toBe('Copy to…');
  });
});
