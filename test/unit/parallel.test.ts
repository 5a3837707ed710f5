import { describe, expect, it } from 'vitest';
import { createLimiter, inParallel } from '../../electron/registry/parallel';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('createLimiter', () => {
  it('never runs more than the limit at once, and starts tasks in the order they were asked, late callers included', async () => {
    const limit = createLimiter(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => limit(async () => {
      started.push(i);
      peak = Math.max(peak, ++running);
      await tick();
      running--;
      return i;
    });
    const first = Array.from({ length: 10 }, (_, i) => task(i));
    await tick();
    // Callers arriving while the first ones still run wait behind them.
    const late = Array.from({ length: 5 }, (_, i) => task(10 + i));
    expect(await Promise.all([...first, ...late])).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('a failing task frees its slot and rejects only its own caller', async () => {
    const limit = createLimiter(1);
    const failed = limit(async () => {
      throw new Error('boom');
    });
    const next = limit(async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });
});

describe('inParallel', () => {
  it('stops starting items after the first failure and rejects with it once the running ones end', async () => {
    const seen: number[] = [];
    let finished = 0;
    const run = inParallel([0, 1, 2, 3, 4, 5], 2, async (i) => {
      seen.push(i);
      if (i === 1) throw new Error(`item ${i}`);
      await tick();
      await tick();
      finished++;
    });
    await expect(run).rejects.toThrow('item 1');
    expect(seen).toEqual([0, 1]);
    expect(finished).toBe(1);
  });
});
