import { describe, expect, it } from 'vitest';
import { createCallRegistry } from '../../electron/ipc/call-registry';

describe('createCallRegistry (IPC calls in flight)', () => {
  it('cancels exactly the call named, from the window that made it', () => {
    const calls = createCallRegistry();
    const a = calls.begin(1, 7);
    const b = calls.begin(1, 8);
    const other = calls.begin(2, 7);
    calls.cancel(1, 7);
    expect([a.signal.aborted, b.signal.aborted, other.signal.aborted]).toEqual([true, false, false]);
  });

  it('a closed window cancels everything it asked for, and only that', () => {
    const calls = createCallRegistry();
    const a = calls.begin(1, 1);
    const b = calls.begin(1, 2);
    const other = calls.begin(2, 1);
    calls.cancelAll(1);
    expect([a.signal.aborted, b.signal.aborted, other.signal.aborted]).toEqual([true, true, false]);
  });

  it('after a reload, a call of the old page ending late leaves the new page\'s calls cancellable (ids start again)', () => {
    const calls = createCallRegistry();
    const old = calls.begin(1, 5);
    calls.cancelAll(1); // the page reloads
    const fresh5 = calls.begin(1, 5);
    fresh5.end();
    const fresh6 = calls.begin(1, 6);
    old.end(); // the old page's call answers at last
    calls.cancel(1, 6);
    expect(fresh6.signal.aborted).toBe(true);
    const fresh7 = calls.begin(1, 7);
    calls.cancelAll(1);
    expect(fresh7.signal.aborted).toBe(true);
  });

  it('an ended call is forgotten: a late cancel of its id does nothing', () => {
    const calls = createCallRegistry();
    const done = calls.begin(1, 5);
    done.end();
    calls.cancel(1, 5);
    expect(done.signal.aborted).toBe(false);
  });

  it('a call without a usable id runs but cannot be cancelled', () => {
    const calls = createCallRegistry();
    for (const id of [undefined, '5', 1.5, Number.NaN, { valueOf: () => 5 }]) {
      const call = calls.begin(1, id);
      calls.cancel(1, id);
      calls.cancel(1, 5);
      expect(call.signal.aborted).toBe(false);
      call.end();
    }
  });
});
