/**
 * Platforms (`os/arch[/variant]`) as containerd normalises them: architecture
 * aliases folded (x86_64 → amd64, aarch64 → arm64, armhf → arm/v7), bare
 * numeric ARM variants given their `v`, default variants applied when matching
 * (arm64 ↔ arm64/v8, arm ↔ arm/v7) so `--platform linux/arm64` finds an index
 * entry that says `arm64/v8`, and a total order so indexes regdesk writes are
 * byte-for-byte reproducible.
 */
import { RegistryError } from '../../shared/errors';
import type { Platform } from '../../shared/platform';

export { formatPlatform, type Platform } from '../../shared/platform';

const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
};
const OS_ALIASES: Record<string, string> = { macos: 'darwin' };
/** The variant an architecture has when none is named, for matching only. */
const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };

const PART = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const MAX_INPUT = 100;

function own<T>(table: Record<string, T>, key: string): T | undefined {
  // Hostile strings like "constructor" must not find Object.prototype members.
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Quotes user input for an error message: bounded, control characters made visible. */
function quote(input: string): string {
  const cut = input.length > 100 ? `${input.slice(0, 100)}…` : input;
  return cut.replace(/[^\x20-\x7e…]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Lower-cases, folds aliases and writes ARM variants as `vN`; keeps explicit variants (arm64/v8 stays v8). */
export function normalisePlatform(p: Platform): Platform {
  const rawOs = p.os.toLowerCase();
  const os = own(OS_ALIASES, rawOs) ?? rawOs;
  const rawArch = p.architecture.toLowerCase();
  const alias = own(ARCH_ALIASES, rawArch);
  const architecture = alias?.architecture ?? rawArch;
  let variant = (p.variant || alias?.variant)?.toLowerCase();
  if (variant && (architecture === 'arm' || architecture === 'arm64') && /^[0-9]$/.test(variant)) variant = `v${variant}`;
  return { os, architecture, ...(variant ? { variant } : {}), ...(p.osVersion ? { osVersion: p.osVersion } : {}) };
}

/** Parses `os/arch[/variant]` (the CLI's `--platform`), normalised. */
export function parsePlatform(input: string): Platform {
  const text = typeof input === 'string' ? input : '';
  const parts = text.length <= MAX_INPUT ? text.split('/') : [];
  if (parts.length < 2 || parts.length > 3 || !parts.every((part) => PART.test(part.toLowerCase()))) {
    throw new RegistryError('invalid_reference', `invalid platform "${quote(text)}"`, { part: 'platform' },
      'A platform is os/architecture[/variant] in letters, digits, ".", "_" and "-", e.g. linux/amd64 or linux/arm/v7.');
  }
  return normalisePlatform({ os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) });
}

/**
 * True when os and architecture agree after normalising and the variants agree
 * once defaults are applied (arm64 = arm64/v8, arm = arm/v7). A wanted platform
 * without a variant, on an architecture without a default, matches any variant
 * (linux/amd64 matches linux/amd64/v3).
 */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  const a = normalisePlatform(wanted);
  const b = normalisePlatform(candidate);
  if (a.os !== b.os || a.architecture !== b.architecture) return false;
  const fallback = own(DEFAULT_VARIANT, a.architecture);
  if (!a.variant && fallback === undefined) return true;
  return (a.variant ?? fallback) === (b.variant ?? fallback);
}

function compareText(a: string, b: string): number {
  // Code-unit order, not locale order: the result must not depend on the machine.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** By os, then architecture, then variant (none first), then os.version: for deterministic index order. */
export function comparePlatforms(a: Platform, b: Platform): number {
  return compareText(a.os, b.os)
    || compareText(a.architecture, b.architecture)
    || compareText(a.variant ?? '', b.variant ?? '')
    || compareText(a.osVersion ?? '', b.osVersion ?? '');
}

/** BuildKit attestation entries in an index: platform unknown/unknown, or annotated as attestation manifests. */
export function isAttestation(descriptor: { platform?: { os?: string; architecture?: string }; annotations?: Record<string, string> }): boolean {
  if (descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  return descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown';
}

/** The platform of this machine as images name it (Linux images are what registries mostly hold). */
export function hostPlatform(): Platform {
  const arch: Record<string, { architecture: string; variant?: string }> = { x64: { architecture: 'amd64' }, arm64: { architecture: 'arm64' }, arm: { architecture: 'arm', variant: 'v7' }, ia32: { architecture: '386' } };
  return { os: 'linux', ...(arch[process.arch] ?? { architecture: process.arch }) };
}
