/** The tag list's details: one call per render's rows, the shared-digest mark, and the labels. */
import { describe, expect, it } from 'vitest';
import type { TagDetailResult } from '../../shared/contract';
import { ageLabel, createDetailBatcher, sameDigestAs, sizeLabel } from '../../renderer/src/tag-details';

const detail = (tag: string, digest: string): TagDetailResult => ({ tag, digest, mediaType: 'application/vnd.oci.image.index.v1+json', platforms: [] });

describe('createDetailBatcher', () => {
  it('asks the tags of one task in one call per repository, and each row gets its own answer', async () => {
    const calls: Array<{ repository: string; tags: string[] }> = [];
    const batcher = createDetailBatcher(async (_registry, repository, tags) => {
      calls.push({ repository, tags });
      return tags.map((t) => (t === 'bad' ? { tag: t, error: { code: 'protocol' as const, message: 'malformed' } } : detail(t, `sha256:${t}`)));
    });
    const signal = new AbortController().signal;
    const answers = await Promise.all([
      batcher.load('r', 'a', '1.0', signal), batcher.load('r', 'a', 'bad', signal), batcher.load('r', 'b', 'x', signal),
    ]);
    expect(calls).toEqual([{ repository: 'a', tags: ['1.0', 'bad'] }, { repository: 'b', tags: ['x'] }]);
    expect(answers.map((a) => a.tag)).toEqual(['1.0', 'bad', 'x']);
    expect(answers[1]).toMatchObject({ error: { code: 'protocol' } });
  });

  it('cancels a call only once every row waiting for it has left', async () => {
    let seen: AbortSignal | undefined;
    const batcher = createDetailBatcher((_r, _repo, _tags, signal) => {
      seen = signal;
      return new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled'))));
    });
    const [a, b] = [new AbortController(), new AbortController()];
    const first = batcher.load('r', 'a', '1', a.signal);
    const second = batcher.load('r', 'a', '2', b.signal);
    await Promise.resolve();
    a.abort();
    expect(seen?.aborted).toBe(false);
    b.abort();
    expect(seen?.aborted).toBe(true);
    await expect(first).rejects.toThrow('cancelled');
    await expect(second).rejects.toThrow('cancelled');
  });
});

describe('sameDigestAs', () => {
  it('names the other loaded tags with the digest, in the list\'s order; unread and failed tags are left out', () => {
    const loaded = new Map<string, TagDetailResult>([
      ['latest', detail('latest', 'sha256:a')], ['2.0', detail('2.0', 'sha256:a')], ['1.0', detail('1.0', 'sha256:b')],
      ['stable', detail('stable', 'sha256:a')], ['bad', { tag: 'bad', error: { code: 'protocol', message: 'x' } }],
    ]);
    const same = sameDigestAs(loaded, ['2.0', '1.0', 'bad', 'latest', 'stable', 'unread']);
    expect(same.get('latest')).toEqual(['2.0', 'stable']);
    expect(same.get('2.0')).toEqual(['latest', 'stable']);
    expect(same.has('1.0')).toBe(false);
    expect(same.has('bad')).toBe(false);
  });
});

describe('labels', () => {
  it('writes sizes and ranges compactly, and ages from the created date', () => {
    expect(sizeLabel({ min: 5300, max: 5300 })).toBe('5.3 KB');
    expect(sizeLabel({ min: 5300, max: 5400 })).toBe('5.3–5.4 KB');
    expect(sizeLabel({ min: 900, max: 5400 })).toBe('900 B–5.4 KB');
    expect(sizeLabel(undefined)).toBe('');
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(ageLabel('2026-12-01T12:00:00Z', now)).toEqual({ label: '3 days ago', exact: '2026-12-01 12:00:00 UTC' });
    expect(ageLabel('2026-12-04T11:59:30Z', now)?.label).toBe('just now');
    expect(ageLabel('2026-12-04T11:00:00Z', now)?.label).toBe('1 hour ago');
    expect(ageLabel('2024-01-01T00:00:00Z', now)?.label).toBe('2 years ago');
    expect(ageLabel('not a date', now)).toBeUndefined();
    expect(ageLabel(undefined, now)).toBeUndefined();
  });
});
