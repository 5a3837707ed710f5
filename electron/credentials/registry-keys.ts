/**
 * Registry keys as they appear in credential files (`https://index.docker.io/v1/`,
 * `docker.io`, `ghcr.io`, `http://127.0.0.1:5000`) reduced to the `host[:port]`
 * the engine uses, with every Docker Hub alias folded into one.
 */

/** The host the engine talks to for Docker Hub. */
export const DOCKER_HUB = 'registry-1.docker.io';
/** The key Docker itself writes for Docker Hub in config.json. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://host:port/v1/` → `host:port`; Docker Hub aliases → `registry-1.docker.io`. Lower-cased host. */
export function canonicalRegistry(key: string): string {
  let rest = key.trim();
  rest = rest.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  rest = rest.split('/')[0] ?? '';
  rest = rest.toLowerCase();
  if (rest.endsWith(':443')) rest = rest.slice(0, -4);
  return DOCKER_HUB_ALIASES.has(rest) ? DOCKER_HUB : rest;
}

export function isDockerHub(registry: string): boolean {
  return canonicalRegistry(registry) === DOCKER_HUB;
}

/** `ghcr.io` → `GHCR_IO`, `127.0.0.1:5000` → `127_0_0_1_5000`: the HOST part of REGISTRY_<HOST>_USERNAME. */
export function envHostKey(registry: string): string {
  return registry.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * The HOST parts tried for a registry, in order. Docker Hub answers to the
 * name people write (`REGISTRY_DOCKER_IO_*`) as well as to its API host
 * (`REGISTRY_REGISTRY_1_DOCKER_IO_*`), which wins when both are set.
 */
export function envHostKeys(registry: string): string[] {
  const canonical = canonicalRegistry(registry);
  return canonical === DOCKER_HUB ? [envHostKey(DOCKER_HUB), envHostKey('docker.io')] : [envHostKey(canonical)];
}
