/**
 * One piece of work shared by every caller that asks for the same key while it
 * runs (a token fetch, an update-check run). The work gets its own signal,
 * aborted only when every caller waiting for it has gone, so one caller's
 * cancel never fails the others; each caller still stops at once on its own signal.
 */
import { RegistryError } from '../../shared/errors';

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/** What a caller whose own signal fired gets: a timeout for AbortSignal.timeout(), else a cancel. */
function abandoned(signal: AbortSignal): RegistryError {
  if ((signal.reason as { name?: string } | undefined)?.name === 'TimeoutError') {
    return new RegistryError('timeout', 'the operation took too long', {}, 'Check the network, or try again later.');
  }
  return new RegistryError('cancelled', 'the operation was cancelled');
}

export interface SharedFlights<K, T> {
  /** Runs `work` for `key`, or joins the run already under way for it. */
  join(key: K, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Runs under way. */
  size(): number;
}

export function sharedFlights<K, T>(): SharedFlights<K, T> {
  const flights = new Map<K, Flight<T>>();

  const start = (key: K, work: (signal: AbortSignal) => Promise<T>): Flight<T> => {
    const controller = new AbortController();
    const flight: Flight<T> = { controller, waiters: 0, promise: Promise.resolve(undefined as T) };
    flight.promise = Promise.resolve()
      .then(() => work(controller.signal))
      .finally(() => {
        if (flights.get(key) === flight) flights.delete(key);
      });
    // Every waiter may have left; the outcome is then nobody's to handle.
    flight.promise.catch(() => undefined);
    flights.set(key, flight);
    return flight;
  };

  const wait = (key: K, flight: Flight<T>, signal: AbortSignal | undefined): Promise<T> => {
    if (!signal) {
      flight.waiters++;
      return flight.promise;
    }
    if (signal.aborted) return Promise.reject(abandoned(signal));
    flight.waiters++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        flight.waiters--;
        if (flight.waiters === 0) {
          // The last one left: stop the work, and let the next caller start afresh rather than join a dying run.
          if (flights.get(key) === flight) flights.delete(key);
          flight.controller.abort(signal.reason);
        }
        reject(abandoned(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  };

  return {
    join: (key, signal, work) => {
      if (signal?.aborted) return Promise.reject(abandoned(signal));
      return wait(key, flights.get(key) ?? start(key, work), signal);
    },
    size: () => flights.size,
  };
}
