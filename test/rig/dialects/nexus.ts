/** Sonatype Nexus Repository (a Docker hosted repository), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile, ListingDialect } from './profile';

// Absolute Links (sonatype/nexus-public#1011; the rig's are right, not the connector-port ones that give 400).
const pages: ListingDialect = { order: 'lexical', honoursN: true, link: 'absolute', cursor: 'last' };

export const nexus: DialectProfile = {
  name: 'nexus',
  plays: 'Nexus',
  // Anonymous access is off by default in Nexus: everything needs credentials.
  auth: { kind: 'bearer', service: 'Nexus Repository', username: 'nexus-deployer', password: 'nexus-canary-pw-9d4c', fields: 'token', anonymousPull: false },
  catalog: pages,
  tags: pages,
  createOnPush: true,
  // No Docker-Content-Digest on manifest answers (containerd#3238).
  dropManifestHeaders: ['docker-content-digest'],
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'too many requests') },
};
