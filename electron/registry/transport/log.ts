/**
 * Request logging for `--verbose`: method, URL without secrets, status, time.
 * Sits just above the wire so every hop (redirects, token requests) shows.
 */
import { redactApiUrl } from './redact';
import type { Fetch, Layer, RequestLogger } from './types';

export function withLogging(log: RequestLogger | undefined): Layer {
  if (!log) return (next) => next;
  return (next: Fetch): Fetch =>
    async (req) => {
      const started = Date.now();
      try {
        const res = await next(req);
        log(`${req.method} ${redactApiUrl(req.target)} → ${res.status} (${Date.now() - started} ms)`);
        return res;
      } catch (err) {
        log(`${req.method} ${redactApiUrl(req.target)} → ${(err as { code?: string }).code ?? 'error'} (${Date.now() - started} ms)`);
        throw err;
      }
    };
}
