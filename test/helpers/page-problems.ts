/**
 * Errors the pages of the e2e tests report: uncaught exceptions and console errors
 * (the app's own console.error, a resource that failed to load). Each one fails the
 * test during which it arrived (test/helpers/page-problems.setup.ts checks after every
 * test); a test that provokes one on purpose says so with expectPageProblem().
 */
import type { ConsoleMessage, Page } from 'playwright-core';

const problems: string[] = [];
const expected: RegExp[] = [];
const watched = new WeakSet<Page>();

export function watchPage(page: Page): void {
  if (watched.has(page)) return;
  watched.add(page);
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const where = message.location().url;
    problems.push(`console error: ${message.text()}${where ? ` (${where})` : ''}`);
  });
}

/** Problems matching `pattern` are expected until the current test ends. */
export function expectPageProblem(pattern: RegExp): void {
  expected.push(pattern);
}

/** The problems since the last call that no expectation covers; expectations end with it. */
export function takePageProblems(): string[] {
  const found = problems.splice(0).filter((p) => !expected.some((e) => e.test(p)));
  expected.length = 0;
  return found;
}
