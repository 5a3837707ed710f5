/**
 * The circuit breaker: opens after consecutive failures, fails fast per
 * registry, lets one trial through when half-open, and closes or reopens on
 * its outcome. The clock is injected; no test waits.
 */
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../shared/errors';
import { DEFAULT_BREAKER, isFailure, withBreaker } from '../../electron/registry/transport/breaker';
import { TOKEN_SERVER_FAILURE } from '../../electron/registry/transport/network-errors';
import type { Fetch, RegistryRequest, RegistryResponse } from '../../electron/registry/transport/types';

const A = 'a.example.com';
const B = 'b.example.com:5000';
const OPEN_MS = 60_000;

const req = (registry = A): RegistryRequest => ({ registry, method: 'GET', target: `https://${registry}/v2/` });

function response(status: number): RegistryResponse {
  return { status, headers: {}, body: { dump: async () => undefined } as unknown as RegistryResponse['body'], url: new URL('https://a.example.com/v2/') };
}

const netErr = (code: 'network' | 'timeout' = 'network', registryCode?: string): RegistryError =>
  new RegistryError(code, 'connection refused', { registry: A, ...(registryCode ? { registryCode } : {}) });

type Outcome = number | Error | (() => Promise<RegistryResponse>);

/** A breaker over a `next` whose outcome the test sets before each call; counts what reaches `next`. */
function rig(threshold?: number) {
  let t = 1_000_000;
  let outcome: Outcome = 200;
  const reached: string[] = [];
  const next: Fetch = async (r) => {
    reached.push(r.registry);
    const o = outcome;
    if (typeof o === 'number') return response(o);
    if (o instanceof Error) throw o;
    return o();
  };
  const breaker = withBreaker({ openMs: OPEN_MS, now: () => t, ...(threshold ? { threshold } : {}) });
  const fetch = breaker(next);
  return {
    fetch,
    breaker,
    reached,
    set: (o: Outcome) => {
      outcome = o;
    },
    advance: (ms: number) => {
      t += ms;
    },
    /** Calls and swallows the outcome; returns the status or the error. */
    call: async (registry = A): Promise<number | RegistryError | unknown> => {
      try {
        return (await fetch(req(registry))).status;
      } catch (err) {
        return err;
      }
    },
  };
}

function expectCircuitOpen(err: unknown, registry: string, retryAfterMs: number): void {
  expect(err).toBeInstanceOf(RegistryError);
  const e = err as RegistryError;
  expect(e.code).toBe('network');
  expect(e.context).toEqual({ registry, registryCode: 'CIRCUIT_OPEN', retryAfterMs });
  expect(e.message).toBe(`${registry} is not responding: paused after 5 failures in a row`);
  expect(e.hint).toBe(`regdesk tries again in ${Math.ceil(retryAfterMs / 1000)} s.`);
}

describe('isFailure', () => {
  it('counts 5xx only', () => {
    expect([200, 301, 400, 401, 404, 429, 499].map(isFailure)).toEqual([false, false, false, false, false, false, false]);
    expect([500, 502, 503, 504, 599].map(isFailure)).toEqual([true, true, true, true, true]);
  });

  it('defaults to 5 failures and 60 s', () => {
    expect(DEFAULT_BREAKER.threshold).toBe(5);
    expect(DEFAULT_BREAKER.openMs).toBe(60_000);
  });
});

describe('withBreaker', () => {
  it('starts closed, for any registry', () => {
    const { breaker } = rig();
    expect(breaker.state(A)).toBe('closed');
    expect(breaker.state('never.seen')).toBe('closed');
  });

  it('stays closed after 4 consecutive network errors and opens on the 5th', async () => {
    const r = rig();
    const failure = netErr();
    r.set(failure);
    for (let i = 0; i < 4; i++) {
      expect(await r.call()).toBe(failure);
      expect(r.breaker.state(A)).toBe('closed');
    }
    expect(await r.call()).toBe(failure);
    expect(r.breaker.state(A)).toBe('open');
    expect(r.reached).toHaveLength(5);
  });

  it('fails fast once open: network / CIRCUIT_OPEN / retryAfterMs, without calling the registry', async () => {
    const r = rig();
    r.set(netErr());
    for (let i = 0; i < 5; i++) await r.call();
    r.set(200);
    expectCircuitOpen(await r.call(), A, OPEN_MS);
    r.advance(20_000);
    expectCircuitOpen(await r.call(), A, 40_000);
    r.advance(39_999);
    expectCircuitOpen(await r.call(), A, 1);
    expect(r.reached).toHaveLength(5);
    expect(r.breaker.state(A)).toBe('open');
  });

  it('counts 5xx responses as failures (and still returns them)', async () => {
    const r = rig();
    for (const status of [500, 502, 503, 504]) {
      r.set(status);
      expect(await r.call()).toBe(status);
    }
    expect(r.breaker.state(A)).toBe('closed');
    r.set(503);
    expect(await r.call()).toBe(503);
    expect(r.breaker.state(A)).toBe('open');
    expectCircuitOpen(await r.call(), A, OPEN_MS);
  });

  it('counts a mix of network errors, timeouts and 5xx', async () => {
    const r = rig();
    for (const o of [netErr(), 500, netErr('timeout'), 503, netErr()]) {
      r.set(o);
      await r.call();
    }
    expect(r.breaker.state(A)).toBe('open');
  });

  it('does not count errors that are not the registry failing', async () => {
    const r = rig();
    const others = [
      new RegistryError('cancelled', 'the operation was cancelled'),
      new RegistryError('protocol', 'bad'),
      new RegistryError('authentication', 'no'),
      netErr('network', TOKEN_SERVER_FAILURE),
      netErr('timeout', TOKEN_SERVER_FAILURE),
      new Error('plain'),
    ];
    for (let round = 0; round < 2; round++) {
      for (const o of others) {
        r.set(o);
        expect(await r.call()).toBe(o);
      }
    }
    expect(r.breaker.state(A)).toBe('closed');
    // ... nor do they reset the count of real failures.
    r.set(netErr());
    for (let i = 0; i < 4; i++) await r.call();
    r.set(new RegistryError('cancelled', 'x'));
    await r.call();
    r.set(netErr());
    await r.call();
    expect(r.breaker.state(A)).toBe('open');
  });

  it('keeps one breaker per registry: an open one does not affect another', async () => {
    const r = rig();
    r.set(netErr());
    for (let i = 0; i < 5; i++) await r.call(A);
    expect(r.breaker.state(A)).toBe('open');
    expect(r.breaker.state(B)).toBe('closed');
    r.set(200);
    expect(await r.call(B)).toBe(200);
    expectCircuitOpen(await r.call(A), A, OPEN_MS);
    expect(r.reached.filter((x) => x === B)).toHaveLength(1);
    // B's own failures are counted from zero.
    r.set(500);
    for (let i = 0; i < 4; i++) await r.call(B);
    expect(r.breaker.state(B)).toBe('closed');
    await r.call(B);
    expectCircuitOpen(await r.call(B), B, OPEN_MS);
  });

  it('a 4xx is not a failure and resets the count', async () => {
    const r = rig();
    r.set(netErr());
    for (let i = 0; i < 4; i++) await r.call();
    r.set(404);
    expect(await r.call()).toBe(404);
    r.set(netErr());
    for (let i = 0; i < 4; i++) await r.call();
    expect(r.breaker.state(A)).toBe('closed');
    for (const status of [400, 401, 403, 429]) {
      r.set(status);
      await r.call();
      r.set(503);
      for (let i = 0; i < 4; i++) await r.call();
      expect(r.breaker.state(A)).toBe('closed');
    }
    await r.call();
    expect(r.breaker.state(A)).toBe('open');
  });

  it('a success resets the count', async () => {
    const r = rig();
    r.set(500);
    for (let i = 0; i < 4; i++) await r.call();
    r.set(200);
    await r.call();
    r.set(500);
    for (let i = 0; i < 4; i++) await r.call();
    expect(r.breaker.state(A)).toBe('closed');
  });

  it('honours a custom threshold', async () => {
    const r = rig(2);
    r.set(500);
    await r.call();
    expect(r.breaker.state(A)).toBe('closed');
    await r.call();
    expect(r.breaker.state(A)).toBe('open');
  });

  it('becomes half-open after openMs and lets exactly one trial through; a concurrent call fails fast', async () => {
    const r = rig();
    r.set(netErr());
    for (let i = 0; i < 5; i++) await r.call();
    r.advance(OPEN_MS - 1);
    expect(r.breaker.state(A)).toBe('open');
    r.advance(1);
    expect(r.breaker.state(A)).toBe('half-open');

    let finish!: (res: RegistryResponse) => void;
    r.set(() => new Promise<RegistryResponse>((resolve) => (finish = resolve)));
    const trial = r.fetch(req());
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.reached).toHaveLength(6);

    // While the trial is in flight, everything else fails fast (and says "now": 0 ms).
    const second = await r.call();
    expect(second).toBeInstanceOf(RegistryError);
    expect((second as RegistryError).context).toEqual({ registry: A, registryCode: 'CIRCUIT_OPEN', retryAfterMs: 0 });
    expect(r.reached).toHaveLength(6);

    finish(response(200));
    expect((await trial).status).toBe(200);
    expect(r.breaker.state(A)).toBe('closed');
    r.set(200);
    expect(await r.call()).toBe(200);
    expect(await r.call()).toBe(200);
    expect(r.reached).toHaveLength(8);
  });

  it('a failed trial reopens at once for a full openMs (one failure is enough)', async () => {
    const r = rig();
    r.set(netErr());
    for (let i = 0; i < 5; i++) await r.call();
    r.advance(OPEN_MS + 5000);
    expect(r.breaker.state(A)).toBe('half-open');
    const failure = netErr('timeout');
    r.set(failure);
    expect(await r.call()).toBe(failure);
    expect(r.breaker.state(A)).toBe('open');
    r.set(200);
    expectCircuitOpen(await r.call(), A, OPEN_MS);
    expect(r.reached).toHaveLength(6);
    // And later a new trial gets its chance.
    r.advance(OPEN_MS);
    expect(r.breaker.state(A)).toBe('half-open');
    expect(await r.call()).toBe(200);
    expect(r.breaker.state(A)).toBe('closed');
  });

  it('a trial answered with 5xx reopens too', async () => {
    const r = rig();
    r.set(500);
    for (let i = 0; i < 5; i++) await r.call();
    r.advance(OPEN_MS);
    r.set(502);
    expect(await r.call()).toBe(502);
    expect(r.breaker.state(A)).toBe('open');
  });

  it('a trial answered with 4xx closes it (the registry is up)', async () => {
    const r = rig();
    r.set(500);
    for (let i = 0; i < 5; i++) await r.call();
    r.advance(OPEN_MS);
    r.set(401);
    expect(await r.call()).toBe(401);
    expect(r.breaker.state(A)).toBe('closed');
  });

  it('a trial that ends with an uncounted error (cancelled) leaves it half-open for the next trial', async () => {
    const r = rig();
    r.set(netErr());
    for (let i = 0; i < 5; i++) await r.call();
    r.advance(OPEN_MS);
    const cancelled = new RegistryError('cancelled', 'the operation was cancelled');
    r.set(cancelled);
    expect(await r.call()).toBe(cancelled);
    expect(r.breaker.state(A)).toBe('half-open');
    r.set(200);
    expect(await r.call()).toBe(200);
    expect(r.breaker.state(A)).toBe('closed');
  });
});
