/** Google Artifact Registry (REGION-docker.pkg.dev) and GCR, as DIALECTS.md describes them. */
import { registryErrorBody } from '../upstream';
import type { DialectProfile } from './profile';

export const gar: DialectProfile = {
  name: 'gar',
  plays: 'Artifact Registry',
  // POST to the token endpoint gives 404 (containerd authorizer.go); public repositories pull anonymously.
  auth: {
    kind: 'bearer',
    service: 'us-docker.pkg.dev',
    username: 'oauth2accesstoken',
    password: 'gar-canary-pw-5a1e',
    fields: 'token',
    expiresIn: 3600,
    postAnswer: { status: 404, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>' },
    anonymousPull: true,
  },
  // Artifact Registry's catalog returns {"repositories":[]} (oras rust-oci-client#175).
  catalog: { alwaysEmpty: true },
  // tags/list adds manifest/child fields and has no pagination (go-containerregistry#897).
  tags: { order: 'lexical', honoursN: false, link: 'relative', cursor: 'last', unpaged: true, extraFields: { manifest: {}, child: [] } },
  createOnPush: true,
  // Accept q-values not parsed: a q-weighted Accept gets 404 MANIFEST_UNKNOWN (dkregistry-rs#161).
  strictAccept: () => ({ status: 404, body: registryErrorBody('MANIFEST_UNKNOWN', 'Failed to fetch manifest') }),
  tooManyRequests: { status: 429, body: registryErrorBody('TOOMANYREQUESTS', 'Quota exceeded') },
};
