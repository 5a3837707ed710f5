import { formatReference, isDockerHub } from '../../shared/names';

/**
 * `docker pull …` for an image, as Docker Desktop writes it: Docker Hub images in Docker's short
 * form (`nginx:1.27`, `user/app:1.0`), every other registry with its host (`ghcr.io/org/app:1.0`);
 * by tag, or pinned to a digest (`…@sha256:…`).
 */
export function pullCommand(registry: string, repository: string, ref: { tag: string } | { digest: string }): string {
  // Docker Hub images are written without a host, as Docker does.
  const name = isDockerHub(registry) ? repository.replace(/^library\/(?=[^/]+$)/, '') : formatReference({ registry, repository });
  return `docker pull ${name}${'digest' in ref ? `@${ref.digest}` : `:${ref.tag}`}`;
}
