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

/** Awaits `promise`, which must reject, and returns what it rejected with. */
export async function rejectionReason(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** Awaits `promise`, which must reject with a RegistryError, and returns it for assertions. */
export async function rejectionOf(promise: Promise<unknown>): Promise<RegistryError> {
  const err = await rejectionReason(promise);
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}
