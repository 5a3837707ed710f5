/**
 * Signing in from the UI: an authentication error offers "Sign in", the form
 * checks the credentials against the registry and keeps them in a real
 * gnome-keyring (private D-Bus session), and the tags load. The password is
 * nowhere in what serve printed.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushStandardFixtures } from '../rig/fixtures';
import { startKeyring, type KeyringSession } from '../rig/keyring';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { cliEnv, startCli } from '../helpers/cli';

let registry: RigRegistry;
let keyring: KeyringSession;
let serve: ReturnType<typeof startCli>;
let browser: Browser;
let url: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
  await pushStandardFixtures(registry);
  keyring = await startKeyring();
  const env = { ...cliEnv(), DBUS_SESSION_BUS_ADDRESS: keyring.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: keyring.env.XDG_RUNTIME_DIR, XDG_DATA_HOME: keyring.env.XDG_DATA_HOME };
  serve = startCli(['serve', '--registry', registry.host], { env });
  url = await new Promise<string>((resolve, reject) => {
    serve.child.stdout!.on('data', (d: Buffer) => {
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/.exec(d.toString());
      if (match) resolve(match[0]);
    });
    void serve.done.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});
afterAll(async () => {
  await browser?.close();
  serve?.child.kill('SIGTERM');
  await serve?.done;
  await keyring?.stop();
  await registry?.stop();
});

describe('sign in from an authentication error', () => {
  it('offers Sign in, keeps the credentials in the keychain, and then reads the registry', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
    await page.goto(url);
    await page.getByRole('button', { name: new RegExp(registry.host) }).click();
    await page.getByLabel('Open repository').fill('fixtures/multi');
    await page.getByLabel('Open repository').press('Enter');
    const signIn = page.locator('.tags').getByRole('button', { name: 'Sign in' });
    await expect.poll(() => signIn.count(), { timeout: 10_000 }).toBe(1);
    await signIn.click();
    expect(await page.getByLabel('Registry address').inputValue()).toBe(registry.host);
    await page.getByLabel('User name').fill('tester');
    await page.getByLabel('Password').fill(DEFAULT_BASIC_USERS.tester);
    await page.getByRole('button', { name: 'Add registry' }).click();
    await expect.poll(() => page.locator(`[data-registry="${registry.host}"]`).textContent(), { timeout: 10_000 }).toContain('signed in as tester');
    await page.getByLabel('Open repository').fill('fixtures/multi');
    await page.getByLabel('Open repository').press('Enter');
    await expect.poll(() => page.locator('[data-tag="1.0"]').count(), { timeout: 10_000 }).toBe(1);
    await page.close();
    serve.child.kill('SIGTERM');
    const printed = await serve.done;
    expect(printed.stdout).toMatch(/^http:\/\/127\.0\.0\.1/);
    expect(printed.stdout + printed.stderr).not.toContain(DEFAULT_BASIC_USERS.tester);
  });
});
