import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          // The renderer's logic in a DOM (happy-dom): lists, trees, the transport.
          name: 'renderer',
          include: ['test/renderer/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
        },
        esbuild: { jsx: 'automatic' },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // One run-wide registry holds the expensive fixtures (1,050 repositories, 1,200 tags).
          globalSetup: ['test/global-setup.ts'],
          // A page error or console error in an e2e test fails it.
          setupFiles: ['test/helpers/page-problems.setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // What a test waits for may be slow on a busy machine, never wrongly timed: a poll gives up
          // only shortly before the test's own timeout, with a message that says what it waited for.
          expect: { poll: { timeout: 50_000 } },
        },
      },
    ],
  },
});
