/**
 * Records Docker Hub's rate-limit headers (`ratelimit-limit: 100;w=21600`,
 * `ratelimit-remaining: 76;w=21600`) per registry, so the UI can show a meter.
 */
import type { Fetch, Layer } from './types';

export interface RateLimit {
  limit: number;
  remaining: number;
  /** The window the limit applies to, in seconds, when the registry says. */
  windowSeconds?: number;
  /** When these figures were read (epoch ms). */
  observedAt: number;
}

function parseQuota(value: string | undefined): { count: number; window?: number } | undefined {
  const match = /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/.exec(value ?? '');
  if (!match) return undefined;
  return { count: Number(match[1]), ...(match[2] ? { window: Number(match[2]) } : {}) };
}

export function withRateLimitTracking(): Layer & { rateLimit(registry: string): RateLimit | undefined } {
  const seen = new Map<string, RateLimit>();
  const layer = (next: Fetch): Fetch =>
    async (req) => {
      const res = await next(req);
      const limit = parseQuota(res.headers['ratelimit-limit']);
      const remaining = parseQuota(res.headers['ratelimit-remaining']);
      if (limit && remaining) {
        const window = remaining.window ?? limit.window;
        seen.set(req.registry, { limit: limit.count, remaining: remaining.count, ...(window ? { windowSeconds: window } : {}), observedAt: Date.now() });
      }
      return res;
    };
  return Object.assign(layer, { rateLimit: (registry: string) => seen.get(registry) });
}
