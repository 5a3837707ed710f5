/** JFrog Artifactory (a Docker virtual repository, path-based: HOST/KEY/IMAGE), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile } from './profile';

export const artifactory: DialectProfile = {
  name: 'artifactory',
  plays: 'Artifactory',
  // Token POST answered 401 (go-containerregistry#1691); GET with Basic works. Anonymous access is off by default.
  auth: {
    kind: 'bearer',
    service: 'artifactory.example',
    username: 'ci-deployer',
    password: 'artifactory-canary-pw-1c6d',
    fields: 'both',
    expiresIn: 3600,
    postAnswer: { status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errors: [{ status: 401, message: 'Bad credentials' }] }) },
    anonymousPull: false,
  },
  catalog: { order: 'lexical', honoursN: true, link: 'relative', cursor: 'last' },
  // The Link drops the virtual repository's key, so the next page is a 404 as given (renovate#20745).
  tags: { order: 'lexical', honoursN: true, link: 'relative', cursor: 'last', linkDropsRepositoryKey: true },
  createOnPush: true,
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'too many requests') },
};
