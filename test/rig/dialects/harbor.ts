/** Harbor, as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile } from './profile';

export const harbor: DialectProfile = {
  name: 'harbor',
  plays: 'Harbor',
  // Robot users are named robot$name (goharbor/harbor#21291); public projects pull anonymously.
  auth: { kind: 'bearer', service: 'harbor-registry', username: 'robot$ci', password: 'harbor-canary-pw-4f8a', fields: 'token', expiresIn: 1800, anonymousPull: true },
  // The catalog needs a system administrator (goharbor/harbor#7898); the rig's robot is none.
  catalog: { refused: { status: 401, headers: { 'content-type': 'application/json' }, body: registryErrorBody('UNAUTHORIZED', 'unauthorized to list catalog') } },
  tags: { order: 'lexical', honoursN: true, link: 'relative', cursor: 'last' },
  createOnPush: true,
  // 2.7: referrers answered 401 without WWW-Authenticate (goharbor/harbor#17097).
  referrers: { status: 401, headers: { 'content-type': 'application/json' }, body: registryErrorBody('UNAUTHORIZED', 'unauthorized') },
  // An immutable tag cannot be pushed over: 412 (goharbor/harbor#17097). The rule here: release-*.
  immutableTags: {
    match: /^release-/,
    answer: { status: 412, headers: { 'content-type': 'application/json' }, body: registryErrorBody('PRECONDITION', "Failed to process request due to the tag configured as immutable.") },
  },
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'too many requests') },
};
