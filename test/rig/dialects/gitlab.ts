/** The GitLab container registry (registry.gitlab.com), as DIALECTS.md describes it. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile } from './profile';

export const gitlab: DialectProfile = {
  name: 'gitlab',
  plays: 'GitLab',
  // JWT realm, GET only: POST gets an HTML 404 (containerd#12822).
  auth: {
    kind: 'bearer',
    service: 'container_registry',
    username: 'gitlab-ci-token',
    password: 'gitlab-canary-pw-7c2d',
    fields: 'token',
    expiresIn: 900,
    postAnswer: { status: 404, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>' },
    anonymousPull: true,
  },
  // Catalog 401, for administrators only (Joxit/docker-registry-ui#443).
  catalog: { refused: { status: 401, headers: { 'content-type': 'application/json' }, body: registryErrorBody('UNAUTHORIZED', 'authentication required') } },
  // Tag pagination is unconfirmed: the rig plays distribution's.
  tags: { order: 'lexical', honoursN: true, link: 'relative', cursor: 'last' },
  createOnPush: true,
  // Strict Accept: an OCI manifest asked for without its exact type is a 404 (oras-go#1396).
  strictAccept: (mediaType) => ({
    status: 404,
    body: registryErrorBody('MANIFEST_UNKNOWN', mediaType.startsWith('application/vnd.oci.') ? 'OCI manifest found, but accept header does not support OCI manifests' : 'manifest unknown'),
  }),
  // No referrers API, and the sha256-… fallback tag resolves to the subject itself (containerd#12822, oras-go#1396).
  referrers: { status: 404, body: registryErrorBody('NOT_FOUND', 'Not Found') },
  referrersTagIsSubject: true,
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'Retry later') },
};
