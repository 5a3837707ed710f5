/**
 * For event handlers that run mutations whose failure the component shows itself
 * (a mutation's `error`, rendered by ErrorView): such a failure is handled, so it
 * must not surface again as an unhandled rejection. Anything else (a bug) still does.
 */
import { isRegistryError } from '../../shared/errors';

export function failuresShown<A extends unknown[]>(handler: (...args: A) => Promise<unknown>): (...args: A) => void {
  return (...args) => {
    handler(...args).catch((err: unknown) => {
      if (!isRegistryError(err)) throw err;
    });
  };
}
