/**
 * Ends every run with the plain line CI reads: `N passed, N failed, N skipped`.
 * Failed counts every failed test, every error outside a test (a failed hook, a
 * file that failed to load, an unhandled error), and every test that could not run
 * because a hook of its file or suite failed: those were not skipped by anyone.
 * Skipped is only what was skipped on purpose (it.skip, skipIf, a -t filter).
 */
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

/** True when the test's file or one of its suites reported an error of its own (a hook, collection). */
function underFailedScope(test: TestCase): boolean {
  for (let scope: TestSuite | TestModule = test.parent; ; scope = scope.parent) {
    if (scope.errors().length > 0) return true;
    if (scope.type === 'module') return false;
  }
}

export function tally(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): Tally {
  const count: Tally = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
  for (const module of testModules) {
    count.failed += module.errors().length;
    for (const suite of module.children.allSuites()) count.failed += suite.errors().length;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') count.passed++;
      else if (state === 'failed') count.failed++;
      // Meant to run but never did: its hook failed, or the run ended before it.
      else if (test.options.mode === 'run' && (state === 'pending' || underFailedScope(test))) count.failed++;
      else count.skipped++;
    }
  }
  return count;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const { passed, failed, skipped } = tally(testModules, unhandledErrors);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
