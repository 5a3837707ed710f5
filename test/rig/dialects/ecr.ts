/** Amazon ECR (ACCOUNT.dkr.ecr.REGION.amazonaws.com), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile, ListingDialect } from './profile';

// `n` above 1000 refused; the status is unconfirmed, 405 plausible (go-containerregistry#681).
const pages: ListingDialect = {
  order: 'lexical',
  honoursN: true,
  maxN: 1000,
  refusedN: {
    status: 405,
    headers: { 'content-type': 'application/json' },
    body: registryErrorBody('UNSUPPORTED', "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'"),
  },
  // Absolute Link with an opaque `last` (renovate#3800).
  link: 'absolute',
  cursor: 'opaque-last',
};

export const ecr: DialectProfile = {
  name: 'ecr',
  plays: 'Amazon ECR',
  // Basic-only challenge, user AWS (docker-ls#28).
  auth: { kind: 'basic', challenge: 'Basic realm="{url}/",service="ecr.amazonaws.com"', username: 'AWS', password: 'ecr-canary-pw-0f3b7a' },
  catalog: pages,
  // tags/list served as text/plain (deitch/docker_registry2#34).
  tags: { ...pages, contentType: 'text/plain; charset=utf-8' },
  missingRepository: ({ repository }) => ({ status: 404, body: registryErrorBody('NAME_UNKNOWN', `The repository with name '${repository}' does not exist in the registry with id '000000000000'`) }),
  // No create-on-push: 404 NAME_UNKNOWN until the repository is created (regclient#869).
  createOnPush: false,
  // No Docker-Content-Digest on manifest answers (distribution#3792).
  dropManifestHeaders: ['docker-content-digest'],
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'Rate exceeded') },
  // PATCH answered 201, not 202 (cirruslabs/tart#273); a mount answered with a session, 202, unless a source
  // manifest references the blob (aws/containers-roadmap#2860): the rig plays the refusal every time.
  uploads: { patchStatus: 201, mountOpensSession: true },
};
