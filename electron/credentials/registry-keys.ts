/**
 * Registry keys as credential files and environment variables write them
 * (`https://index.docker.io/v1/`, `REGISTRY_GHCR_IO_USERNAME`). The registry's
 * own key is canonicalRegistry (shared/names.ts), as everywhere else.
 */
import { canonicalRegistry, DOCKER_HUB_HOST } from '../../shared/names';
import { parseRegistryHost } from '../registry/reference';

/** The key Docker itself writes for Docker Hub in config.json. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

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
  const keys = canonical === DOCKER_HUB_HOST ? [envHostKey(DOCKER_HUB_HOST), 'DOCKER_IO'] : [envHostKey(canonical)];
  return keys.filter((key): key is string => key !== undefined);
}
