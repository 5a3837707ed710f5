/** CNCF distribution 3.x, as DIALECTS.md describes it: the pagination 2.8 lacks. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile, ListingDialect } from './profile';

// n > 1000 gives 400 PAGINATION_NUMBER_INVALID; relative Link; n and last honoured (distribution#4844, #3966).
const pages: ListingDialect = {
  order: 'lexical',
  honoursN: true,
  maxN: 1000,
  refusedN: { status: 400, headers: { 'content-type': 'application/json' }, body: registryErrorBody('PAGINATION_NUMBER_INVALID', 'invalid number of results requested') },
  link: 'relative',
  cursor: 'last',
};

export const distribution3: DialectProfile = {
  name: 'distribution3',
  plays: 'distribution 3',
  auth: { kind: 'none' },
  catalog: pages,
  tags: pages,
  createOnPush: true,
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'too many requests') },
};
