/** sharedFlights: one run per key, joined by later callers, stopped only when every waiter has gone. */
import { describe, expect, it } from 'vitest';
import { sharedFlights } from '../../electron/registry/shared-flight';
import { rejectionOf } from '../helpers/errors';

/** Work that resolves when told to, and records the signal it was given. */
function controllable() {
  let finish!: (value: string) => void;
  const runs: AbortSignal[] = [];
  const work = (signal: AbortSignal): Promise<string> => {
    runs.push(signal);
    return new Promise<string>((resolve, reject) => {
      finish = resolve;
      signal.addEventListener('abort', () => reject(new Error('work aborted')), { once: true });
    });
  };
  return { work, runs, finish: (value: string) => finish(value) };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('sharedFlights', () => {
  it('callers of one key share one run; different keys run apart', async () => {
    const flights = sharedFlights<string, string>();
    const c = controllable();
    const a = flights.join('k', undefined, c.work);
    const b = flights.join('k', undefined, c.work);
    const other = flights.join('other', undefined, async () => 'other');
    await settle();
    expect(c.runs).toHaveLength(1);
    c.finish('done');
    expect(await Promise.all([a, b, other])).toEqual(['done', 'done', 'other']);
    expect(flights.size()).toBe(0);
  });

  it('a waiter without a signal keeps the run alive whoever else cancels', async () => {
    const flights = sharedFlights<string, string>();
    const c = controllable();
    const cancel = new AbortController();
    const leaving = flights.join('k', cancel.signal, c.work);
    const staying = flights.join('k', undefined, c.work);
    await settle();
    cancel.abort();
    expect((await rejectionOf(leaving)).code).toBe('cancelled');
    expect(c.runs[0]!.aborted).toBe(false);
    c.finish('kept');
    expect(await staying).toBe('kept');
  });

  it('the last waiter leaving aborts the run; the next caller starts a new one', async () => {
    const flights = sharedFlights<string, string>();
    const c = controllable();
    const one = new AbortController();
    const two = new AbortController();
    const first = flights.join('k', one.signal, c.work);
    const second = flights.join('k', two.signal, c.work);
    await settle();
    one.abort();
    await rejectionOf(first);
    expect(c.runs[0]!.aborted).toBe(false);
    two.abort();
    await rejectionOf(second);
    expect(c.runs[0]!.aborted).toBe(true);
    const third = flights.join('k', undefined, c.work);
    await settle();
    expect(c.runs).toHaveLength(2);
    c.finish('fresh');
    expect(await third).toBe('fresh');
  });

  it('a timeout signal is a timeout; an already-aborted signal never starts the work', async () => {
    const flights = sharedFlights<string, string>();
    const c = controllable();
    const timedOut = AbortSignal.abort(new DOMException('late', 'TimeoutError'));
    expect((await rejectionOf(flights.join('k', timedOut, c.work))).code).toBe('timeout');
    expect((await rejectionOf(flights.join('k', AbortSignal.abort(), c.work))).code).toBe('cancelled');
    await settle();
    expect(c.runs).toEqual([]);
  });

  it('a failing run fails every waiter with its own error', async () => {
    const flights = sharedFlights<string, string>();
    const failure = new Error('boom');
    const run = async (): Promise<string> => {
      throw failure;
    };
    const results = await Promise.allSettled([flights.join('k', new AbortController().signal, run), flights.join('k', undefined, run)]);
    expect(results).toEqual([{ status: 'rejected', reason: failure }, { status: 'rejected', reason: failure }]);
    expect(flights.size()).toBe(0);
  });
});
