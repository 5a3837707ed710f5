/** Zot (v2.1.2 and later: Docker media types accepted), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile, ListingDialect } from './profile';

const pages: ListingDialect = { order: 'lexical', honoursN: true, link: 'relative', cursor: 'last' };

export const zot: DialectProfile = {
  name: 'zot',
  plays: 'Zot',
  // The /v2/ challenge carries scope="repository::pull" (project-zot/zot#3104); a token without access is refused.
  auth: { kind: 'bearer', service: 'zot', username: 'zot-user', password: 'zot-canary-pw-8a3d', fields: 'token', anonymousPull: false, pingScope: 'repository::pull' },
  catalog: pages,
  tags: pages,
  createOnPush: true,
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'too many requests') },
};
