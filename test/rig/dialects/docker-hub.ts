/** Docker Hub (registry-1.docker.io), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile } from './profile';

export const dockerHub: DialectProfile = {
  name: 'docker-hub',
  plays: 'Docker Hub',
  // Token JSON with both `token` and `access_token`, expires_in 300 (hub-feedback#2094); public images pull anonymously.
  auth: { kind: 'bearer', service: 'registry.docker.io', username: 'hubuser', password: 'hub-canary-pw-2c9e', fields: 'both', expiresIn: 300, anonymousPull: true },
  // No catalog: 401 insufficient_scope even with a registry:catalog:* token (hub-feedback#2094, regclient#539).
  catalog: {
    refused: {
      status: 401,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: [{ Type: 'registry', Class: '', Name: 'catalog', Action: '*' }] }] }),
    },
  },
  // Lexical, n and last honoured; its page cap is unconfirmed (the proxy's pageCap option plays one).
  tags: { order: 'lexical', honoursN: true, link: 'relative', cursor: 'last' },
  createOnPush: true,
  // Rate-limit headers on manifest answers (docker/docs#11707).
  manifestHeaders: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '{remaining};w=21600', 'docker-ratelimit-source': '192.0.2.10' },
  // A quota, not a Retry-After (hub-feedback#1907).
  tooManyRequests: {
    status: 429,
    headers: { 'content-type': 'application/json', 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600' },
    body: registryErrorBody('TOOMANYREQUESTS', 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit'),
  },
  // Blobs redirect to signed URLs on another host (TheOnlyMirror#5).
  blobRedirect: { status: 307, head: false },
};
