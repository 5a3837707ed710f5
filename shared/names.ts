/**
 * How regdesk names registries and images, in one place for the engine, the
 * credential and settings code, the handlers and the UI: a registry has one key
 * (its credentials, settings, token cache and circuit breaker are all found by
 * it) and an image one written form.
 */

/** Where Docker Hub requests go, and the key Docker Hub is known by. */
export const DOCKER_HUB_HOST = 'registry-1.docker.io';
/** Docker Hub's other names for itself. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/**
 * The key of a registry: `host[:port]` in lower case, without the `:443` of
 * https (one registry, one key), every Docker Hub alias folded into
 * `registry-1.docker.io`. Accepts the keys credential files use too
 * (`https://index.docker.io/v1/`, `http://127.0.0.1:5000`): the scheme and path
 * are dropped. It does not validate: parse user input first (parseRegistryHost).
 */
export function canonicalRegistry(host: string): string {
  let key = host.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  key = (key.split('/')[0] ?? '').toLowerCase();
  if (key.endsWith(':443')) key = key.slice(0, -4);
  return DOCKER_HUB_ALIASES.has(key) ? DOCKER_HUB_HOST : key;
}

export function isDockerHub(host: string): boolean {
  return canonicalRegistry(host) === DOCKER_HUB_HOST;
}

/**
 * `registry/repository`, then `:tag` or `@digest` when a reference is given
 * (a tag never holds a ":", a digest always does).
 */
export function formatReference(image: { registry: string; repository: string }, ref?: string): string {
  const name = `${image.registry}/${image.repository}`;
  if (!ref) return name;
  return `${name}${ref.includes(':') ? '@' : ':'}${ref}`;
}
