/** Setup of the integration project: a page error or console error during a test fails it (see page-problems.ts). */
import { afterEach } from 'vitest';
import { takePageProblems } from './page-problems';

afterEach(() => {
  const found = takePageProblems();
  if (found.length > 0) throw new Error(`the page reported ${found.length} error(s):\n${found.join('\n')}`);
});
