/** GitHub Container Registry (ghcr.io), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile } from './profile';

const denied = registryErrorBody('DENIED', 'requested access to the resource is denied');

export const ghcr: DialectProfile = {
  name: 'ghcr',
  plays: 'GHCR',
  // An anonymous token exchange even for public images (CodesWhat/drydock#87); the JSON has only `token`.
  auth: { kind: 'bearer', service: 'ghcr.io', username: 'octocat', password: 'ghcr-canary-pw-81d4', fields: 'token', anonymousPull: true },
  // Unconfirmed: what GHCR's catalog answers. The rig plays a plain 404.
  catalog: { refused: { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found' } },
  // Oldest first (push order): the newest version is on the last page (renovatebot/renovate#36103).
  tags: { order: 'push', honoursN: true, link: 'relative', cursor: 'last' },
  // Missing or forbidden: 401/403 DENIED, never 404 (wasm-pkg-tools#40, crazy-max/diun#660).
  missingRepository: ({ withCredentials }) => ({ status: withCredentials ? 403 : 401, body: denied }),
  createOnPush: true,
  // The wait in the body, no header (dependabot/cli#380).
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'toomanyrequests: retry-after: 880.092µs, allowed: 44000/minute') },
  // Relative Location on upload POST (apple/swift-container-plugin#44).
  uploads: { relativeLocation: true },
  // Blobs 307 to S3; HEAD on the signed URL gives 403 (stargz-snapshotter#167).
  blobRedirect: { status: 307, head: false },
};
