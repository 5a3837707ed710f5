/** The CLI's exit codes: part of its contract with scripts. */
import type { ErrorCode } from '../../shared/errors';

export const EXIT: Record<ErrorCode, number> = {
  usage: 2,
  invalid_reference: 2,
  not_found: 3,
  authentication: 4,
  authorization: 4,
  network: 5,
  timeout: 5,
  rate_limited: 5,
  digest_mismatch: 6,
  cancelled: 130,
  conflict: 1,
  protocol: 1,
  unsupported: 1,
  keychain: 1,
  internal: 1,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT[code];
}
