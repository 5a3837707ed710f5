/**
 * The closing line tells the truth when hooks fail: vitest runs the deliberately
 * failing files of test/fixtures/failing-hooks (not part of the normal run) in a
 * child process, and the line must count the failed hooks, the file that failed to
 * load and the tests that never ran, not call them skipped.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it('a failed beforeAll, afterAll or file load counts as failed, never as skipped', () => {
  const vitest = resolve('node_modules/vitest/vitest.mjs');
  const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'test/fixtures/failing-hooks/vitest.config.ts'], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  expect(run.status, run.stderr).not.toBe(0);
  // after-all: 1 passed + its hook. before-all: its hook + 2 tests never run. fails-to-load: its load error.
  // suites: 2 passed, 1 skipped on purpose, the failed beforeAll + its test never run, the failed afterAll.
  expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('3 passed, 8 failed, 1 skipped');
}, 60_000);
