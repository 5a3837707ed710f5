/** Runs `fn`, which must throw a RegistryError, and returns that error for assertions. */
import { expect } from 'vitest';
import { RegistryError } from '../../shared/errors';

export function errorOf(fn: () => unknown): RegistryError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return error as RegistryError;
  }
  throw new Error('expected a RegistryError, nothing was thrown');
}
