/**
 * A named step of a test that may hang. There is no time limit of its own (how long
 * a step takes depends on the machine's load): when the test fails or times out with
 * the step still under way, the failure names the step.
 */
import { onTestFailed } from 'vitest';

export async function step<T>(name: string, work: Promise<T>): Promise<T> {
  let pending = true;
  onTestFailed(({ task }) => {
    if (pending) task.result?.errors?.push({ name: 'UnfinishedStep', message: `the test ended during step "${name}"` });
  });
  try {
    return await work;
  } finally {
    pending = false;
  }
}
