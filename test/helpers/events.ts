/**
 * Reads serve's event stream (server-sent events) the way the page does, so a
 * test can wait for what the UI would see: a copy job's end, an update event.
 */
import type { CopyJobView, EventMap, EventName } from '../../shared/contract';

export interface EventStream {
  /** Resolves with the first event named `name` (seen from the start of the stream) that `match` accepts. */
  next<E extends EventName>(name: E, match: (payload: EventMap[E]) => boolean): Promise<EventMap[E]>;
  /** The copy job's view once it has ended. */
  jobEnded(id: string): Promise<CopyJobView>;
  close(): void;
}

/** Opens serve's /events and resolves once the stream is open, so nothing emitted afterwards is missed. */
export async function openEvents(serve: { origin: string; token: string }): Promise<EventStream> {
  const controller = new AbortController();
  const res = await fetch(`${serve.origin}/events`, { headers: { 'x-regdesk-token': serve.token }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`serve's /events answered ${res.status}`);
  const seen: Array<{ name: string; payload: unknown }> = [];
  const waiting = new Set<{ name: string; match: (p: unknown) => boolean; resolve: (p: unknown) => void }>();
  const offer = (name: string, payload: unknown): void => {
    seen.push({ name, payload });
    for (const w of waiting) if (w.name === name && w.match(payload)) { waiting.delete(w); w.resolve(payload); }
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (name && data) offer(name, JSON.parse(data));
        }
      }
    } catch {
      // Closed by close().
    }
  })();
  const next = <E extends EventName>(name: E, match: (payload: EventMap[E]) => boolean): Promise<EventMap[E]> => {
    const earlier = seen.find((e) => e.name === name && match(e.payload as EventMap[E]));
    if (earlier) return Promise.resolve(earlier.payload as EventMap[E]);
    return new Promise((resolve) => waiting.add({ name, match: match as (p: unknown) => boolean, resolve: resolve as (p: unknown) => void }));
  };
  return {
    next,
    jobEnded: (id) => next('copy.updated', (job) => job.id === id && job.state !== 'running'),
    close: () => controller.abort(),
  };
}
