/**
 * Retries what a registry or the network may fail at transiently: connection
 * errors, timeouts and 429/500/502/503/504. Exponential backoff with full jitter,
 * Retry-After honoured (seconds or HTTP date) up to a cap, and no retry of a
 * request whose body cannot be sent again. Waiting is cancellable.
 *
 * A POST is not idempotent: the upload-start POST opens a session even when its
 * answer is lost, and a blind retry would leave that session orphaned. It is sent
 * again only when nothing reached the registry, or the registry said it did
 * nothing (429, 503); otherwise the failure goes to the caller, which knows what
 * it started.
 */
import { RegistryError } from '../../../shared/errors';
import { HOST_NOT_FOUND, isTlsFailure, nothingSent } from './network-errors';
import { MAX_ERROR_BODY_BYTES, readBounded } from './body';
import { quotaExhausted, waitInBody } from './throttle';
import { isReplayable, type Fetch, type Layer, type RegistryResponse } from './types';

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the caller gets `rate_limited` with the time instead. */
  maxRetryAfterMs: number;
  /** Injected for tests. */
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  /** Called before each wait, for logs and progress ("retrying in 2 s"). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Answers that say the request was not acted upon: the only ones after which a POST is sent again. */
export const NOT_PROCESSED_STATUSES = new Set([429, 503]);

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RegistryError('cancelled', 'the operation was cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new RegistryError('cancelled', 'the operation was cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 16_000,
  maxRetryAfterMs: 60_000,
  random: Math.random,
  sleep: abortableSleep,
  now: Date.now,
};

/** Parses Retry-After: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only an HTTP date is a date: `-5` or `1.5` would otherwise parse as years and mean "now".
  // HTTP dates (IMF-fixdate, RFC 850, asctime) all start with the day's name.
  if (!/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Full jitter: a random delay in [0, min(cap, base·2^n)], never below a tenth of it so retries are not instant. */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.1 + 0.9 * options.random()));
}

/** Transient failures only: a name that does not exist or a certificate not trusted will be the same on the next try. */
function isRetryableError(err: unknown): boolean {
  return err instanceof RegistryError && (err.code === 'network' || err.code === 'timeout') && err.context.registryCode !== 'CIRCUIT_OPEN' && err.context.registryCode !== HOST_NOT_FOUND
    && !isTlsFailure(err);
}

/** Reads a 429's body (bounded) for a wait written there (GHCR); the body is used up either way. */
async function waitAskedInBody(res: RegistryResponse): Promise<number | undefined> {
  try {
    const text = (await readBounded(res, MAX_ERROR_BODY_BYTES, { registry: res.url.host, what: 'error body' })).toString('utf8');
    return waitInBody(text);
  } catch {
    return undefined;
  }
}

export function withRetry(partial: Partial<RetryOptions> = {}): Layer {
  const options = { ...DEFAULT_RETRY, ...partial };
  return (next: Fetch): Fetch =>
    async (req) => {
      const replayable = isReplayable(req.body);
      const idempotent = req.method !== 'POST';
      for (let attempt = 1; ; attempt++) {
        let res: RegistryResponse | undefined;
        let failure: unknown;
        try {
          res = await next(req);
        } catch (err) {
          failure = err;
        }
        // A request whose own signal fired (a timeout, a cancel) is not retried: the failure stands as it is.
        const last = attempt >= options.attempts || !replayable || Boolean(req.signal?.aborted);
        if (res && !RETRY_STATUSES.has(res.status)) return res;
        if (res && !idempotent && !NOT_PROCESSED_STATUSES.has(res.status)) return res;
        if (failure !== undefined && (!isRetryableError(failure) || last || (!idempotent && !nothingSent(failure)))) throw failure;

        let delay = backoffDelay(attempt, options);
        let reason = failure instanceof RegistryError ? failure.message : `HTTP ${res?.status}`;
        if (res) {
          // A quota used up (Docker Hub) lasts hours: the caller says so at once.
          if (res.status === 429 && quotaExhausted(res.headers)) return res;
          const retryAfter = parseRetryAfter(res.headers['retry-after'], options.now());
          if (retryAfter !== undefined) {
            if (retryAfter > options.maxRetryAfterMs) return res; // the caller reports rate_limited with the time
            delay = retryAfter;
            reason += ` (Retry-After ${Math.ceil(retryAfter / 1000)} s)`;
          }
          if (last) return res;
          const inBody = retryAfter === undefined && res.status === 429 ? await waitAskedInBody(res) : undefined;
          await res.body.dump().catch(() => undefined);
          if (inBody !== undefined) {
            if (inBody > options.maxRetryAfterMs) {
              throw new RegistryError('rate_limited', `${req.registry}: rate limit reached (the registry asks to wait ${Math.ceil(inBody / 1000)} s)`, { registry: req.registry, status: 429, retryAfterMs: inBody },
                `The registry limits requests. Try again in ${Math.ceil(inBody / 1000)} s.`);
            }
            delay = inBody;
            reason += ` (the registry asked for ${inBody} ms in its answer)`;
          }
        }
        options.onRetry?.({ attempt, delayMs: delay, reason });
        await options.sleep(delay, req.signal);
      }
    };
}
