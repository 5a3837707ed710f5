/**
 * What a 429 says beyond its status, where registries put it instead of a
 * Retry-After header: Docker Hub's answer is a quota (`ratelimit-remaining: 0`
 * for a window of hours), which no retry within minutes can help; GHCR writes
 * the wait in the body (`toomanyrequests: retry-after: 880.092µs, allowed:
 * 44000/minute`), in Go's duration format.
 */

/** `ratelimit-remaining: 0;w=21600`: the quota is used up. */
export function quotaExhausted(headers: Record<string, string | undefined>): boolean {
  return /^\s*0\s*(?:;|$)/.test(headers['ratelimit-remaining'] ?? '');
}

/** The window of a quota (`ratelimit-limit: 100;w=21600`), for the message: "100 per 6 h". */
export function quotaText(headers: Record<string, string | undefined>): string | undefined {
  const match = /^\s*(\d+)\s*;\s*w\s*=\s*(\d+)/.exec(headers['ratelimit-limit'] ?? '');
  if (!match) return undefined;
  const seconds = Number(match[2]);
  const window = seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
  return `${match[1]} per ${window}`;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `retry-after: 880.092µs` (or `1m30s`, `2.5s`) in an error body, in ms rounded up; undefined when absent. */
export function waitInBody(text: string): number | undefined {
  const match = /retry-after:\s*((?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+)/i.exec(text);
  if (!match) return undefined;
  let ms = 0;
  for (const [, value, unit] of match[1]!.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(value) * UNIT_MS[unit!]!;
  return Number.isFinite(ms) ? Math.ceil(ms) : undefined;
}
