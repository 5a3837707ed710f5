/** What a 429 says beyond its status (Docker Hub's quota, GHCR's wait in the body), and what the retry layer does with it. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../shared/errors';
import { withRetry } from '../../electron/registry/transport/retry';
import { quotaExhausted, quotaText, waitInBody } from '../../electron/registry/transport/throttle';
import type { RegistryResponse } from '../../electron/registry/transport/types';

describe('what a 429 says beyond its status', () => {
  it('reads the wait GHCR writes in the body, in Go duration format, rounded up to ms', () => {
    expect(waitInBody('{"errors":[{"code":"TOOMANYREQUESTS","message":"toomanyrequests: retry-after: 880.092µs, allowed: 44000/minute"}]}')).toBe(1);
    expect(waitInBody('retry-after: 1m30s')).toBe(90_000);
    expect(waitInBody('retry-after: 2.5s')).toBe(2500);
    expect(waitInBody('Retry-After: 250ms')).toBe(250);
    expect(waitInBody('You have reached your pull rate limit')).toBeUndefined();
    expect(waitInBody('retry-after: soon')).toBeUndefined();
  });

  it('tells a used-up quota (Docker Hub) from a short limit', () => {
    expect(quotaExhausted({ 'ratelimit-remaining': '0;w=21600' })).toBe(true);
    expect(quotaExhausted({ 'ratelimit-remaining': '0' })).toBe(true);
    expect(quotaExhausted({ 'ratelimit-remaining': '10;w=21600' })).toBe(false);
    expect(quotaExhausted({ 'ratelimit-remaining': '' })).toBe(false);
    expect(quotaExhausted({})).toBe(false);
    expect(quotaText({ 'ratelimit-limit': '100;w=21600' })).toBe('100 per 6 h');
    expect(quotaText({ 'ratelimit-limit': '200;w=60' })).toBe('200 per 1 min');
    expect(quotaText({ 'ratelimit-limit': '' })).toBeUndefined();
  });
});

describe('the retry layer and a 429', () => {
  const REQ = { registry: 'r.example.com', method: 'GET' as const, target: 'https://r.example.com/v2/a/tags/list' };
  const answer = (status: number, headers: Record<string, string>, text: string): RegistryResponse => {
    const body = Object.assign(Readable.from([Buffer.from(text)]), { dump: async () => undefined }) as unknown as RegistryResponse['body'];
    return { status, headers, body, url: new URL(REQ.target) };
  };
  const options = (delays: number[]) => ({ attempts: 3, random: () => 1, sleep: async (ms: number) => void delays.push(ms) });

  it('waits what the body asks (GHCR), then tries again', async () => {
    const delays: number[] = [];
    const replies = [answer(429, {}, '{"errors":[{"code":"TOOMANYREQUESTS","message":"toomanyrequests: retry-after: 880.092µs, allowed: 44000/minute"}]}'), answer(200, {}, '{}')];
    const res = await withRetry(options(delays))(async () => replies.shift()!)(REQ);
    expect(res.status).toBe(200);
    expect(delays).toEqual([1]);
  });

  it('a body asking for more than the longest wait ends as rate_limited, with the time', async () => {
    const err = await withRetry(options([]))(async () => answer(429, {}, 'retry-after: 5m'))(REQ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ code: 'rate_limited', context: { retryAfterMs: 300_000 } });
  });

  it('a used-up quota (Docker Hub) is returned at once', async () => {
    let calls = 0;
    const res = await withRetry(options([]))(async () => {
      calls++;
      return answer(429, { 'ratelimit-remaining': '0;w=21600' }, 'You have reached your pull rate limit');
    })(REQ);
    expect(res.status).toBe(429);
    expect(calls).toBe(1);
  });
});
