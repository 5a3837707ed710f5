/**
 * Facts about hosts that decide transport policy: loopback registries may fall
 * back to plain HTTP and are never proxied; link-local and cloud-metadata
 * addresses never receive credentials, nor does this machine when the registry is elsewhere.
 */
import { isIP } from 'node:net';

/**
 * The host as compared: brackets of an IPv6 literal and one trailing dot removed,
 * lower case, and an IPv4-mapped IPv6 address (`::ffff:a9fe:a9fe`, as the URL parser
 * writes `::ffff:169.254.169.254`) turned back into its IPv4 form.
 */
function bare(hostname: string): string {
  let host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  host = host.toLowerCase().replace(/\.$/, '');
  const dotted = /^(?:0{0,4}:){0,4}:?:ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(host);
  if (dotted) return dotted[1]!;
  const hex = /^(?:0{0,4}:){0,4}:?:ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = bare(hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host);
  return false;
}

/**
 * Loopback, or the unspecified address (`0.0.0.0`, `::`), which a connection also takes to this machine.
 * For deciding where a registry may send credentials; the HTTP fallback and proxying go by isLoopbackHost.
 */
export function reachesThisMachine(hostname: string): boolean {
  const host = bare(hostname);
  return isLoopbackHost(host) || host === '0.0.0.0' || (isIP(host) === 6 && /^[0:]+$/.test(host));
}

/** 169.254.0.0/16, fe80::/10, and the well-known metadata names: places a token must never be sent. */
export function isLinkLocalOrMetadata(hostname: string): boolean {
  const host = bare(hostname);
  if (host === 'metadata.google.internal' || host === 'metadata' || host === 'instance-data') return true;
  if (isIP(host) === 4) return host.startsWith('169.254.') || host === '100.100.100.200';
  if (isIP(host) === 6) return /^fe[89ab][0-9a-f]:/.test(host) || host === 'fd00:ec2::254' || /^::ffff:169\.254\./.test(host);
  return false;
}

/** `host[:port]` of a registry key → the hostname part. */
export function hostnameOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(0, registry.indexOf(']') + 1);
  const colon = registry.lastIndexOf(':');
  return colon >= 0 ? registry.slice(0, colon) : registry;
}

/** Origins compare scheme, host and port: what decides whether credentials may follow a URL. */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host;
}

/** True when `url` is on the registry `host[:port]` itself (default ports compared as the URL parser does). */
export function isRegistryUrl(registry: string, url: URL): boolean {
  try {
    return new URL(`${url.protocol}//${registry}`).host === url.host;
  } catch {
    return false;
  }
}
