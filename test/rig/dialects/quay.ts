/** Quay (quay.io and self-hosted Red Hat Quay), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile, ListingDialect } from './profile';

// 50 per page, opaque next_page= cursor in a relative Link (regclient#272); a too-large n is 413 (quay/quay#2884).
// The limit of 100 is unconfirmed; it is below regdesk's 1,000, so the 413 is met.
const pages: ListingDialect = {
  order: 'lexical',
  pageSize: 50,
  honoursN: true,
  maxN: 100,
  refusedN: { status: 413, headers: { 'content-type': 'application/json' }, body: registryErrorBody('UNSUPPORTED', 'the requested page size is too large') },
  link: 'relative',
  cursor: 'next_page',
};

export const quay: DialectProfile = {
  name: 'quay',
  plays: 'Quay',
  auth: { kind: 'bearer', service: 'quay.io', username: 'acme+robot', password: 'quay-canary-pw-3e9b', fields: 'token', anonymousPull: true },
  // The catalog omits public repositories (quay/quay#1054); the rig's are all listed to the signed-in user.
  catalog: pages,
  tags: pages,
  // 401 for missing and forbidden alike (quay/quay#1054).
  missingRepository: () => ({ status: 401, body: registryErrorBody('DENIED', 'access to the requested resource is not authorized') }),
  createOnPush: true,
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'too many requests') },
};
