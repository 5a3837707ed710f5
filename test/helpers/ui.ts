/**
 * The UI as a user gets it: `regdesk serve` (the built CLI) and Debian's
 * Chromium driven by playwright-core. Used by the e2e tests and the UI
 * benchmark.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { watchPage } from './page-problems';

export const CHROMIUM = '/usr/bin/chromium';
/** Under the integration tests' 60 s timeout. */
export const PAGE_TIMEOUT_MS = 50_000;

export { startServe, type Serve } from './cli';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error('Chromium is missing: apt-get install chromium');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Every page of this browser reports its errors (browser.newPage goes through newContext).
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.on('page', watchPage);
    // Actions and waits give up shortly before the test's own timeout (as expect.poll does), never on a busy machine's pace.
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    watchPage(page);
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    return page;
  };
  return browser;
}
