/** Gitea and Forgejo's package registry, as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile, ListingDialect } from './profile';

// A Link on every page including the last, which leads to an empty page with a Link again (microsoft/vscode-docker#4309).
const pages: ListingDialect = { order: 'lexical', honoursN: true, link: 'relative', cursor: 'last', linkOnLastPage: true };

export const gitea: DialectProfile = {
  name: 'gitea',
  plays: 'Gitea / Forgejo',
  // The /v2/ challenge carries scope="*" (go-gitea/gitea#36907).
  auth: { kind: 'bearer', service: 'container_registry', username: 'gitea-user', password: 'gitea-canary-pw-6b0f', fields: 'token', anonymousPull: true, pingScope: '*' },
  catalog: pages,
  tags: pages,
  createOnPush: true,
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'too many requests') },
};
