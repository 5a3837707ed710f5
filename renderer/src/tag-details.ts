/**
 * The tag list's details (digest, platforms, size, age), asked for the rows in
 * view only: each row is its own query (cached, so scrolling back asks
 * nothing), and the rows asked in one render travel as one `tags.details` call.
 */
import { MAX_TAG_DETAILS, type TagDetailResult, type TagDetailView } from '../../shared/contract';
import { displayDigest, humanBytes } from '../../shared/format';

type Ask = (registry: string, repository: string, tags: string[], signal: AbortSignal) => Promise<TagDetailResult[]>;

interface Waiter {
  tag: string;
  signal: AbortSignal;
  resolve: (detail: TagDetailResult) => void;
  reject: (err: unknown) => void;
}

const aborted = () => new DOMException('the rows left the view', 'AbortError');

/**
 * Collects the tags asked in one task (one render's rows) per repository and
 * asks them in calls of at most MAX_TAG_DETAILS. A call is cancelled once
 * every row that waits for it has been left (their queries cancelled).
 */
export function createDetailBatcher(ask: Ask) {
  const pending = new Map<string, { registry: string; repository: string; waiters: Waiter[] }>();

  const send = (registry: string, repository: string, waiters: Waiter[]) => {
    const controller = new AbortController();
    const leave = () => {
      if (waiters.every((w) => w.signal.aborted)) controller.abort();
    };
    for (const w of waiters) w.signal.addEventListener('abort', leave, { once: true });
    ask(registry, repository, waiters.map((w) => w.tag), controller.signal).then((details) => {
      const byTag = new Map(details.map((d) => [d.tag, d]));
      for (const w of waiters) {
        const detail = byTag.get(w.tag);
        if (detail) w.resolve(detail);
        else w.reject(new Error(`no details came back for ${w.tag}`));
      }
    }, (err: unknown) => {
      for (const w of waiters) w.reject(err);
    }).finally(() => {
      for (const w of waiters) w.signal.removeEventListener('abort', leave);
    });
  };

  const flush = (key: string) => {
    const batch = pending.get(key);
    pending.delete(key);
    if (!batch) return;
    const live = batch.waiters.filter((w) => {
      if (w.signal.aborted) w.reject(aborted());
      return !w.signal.aborted;
    });
    for (let i = 0; i < live.length; i += MAX_TAG_DETAILS) send(batch.registry, batch.repository, live.slice(i, i + MAX_TAG_DETAILS));
  };

  return {
    load(registry: string, repository: string, tag: string, signal: AbortSignal): Promise<TagDetailResult> {
      return new Promise((resolve, reject) => {
        const key = `${registry}\n${repository}`;
        let batch = pending.get(key);
        if (!batch) {
          pending.set(key, (batch = { registry, repository, waiters: [] }));
          queueMicrotask(() => flush(key));
        }
        batch.waiters.push({ tag, signal, resolve, reject });
      });
    },
  };
}

export const isDetail = (d: TagDetailResult | undefined): d is TagDetailView => d !== undefined && !('error' in d);

/**
 * For each loaded tag whose digest another loaded tag shares: the others, in
 * the list's order (so `latest` reads "= 2.0" when the newest version comes first).
 */
export function sameDigestAs(details: ReadonlyMap<string, TagDetailResult>, order: readonly string[]): Map<string, string[]> {
  const byDigest = new Map<string, string[]>();
  for (const tag of order) {
    const d = details.get(tag);
    if (!isDetail(d)) continue;
    byDigest.set(d.digest, [...(byDigest.get(d.digest) ?? []), tag]);
  }
  const same = new Map<string, string[]>();
  for (const tags of byDigest.values()) {
    if (tags.length < 2) continue;
    for (const tag of tags) same.set(tag, tags.filter((t) => t !== tag));
  }
  return same;
}

/** `linux/amd64`, or `3 platforms` (the list is the title); empty when the registry named none. */
export function platformsLabel(platforms: readonly string[]): string {
  if (!platforms.length) return '';
  return platforms.length === 1 ? platforms[0]! : `${platforms.length} platforms`;
}

/** `5.3 KB`, or the platforms' range: `5.3–5.4 KB` (one unit when both share it). */
export function sizeLabel(size: { min: number; max: number } | undefined): string {
  if (!size) return '';
  const [min, max] = [humanBytes(size.min), humanBytes(size.max)];
  if (min === max) return max;
  const [minValue, minUnit] = min.split(' ');
  return minUnit === max.split(' ')[1] ? `${minValue}–${max}` : `${min}–${max}`;
}

/** A tag's failure in a few words (the whole message is the row's tooltip). */
export function failureLabel(code: string): string {
  const labels: Record<string, string> = {
    protocol: 'malformed manifest', digest_mismatch: 'digest does not match', not_found: 'manifest not found', unsupported: 'unsupported manifest',
    authentication: 'sign-in needed', authorization: 'access denied', rate_limited: 'rate limited', invalid_reference: 'invalid tag name',
  };
  return labels[code] ?? 'could not be read';
}

export const shortDigest = (digest: string): string => displayDigest(digest).replace(/^sha256:/, '');

/** `3 days ago`, from a timestamp and now; undefined for what is not a date. */
export function ageLabel(created: string | undefined, now: number): { label: string; exact: string } | undefined {
  const at = created ? Date.parse(created) : NaN;
  if (!Number.isFinite(at)) return undefined;
  const exact = new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 0) return { label: 'in the future', exact };
  const steps: Array<[number, string]> = [[60, 'second'], [60, 'minute'], [24, 'hour'], [30, 'day'], [12, 'month'], [Infinity, 'year']];
  let value = seconds;
  for (const [per, unit] of steps) {
    if (value < per) {
      if (unit === 'second') return { label: 'just now', exact };
      return { label: `${value} ${unit}${value === 1 ? '' : 's'} ago`, exact };
    }
    value = Math.floor(value / per);
  }
  return { label: '', exact };
}
