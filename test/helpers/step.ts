/** A named step of a test that may hang: a hang fails the test saying which step it was in. */

/** Fails with the step's name if `work` takes longer than `ms`. */
export async function step<T>(name: string, work: Promise<T>, ms = 25_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step "${name}" took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
