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
