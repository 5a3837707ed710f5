/**
 * Runs `task` over `items` with at most `limit` in flight. After the first
 * failure no new item starts, and the call settles only when every running
 * task has finished (so their cleanup, like deleting upload sessions, is done);
 * then it rejects with the first error.
 */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!firstError && next < items.length) {
      const i = next++;
      try {
        await task(items[i]!, i);
      } catch (error) {
        firstError ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (firstError) throw firstError.error;
}

/** Wraps tasks so at most `limit` run at once; the others wait their turn, in order. */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active < limit) active++;
    // A finishing task hands its slot straight to the next waiter, so the limit holds at every moment.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
