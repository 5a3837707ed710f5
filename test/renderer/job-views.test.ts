/**
 * Copy cards folded from events and list answers that race: a list answer
 * asked before a job started or finished never takes its card back.
 */
import { describe, expect, it } from 'vitest';
import type { CopyJobView } from '../../shared/contract';
import { createJobWitness, mergeJobs } from '../../renderer/src/job-views';

function job(id: string, state: CopyJobView['state'], version: number): CopyJobView {
  return {
    id, state, version, source: 'a/src:1', destination: 'b/dst:1', startedAt: `2026-12-04T10:00:0${id.length}.000Z`,
    request: { source: { registry: 'a', repository: 'src', reference: '1' }, destination: { registry: 'b', repository: 'dst', tag: '1' } },
  } as CopyJobView;
}

/** A list call the test answers by hand, after events have arrived. */
function pendingList(): { ask: () => Promise<CopyJobView[]>; answer: (jobs: CopyJobView[]) => void } {
  let answer!: (jobs: CopyJobView[]) => void;
  const promise = new Promise<CopyJobView[]>((resolve) => (answer = resolve));
  return { ask: () => promise, answer };
}

describe('copy cards from events and list answers', () => {
  it('a list answer read before a job finished keeps the done event that overtook it', async () => {
    const witness = createJobWitness();
    let held: CopyJobView[] = [job('a', 'running', 1)];
    const list = pendingList();
    const listed = witness.list(list.ask, () => held);
    witness.saw('a');
    held = mergeJobs(held, [job('a', 'done', 4)]);
    list.answer([job('a', 'running', 2)]);
    expect((await listed).map((j) => [j.id, j.state])).toEqual([['a', 'done']]);
  });

  it('a job that started and finished while the list was asked stays, though the answer lacks it', async () => {
    const witness = createJobWitness();
    let held: CopyJobView[] = [];
    const list = pendingList();
    const listed = witness.list(list.ask, () => held);
    witness.saw('bb');
    held = mergeJobs(held, [job('bb', 'running', 0)]);
    held = mergeJobs(held, [job('bb', 'done', 3)]);
    list.answer([]);
    expect((await listed).map((j) => [j.id, j.state])).toEqual([['bb', 'done']]);
  });

  it('a finished job the list no longer has (cleared) goes; a running one it has not seen yet stays', async () => {
    const witness = createJobWitness();
    const held = [job('a', 'done', 3), job('bb', 'running', 0)];
    const list = pendingList();
    const listed = witness.list(list.ask, () => held);
    list.answer([]);
    expect((await listed).map((j) => j.id)).toEqual(['bb']);
  });

  it('an event forgets nothing and keeps the newer of two views', () => {
    const held = [job('a', 'done', 5), job('bb', 'running', 1)];
    expect(mergeJobs(held, [job('a', 'running', 2)]).map((j) => [j.id, j.state])).toEqual([['bb', 'running'], ['a', 'done']]);
  });
});
