/**
 * The copy cards' data, folded from two sources that race: `copy.updated`
 * events (each carries a job's newest view) and `copy.list` answers (which
 * jobs exist; cleared ones go). A list answer can be older than the events
 * that arrive while it is on its way, so it never takes a card back.
 */
import type { CopyJobView } from '../../shared/contract';

/**
 * Of two views of one job, the newer (higher version) wins. With `seenWhileListing` the
 * incoming views are a list answer: held jobs it lacks go, unless they are still running or
 * an event named them while the list was asked (started, or even finished, after it was read).
 */
export function mergeJobs(held: readonly CopyJobView[], incoming: readonly CopyJobView[], seenWhileListing?: ReadonlySet<string>): CopyJobView[] {
  const byId = new Map<string, CopyJobView>();
  const kept = seenWhileListing ? held.filter((j) => j.state === 'running' || seenWhileListing.has(j.id)) : held;
  for (const job of kept) byId.set(job.id, job);
  for (const job of incoming) {
    const mine = held.find((j) => j.id === job.id);
    byId.set(job.id, mine && mine.version > job.version ? mine : job);
  }
  // Newest first, whatever order they arrived in.
  return [...byId.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id));
}

/** Remembers which jobs events named while a list was being asked. */
export function createJobWitness() {
  const open = new Set<Set<string>>();
  return {
    /** An event about this job arrived. */
    saw(id: string): void {
      for (const seen of open) seen.add(id);
    },
    /**
     * Asks for the list, then merges it into what is held *when the answer arrives*
     * (events folded in meanwhile included), so nothing they said is lost.
     */
    async list(ask: () => Promise<CopyJobView[]>, held: () => readonly CopyJobView[]): Promise<CopyJobView[]> {
      const seen = new Set<string>();
      open.add(seen);
      try {
        const answer = await ask();
        return mergeJobs(held(), answer, seen);
      } finally {
        open.delete(seen);
      }
    },
  };
}
