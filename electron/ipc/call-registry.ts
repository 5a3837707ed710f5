/**
 * The main side's record of IPC calls in flight, per window and call id, so the
 * renderer can cancel one it no longer needs (a query it left), and a reloaded
 * or closed window cancels everything its page asked for (a new page numbers
 * its calls from 1 again). A call without a usable id still
 * runs; it just cannot be cancelled.
 */
export interface CallRegistry {
  /** A call starts: its signal, and `end` to forget it once answered. */
  begin(sender: number, id: unknown): { signal: AbortSignal; end(): void };
  cancel(sender: number, id: unknown): void;
  cancelAll(sender: number): void;
}

export function createCallRegistry(): CallRegistry {
  const inFlight = new Map<number, Map<number, AbortController>>();
  const validId = (id: unknown): id is number => typeof id === 'number' && Number.isSafeInteger(id);
  return {
    begin(sender, id) {
      const controller = new AbortController();
      if (!validId(id)) return { signal: controller.signal, end: () => undefined };
      const calls = inFlight.get(sender) ?? new Map<number, AbortController>();
      inFlight.set(sender, calls);
      calls.set(id, controller);
      return {
        signal: controller.signal,
        end() {
          if (calls.get(id) === controller) calls.delete(id);
          // After a reload (cancelAll) the window has a new map: an old call ending must not drop it.
          if (!calls.size && inFlight.get(sender) === calls) inFlight.delete(sender);
        },
      };
    },
    cancel(sender, id) {
      if (validId(id)) inFlight.get(sender)?.get(id)?.abort();
    },
    cancelAll(sender) {
      for (const controller of inFlight.get(sender)?.values() ?? []) controller.abort();
      inFlight.delete(sender);
    },
  };
}
