/** Azure Container Registry (NAME.azurecr.io), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile } from './profile';

export const acr: DialectProfile = {
  name: 'acr',
  plays: 'Azure Container Registry',
  // POST to the token endpoint gives 400 (Azure/acr#217); the token JSON carries only access_token
  // (containerd#3795: some servers send one of the two fields). Anonymous pull is off by default.
  auth: {
    kind: 'bearer',
    service: 'acrdemo.azurecr.io',
    username: 'acr-scope-token',
    password: 'acr-canary-pw-2b7e',
    fields: 'access_token',
    postAnswer: { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'grant_type password is not supported' }] }) },
    anonymousPull: false,
  },
  // Scope-map tokens: the catalog only with a `*` map (Azure/acr#751); the rig's token has none.
  catalog: { refused: { status: 401, headers: { 'content-type': 'application/json' }, body: registryErrorBody('UNAUTHORIZED', 'authentication required, visit https://aka.ms/acr/authorization for more information.') } },
  tags: { order: 'lexical', honoursN: true, link: 'relative', cursor: 'last' },
  createOnPush: true,
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'too many requests') },
  // Blobs 307 to *.blob.core.windows.net, which refuses a forwarded bearer token (Azure/acr#217).
  blobRedirect: { status: 307, head: false },
};
