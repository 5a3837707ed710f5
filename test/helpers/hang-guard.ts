/**
 * A guard against a hang on adversarial input, not a speed measurement: parsing
 * such input takes about a millisecond, while catastrophic backtracking or a
 * quadratic blow-up takes seconds to years. The bound sits far above anything a
 * loaded machine adds (the stress run keeps every core busy), so only a real
 * blow-up reaches it.
 */
import { expect } from 'vitest';

export const HANG_MS = 2000;

export function withinHangGuard<T>(work: () => T): T {
  const started = performance.now();
  const result = work();
  expect(performance.now() - started, 'a blow-up on adversarial input').toBeLessThan(HANG_MS);
  return result;
}
