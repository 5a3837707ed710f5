/**
 * GHCR (and Quay) answer 401/403 DENIED, never 404, for a repository that
 * does not exist yet. Asked on behalf of a copy's destination ("is this blob
 * already there?"), such an answer to an authenticated request means "not
 * there": the push that follows either creates the repository or fails with
 * the registry's own refusal, said plainly.
 */
import type { RegistryResponse } from '../transport/types';

export interface AbsentWhenDenied {
  /** Read a 401/403 that came despite answering the registry's challenge as "absent" (a copy's destination checks). */
  absentWhenDenied?: boolean;
}

export function deniedAfterAuth(res: RegistryResponse): boolean {
  return (res.status === 401 || res.status === 403) && res.auth !== undefined && res.auth.scheme !== 'none';
}
