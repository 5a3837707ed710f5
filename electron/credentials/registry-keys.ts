/**
 * Registry keys as they appear in credential files (`https://index.docker.io/v1/`,
 * `docker.io`, `ghcr.io`, `http://127.0.0.1:5000`) reduced to the `host[:port]`
 * the engine uses, with every Docker Hub alias folded into one.
 */
import { parseRegistryHost } from '../registry/reference';

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

/**
 * The HOST part of REGISTRY_<HOST>_USERNAME: upper case, `.` and `:` → `_`, `-` → `__`
 * (`ghcr.io` → `GHCR_IO`, `localhost:5000` → `LOCALHOST_5000`, `my-registry.corp` → `MY__REGISTRY_CORP`).
 * No two registries share a key, so a variable meant for one host never reaches another
 * (`registry.corp.com` and `registry-corp.com` differ). That holds because only valid hosts
 * get a key: a label never starts or ends with `-`, so a run of `_` is either one `.` or `:`
 * (one `_`) or k hyphens (2k `_`); and `.` or `:` before a final all-digit part cannot both be
 * valid, since only an IPv4 address may end in an all-digit label. An IPv6 literal, or
 * anything else that is not a registry host, has no key (undefined).
 */
export function envHostKey(registry: string): string | undefined {
  let host: string;
  try {
    host = parseRegistryHost(registry);
  } catch {
    return undefined;
  }
  if (host.startsWith('[')) return undefined;
  return host.toUpperCase().replace(/-/g, '__').replace(/[.:]/g, '_');
}

/**
 * The HOST parts tried for a registry, in order. Docker Hub answers to the
 * name people write (`REGISTRY_DOCKER_IO_*`) as well as to its API host
 * (`REGISTRY_REGISTRY__1_DOCKER_IO_*`), which wins when both are set.
 */
export function envHostKeys(registry: string): string[] {
  const canonical = canonicalRegistry(registry);
  // `docker.io` parses as Docker Hub's API host, so its key is written out.
  const keys = canonical === DOCKER_HUB ? [envHostKey(DOCKER_HUB), 'DOCKER_IO'] : [envHostKey(canonical)];
  return keys.filter((key): key is string => key !== undefined);
}
