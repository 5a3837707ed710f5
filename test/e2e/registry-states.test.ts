/**
 * Registries in the UI, as a new user meets them, at 1024×700 (the smallest
 * window we promise) and at 1400×860, each with a fresh `serve`: adding one (the address is checked first; an address that
 * does not answer is refused with "Add anyway"; a known one is refused with the
 * name it has), each reason a registry shows no repositories with its own words
 * and action (cannot be reached, paused, wants a sign-in), signing in where no
 * OS keychain exists (kept for this session only), and credentials regdesk does
 * not keep (Docker's login) said with how to remove them. Forms and their errors
 * are dialogs, always in view.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv } from '../helpers/cli';
import { expectInView as inView } from '../helpers/in-view';
import { launchChromium, startServe, type Serve } from '../helpers/ui';
import { pushStandardFixtures } from '../rig/fixtures';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';

const SHOTS = join(process.cwd(), 'test/e2e/screenshots');
/** A name that never resolves (RFC 2606): the address is wrong, not the network. */
const NOWHERE = 'registry.invalid:5000';
/** Nothing listens on port 1: connections are refused, and retried, so the pause after failures shows. */
const REFUSING = '127.0.0.1:1';

let open: RigRegistry;
let locked: RigRegistry;
let viaDocker: RigRegistry;
let serve: Serve;
let browser: Browser;
let page: Page;

/** The window sizes every test runs at; the screenshots of the README are the 1024×700 ones. */
const SIZES = [
  { width: 1024, height: 700, shot: '' },
  { width: 1400, height: 860, shot: '-1400' },
];

beforeAll(async () => {
  open = await startRegistry();
  locked = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
  viaDocker = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
  await Promise.all([pushStandardFixtures(open), pushStandardFixtures(locked)]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([open?.stop(), locked?.stop(), viaDocker?.stop()]);
});

/** A fresh `serve` (no registries added, no sign-in, no paused host) and page at one window size. */
async function openApp(viewport: { width: number; height: number }): Promise<void> {
  // No D-Bus session (cliEnv): the OS keychain is unavailable, as on a server or in a container.
  const env = cliEnv();
  const auth = Buffer.from(`tester:${DEFAULT_BASIC_USERS.tester}`).toString('base64');
  mkdirSync(env.DOCKER_CONFIG!, { recursive: true });
  writeFileSync(join(env.DOCKER_CONFIG!, 'config.json'), JSON.stringify({ auths: { [viaDocker.host]: { auth } } }));
  serve = await startServe(['--registry', locked.host, '--registry', viaDocker.host], { env });
  page = await browser.newPage({ viewport, colorScheme: 'light' });
  await page.goto(serve.url);
}

const expectInView = (locator: Locator): Promise<void> => inView(page, locator);

const row = (host: string): Locator => page.locator(`[data-registry="${host}"]`);
const state = (): Locator => page.locator('.repositories [data-state]');
const listedHosts = async (): Promise<string[]> => page.locator('[data-registry]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-registry') ?? ''));

async function addRegistry(address: string): Promise<Locator> {
  await page.getByRole('button', { name: 'Add a registry' }).click();
  const form = page.getByRole('form', { name: 'Add a registry' });
  await form.getByLabel('Registry address').fill(address);
  await form.getByRole('button', { name: 'Add registry' }).click();
  return form;
}

describe.each(SIZES)('at $width×$height', ({ width, height, shot }) => {
  beforeAll(() => openApp({ width, height }));
  afterAll(async () => {
    await page?.close();
    await serve?.stop();
  });

  describe('adding a registry', () => {
    it('checks the address first: one that does not answer is refused in view, with Add anyway; then the pane says it cannot be reached', async () => {
      const form = await addRegistry(NOWHERE);
      const error = form.locator('.error');
      await expect.poll(() => error.textContent()).toMatch(new RegExp(`${NOWHERE} did not answer as a registry: .*host not found.*Nothing was added`));
      await expectInView(page.getByRole('dialog', { name: 'Add a registry' }));
      expect(await listedHosts()).not.toContain(NOWHERE);
      await page.screenshot({ path: join(SHOTS, `add-unanswered${shot}.png`) });

      await form.getByRole('button', { name: 'Add anyway' }).click();
      await expect.poll(() => form.count()).toBe(0);
      await expect.poll(() => listedHosts()).toContain(NOWHERE);
      await row(NOWHERE).locator('.registry-button').click();
      await expect.poll(() => state().getAttribute('data-state')).toBe('unreachable');
      expect(await state().textContent()).toMatch(new RegExp(`Cannot reach ${NOWHERE}\\.Address: ${NOWHERE}.*host not found`));
      await expectInView(state().getByRole('button', { name: 'Retry' }));
      await page.screenshot({ path: join(SHOTS, `registry-unreachable${shot}.png`) });
    });

    it('adds an address that answers at once; the same address again is refused with the name it has, and nothing changes', async () => {
      const form = await addRegistry(open.host);
      await expect.poll(() => form.count()).toBe(0);
      await page.getByLabel('Filter repositories').fill('fixtures/multi');
      await expect.poll(() => page.locator('[data-repository="fixtures/multi"]').count()).toBe(1);
      await row(open.host).getByRole('button', { name: `Edit ${open.host}` }).click();
      const edit = page.getByRole('form', { name: `Edit ${open.host}` });
      await edit.getByLabel('Display name').fill('Lab');
      await edit.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => row(open.host).locator('.registry-name').textContent()).toBe('Lab');
      const before = await listedHosts();

      const again = await addRegistry(open.host);
      await expect.poll(() => again.locator('.error').textContent()).toContain(`${open.host} is already in your registries as "Lab"`);
      expect(await again.getByRole('button', { name: 'Add anyway' }).count()).toBe(0);
      await again.getByRole('button', { name: 'Cancel' }).click();
      expect(await listedHosts()).toEqual(before);
      expect(await row(open.host).locator('.registry-name').textContent()).toBe('Lab');
    });

    it('a registry that keeps failing is paused, and the pane says when it is asked again', async () => {
      const form = await addRegistry(REFUSING);
      await expect.poll(() => form.locator('.error').textContent()).toContain(`${REFUSING} did not answer as a registry`);
      await form.getByRole('button', { name: 'Add anyway' }).click();
      await row(REFUSING).locator('.registry-button').click();
      // Both reads (the dot's and the catalog's) have failed, each after its retries: more failures in a row than the pause allows.
      await expect.poll(() => row(REFUSING).locator('.registry-meta').textContent()).toContain('unreachable');
      await expect.poll(() => state().count()).toBe(1);
      await state().getByRole('button', { name: 'Retry' }).click();
      await expect.poll(() => state().getAttribute('data-state')).toBe('paused');
      expect(await state().textContent()).toMatch(/Paused: 127\.0\.0\.1:1 failed several times in a row\.regdesk asks it again in \d+ s/);
    });
  });

  describe('signing in', () => {
    it('a registry that wants a sign-in says so with Sign in; without a keychain the sign-in is kept for this session only, and signing out ends it', async () => {
      await row(locked.host).locator('.registry-button').click();
      await expect.poll(() => state().getAttribute('data-state')).toBe('sign-in');
      expect(await state().textContent()).toContain(`${locked.host} wants you to sign in.`);
      await page.screenshot({ path: join(SHOTS, `registry-sign-in${shot}.png`) });

      await state().getByRole('button', { name: 'Sign in' }).click();
      const form = page.getByRole('form', { name: `Sign in to ${locked.host}` });
      await form.getByLabel('User name').fill('tester');
      await form.getByLabel('Password').fill(DEFAULT_BASIC_USERS.tester);
      await form.getByRole('button', { name: 'Sign in' }).click();
      const offer = form.getByRole('button', { name: 'Remember for this session only' });
      await expect.poll(() => offer.count()).toBe(1);
      expect(await form.locator('.error').textContent()).toContain('the OS keychain is not available');
      expect(await form.getByRole('note').textContent()).toContain('it will ask for them again next time');
      await expectInView(page.getByRole('dialog', { name: `Sign in to ${locked.host}` }));
      await page.screenshot({ path: join(SHOTS, `sign-in-session-only${shot}.png`) });

      await offer.click();
      await expect.poll(() => form.count()).toBe(0);
      await expect.poll(() => row(locked.host).locator('.registry-meta').textContent()).toBe('signed in as tester');
      await page.getByLabel('Filter repositories').fill('fixtures/multi');
      await expect.poll(() => page.locator('[data-repository="fixtures/multi"]').count()).toBe(1);

      await row(locked.host).getByRole('button', { name: `Edit ${locked.host}` }).click();
      const edit = page.getByRole('form', { name: `Edit ${locked.host}` });
      expect(await edit.locator('.small-note').textContent()).toBe('Signed in as tester, from this session only: regdesk asks again after it restarts.');
      await expectInView(page.getByRole('dialog', { name: `Edit ${locked.host}` }));
      await edit.getByRole('button', { name: 'Sign out' }).click();
      await expect.poll(() => edit.count()).toBe(0);
      await expect.poll(() => row(locked.host).locator('.registry-meta').textContent()).toBe('sign-in required');
      await expect.poll(() => state().getAttribute('data-state')).toBe('sign-in');
    });

    it('credentials from Docker\'s login are said with where they live and how to remove them; no Sign out that could not', async () => {
      await row(viaDocker.host).locator('.registry-button').click();
      await expect.poll(() => row(viaDocker.host).locator('.registry-meta').textContent()).toBe('signed in as tester');
      await row(viaDocker.host).getByRole('button', { name: `Edit ${viaDocker.host}` }).click();
      const edit = page.getByRole('form', { name: `Edit ${viaDocker.host}` });
      const note = await edit.locator('.small-note').textContent();
      expect(note).toContain("Signed in as tester, from Docker's login (");
      expect(note).toContain(`Signing out here cannot remove them: docker logout ${viaDocker.host}.`);
      expect(await edit.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      await edit.getByRole('button', { name: 'Cancel' }).click();
    });

    it('printed no password', async () => {
      const printed = await serve.stop();
      expect(printed.stdout + printed.stderr).not.toContain(DEFAULT_BASIC_USERS.tester);
    });
  });
});
