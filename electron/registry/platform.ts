/**
 * Platforms (`os/arch[/variant]`) as containerd normalises them: architecture
 * aliases folded (x86_64 → amd64, aarch64 → arm64), default variants for
 * matching (arm64 ↔ arm64/v8, arm ↔ arm/v7), and a total order for
 * deterministic indexes.
 */
import { RegistryError } from '../../shared/errors';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
}

const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
};

const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };
const PART = /^[a-z0-9][a-z0-9._-]{0,31}$/;

export function normalisePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const alias = ARCH_ALIASES[p.architecture.toLowerCase()];
  const architecture = alias?.architecture ?? p.architecture.toLowerCase();
  const variant = (p.variant ?? alias?.variant)?.toLowerCase();
  return { os, architecture, ...(variant ? { variant } : {}), ...(p.osVersion ? { osVersion: p.osVersion } : {}) };
}

export function parsePlatform(input: string): Platform {
  const text = String(input);
  const parts = text.split('/');
  if (text.length > 100 || parts.length < 2 || parts.length > 3 || !parts.every((part) => PART.test(part.toLowerCase()))) {
    throw new RegistryError('invalid_reference', `invalid platform "${text.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)}"`, { part: 'platform' },
      'A platform is os/architecture[/variant], e.g. linux/amd64 or linux/arm/v7.');
  }
  return normalisePlatform({ os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) });
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** `wanted` matches `candidate` when os and architecture agree and the variants agree once defaults are applied. */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  const a = normalisePlatform(wanted);
  const b = normalisePlatform(candidate);
  if (a.os !== b.os || a.architecture !== b.architecture) return false;
  const va = a.variant ?? DEFAULT_VARIANT[a.architecture];
  const vb = b.variant ?? DEFAULT_VARIANT[b.architecture];
  return va === vb || (!a.variant && !DEFAULT_VARIANT[a.architecture]);
}

/** By os, then architecture, then variant (none first). */
export function comparePlatforms(a: Platform, b: Platform): number {
  const keys = (p: Platform): string[] => [p.os, p.architecture, p.variant ?? ''];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  }
  return 0;
}

/** BuildKit attestation entries: platform unknown/unknown, or annotated as attestation manifests. */
export function isAttestation(descriptor: { platform?: { os?: string; architecture?: string }; annotations?: Record<string, string> }): boolean {
  if (descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  return descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown';
}
