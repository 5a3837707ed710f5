/**
 * Signing in from the UI: an authentication error offers "Sign in", a dialog
 * checks the credentials against the registry and keeps them in a real
 * gnome-keyring (private D-Bus session), and the tags load. Editing the
 * registry changes them (a wrong password is refused and changes nothing) or
 * signs out. No password is anywhere in what serve printed.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushStandardFixtures } from '../rig/fixtures';
import { startKeyring, type KeyringSession } from '../rig/keyring';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { cliEnv } from '../helpers/cli';
import { launchChromium, startServe, type Serve } from '../helpers/ui';
import { expectInView } from '../helpers/in-view';

const WRONG_PASSWORD = 'wrong-canary-pw-7f3a';

let registry: RigRegistry;
let keyring: KeyringSession;
let serve: Serve;
let browser: Browser;

beforeAll(async () => {
  registry = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
  await pushStandardFixtures(registry);
  keyring = await startKeyring();
  const env = { ...cliEnv(), DBUS_SESSION_BUS_ADDRESS: keyring.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: keyring.env.XDG_RUNTIME_DIR, XDG_DATA_HOME: keyring.env.XDG_DATA_HOME };
  serve = await startServe(['--registry', registry.host], { env });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await keyring?.stop();
  await registry?.stop();
});

describe('sign in from an authentication error', () => {
  it('offers Sign in, keeps the credentials in the keychain, and then reads the registry', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
    await page.goto(serve.url);
    await page.getByRole('button', { name: new RegExp(registry.host) }).click();
    await page.getByLabel('Open repository').fill('fixtures/multi');
    await page.getByLabel('Open repository').press('Enter');
    const signIn = page.locator('.tags').getByRole('button', { name: 'Sign in' });
    await expect.poll(() => signIn.count()).toBe(1);
    await signIn.click();
    const form = page.getByRole('form', { name: `Sign in to ${registry.host}` });
    await form.getByLabel('User name').fill('tester');
    await form.getByLabel('Password').fill(DEFAULT_BASIC_USERS.tester);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => form.count()).toBe(0);
    await expect.poll(() => page.locator(`[data-registry="${registry.host}"]`).textContent()).toContain('signed in as tester');
    await page.getByLabel('Open repository').fill('fixtures/multi');
    await page.getByLabel('Open repository').press('Enter');
    await expect.poll(() => page.locator('[data-tag="1.0"]').count()).toBe(1);
    await page.close();
  });
});

/** Opens fixtures/multi on the registry; the tags pane then shows its tags or an error. */
async function openMulti(page: Page): Promise<void> {
  await page.getByLabel('Open repository').fill('fixtures/multi');
  await page.getByLabel('Open repository').press('Enter');
}

describe('editing a registry’s credentials', () => {
  it('refuses a wrong password and keeps the credentials it had; signs out; signs in again', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
    await page.goto(serve.url);
    const row = page.locator(`[data-registry="${registry.host}"]`);
    await row.locator('.registry-button').click();
    await expect.poll(() => row.locator('.registry-meta').textContent()).toBe('signed in as tester');

    await row.getByRole('button', { name: `Edit ${registry.host}` }).click();
    const form = page.getByRole('form', { name: `Edit ${registry.host}` });
    expect(await form.getByLabel('User name').inputValue()).toBe('tester');
    await form.getByLabel('Password').fill(WRONG_PASSWORD);
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => form.locator('.error').textContent()).toMatch(/authenticat|credentials|password/i);
    // The error and the form's buttons are in view in the smallest window too.
    await page.setViewportSize({ width: 1024, height: 700 });
    for (const part of [form.locator('.error'), form.getByRole('button', { name: 'Save' }), form.getByRole('button', { name: 'Sign out' })]) await expectInView(page, part);
    await page.setViewportSize({ width: 1440, height: 860 });
    expect(await row.locator('.registry-meta').textContent()).toBe('signed in as tester');
    await openMulti(page);
    await expect.poll(() => page.locator('[data-tag="1.0"]').count()).toBe(1);

    await form.getByRole('button', { name: 'Sign out' }).click();
    // Reachable, but it wants credentials now: that is what the row says, not "unreachable".
    await expect.poll(() => row.locator('.registry-meta').textContent()).toBe('sign-in required');
    // What was on screen is asked again, and the registry now refuses it.
    await expect.poll(() => page.locator('.tags').getByRole('button', { name: 'Sign in' }).count()).toBe(1);

    await row.getByRole('button', { name: `Edit ${registry.host}` }).click();
    await form.getByLabel('User name').fill('tester');
    await form.getByLabel('Password').fill(DEFAULT_BASIC_USERS.tester);
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.locator('.registry-meta').textContent()).toBe('signed in as tester');
    await expect.poll(() => page.locator('[data-tag="1.0"]').count()).toBe(1);
    await page.close();
  });

  it('printed no password, right or wrong', async () => {
    const printed = await serve.stop();
    expect(printed.stdout).toMatch(/^http:\/\/127\.0\.0\.1/);
    for (const secret of [DEFAULT_BASIC_USERS.tester, WRONG_PASSWORD]) expect(printed.stdout + printed.stderr).not.toContain(secret);
  });
});
