/**
 * A circuit breaker per registry, so a dead registry fails fast instead of
 * being hammered: after `threshold` consecutive failures (network errors,
 * timeouts, 5xx) it opens for `openMs`; then one trial request is let through
 * (half-open), whose outcome closes or reopens it.
 */
import { RegistryError } from '../../../shared/errors';
import { TOKEN_SERVER_FAILURE } from './network-errors';
import type { Fetch, Layer } from './types';

export interface BreakerOptions {
  threshold: number;
  openMs: number;
  now: () => number;
}

export const DEFAULT_BREAKER: BreakerOptions = { threshold: 5, openMs: 60_000, now: Date.now };

type State = { failures: number; openedAt?: number; trialInFlight?: boolean };

export function isFailure(status: number): boolean {
  return status >= 500;
}

export function withBreaker(partial: Partial<BreakerOptions> = {}): Layer & { state(registry: string): 'closed' | 'open' | 'half-open'; reset(registry: string): void } {
  const options = { ...DEFAULT_BREAKER, ...partial };
  const states = new Map<string, State>();

  const phase = (s: State | undefined): 'closed' | 'open' | 'half-open' => {
    if (!s || s.openedAt === undefined) return 'closed';
    return options.now() - s.openedAt >= options.openMs ? 'half-open' : 'open';
  };

  const layer = (next: Fetch): Fetch =>
    async (req) => {
      // One short cleanup request is worth more than the pause: it leaves nothing open at the registry.
      if (req.cleanup) return next(req);
      const state = states.get(req.registry) ?? { failures: 0 };
      states.set(req.registry, state);
      const current = phase(state);
      if (current === 'open' || (current === 'half-open' && state.trialInFlight)) {
        const waitMs = Math.max(0, state.openedAt! + options.openMs - options.now());
        throw new RegistryError('network', `${req.registry} is not responding: paused after ${options.threshold} failures in a row`,
          { registry: req.registry, registryCode: 'CIRCUIT_OPEN', retryAfterMs: waitMs },
          `regdesk tries again in ${Math.ceil(waitMs / 1000)} s.`);
      }
      if (current === 'half-open') state.trialInFlight = true;
      const fail = (): void => {
        state.failures++;
        if (current === 'half-open' || state.failures >= options.threshold) state.openedAt = options.now();
      };
      try {
        const res = await next(req);
        if (isFailure(res.status)) fail();
        else {
          state.failures = 0;
          delete state.openedAt;
        }
        return res;
      } catch (err) {
        // A failing token server is another host's trouble: the registry's breaker stays as it is.
        if (err instanceof RegistryError && (err.code === 'network' || err.code === 'timeout') && err.context.registryCode !== TOKEN_SERVER_FAILURE) fail();
        throw err;
      } finally {
        if (current === 'half-open') state.trialInFlight = false;
      }
    };
  return Object.assign(layer, {
    state: (registry: string) => phase(states.get(registry)),
    /** Closes the breaker (the registry's settings changed: past failures say nothing about the new ones). */
    reset: (registry: string) => void states.delete(registry),
  });
}
