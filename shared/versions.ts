/**
 * Version-like tags (`1.25`, `v2.0.1`, `1.1-alpine`, `2.0.0-rc1`) parsed into
 * numeric parts, a pre-release label and a variant suffix, so tags can be
 * sorted by version and "newer versions" found the way people expect: same
 * number of parts, same suffix, pre-releases only when already on one.
 */

export interface TagVersion {
  tag: string;
  parts: number[];
  /** `rc1` in `2.0.0-rc1`: sorts before the release. */
  prerelease?: string;
  /** `alpine` in `1.1-alpine`: a variant, compared only for equality. */
  suffix: string;
}

const PRERELEASE = /^(?:alpha|beta|rc|pre|preview|dev|snapshot|m)[.\d]*$/i;
const NUMERIC = /^v?(\d{1,9}(?:\.\d{1,9}){0,5})(?:[-+](.+))?$/;

/** Undefined for tags that are not versions (`latest`, `sha-3f2a9c1`, `3f2a9c1b`, `main`). */
export function parseTagVersion(tag: string): TagVersion | undefined {
  const match = NUMERIC.exec(tag);
  if (!match) return undefined;
  const parts = match[1]!.split('.').map(Number);
  const rest = match[2] ?? '';
  // A single run of 7+ digits is a date or a build number, not a version.
  if (parts.length === 1 && match[1]!.length >= 7) return undefined;
  if (!rest) return { tag, parts, suffix: '' };
  const [head, ...tail] = rest.split('-');
  if (PRERELEASE.test(head!)) return { tag, parts, prerelease: head!.toLowerCase(), suffix: tail.join('-') };
  return { tag, parts, suffix: rest };
}

function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // a release is newer than its pre-releases
  if (b === undefined) return -1;
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Orders versions by numeric parts (missing parts count as 0), then release after pre-release. */
export function compareVersions(a: TagVersion, b: TagVersion): number {
  const length = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < length; i++) {
    const d = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  const pre = comparePrerelease(a.prerelease, b.prerelease);
  if (pre !== 0) return pre;
  return a.parts.length - b.parts.length || a.tag.localeCompare(b.tag);
}

/** Versions ascending (or newest first), then every other tag alphabetically. Each tag is parsed once. */
export function sortTagsByVersion(tags: string[], options: { newestFirst?: boolean } = {}): string[] {
  const versions: TagVersion[] = [];
  const others: string[] = [];
  for (const tag of tags) {
    const v = parseTagVersion(tag);
    if (v) versions.push(v);
    else others.push(tag);
  }
  versions.sort(options.newestFirst ? (a, b) => compareVersions(b, a) : compareVersions);
  return [...versions.map((v) => v.tag), ...others.sort()];
}

export interface TagVerdict {
  tag: string;
  newer: boolean;
  reason: string;
}

/** Which tags are newer versions of `current`, each with the reason it counted or not. */
export function newerVersions(current: string, tags: string[]): { newer: string[]; latest?: string; verdicts: TagVerdict[] } {
  const base = parseTagVersion(current);
  const verdicts: TagVerdict[] = [];
  const newer: TagVersion[] = [];
  for (const tag of tags) {
    if (!base) {
      verdicts.push({ tag, newer: false, reason: `the current tag ${current} is not a version` });
      continue;
    }
    const v = parseTagVersion(tag);
    let reason: string;
    if (!v) reason = 'not a version';
    else if (v.parts.length !== base.parts.length) reason = `${v.parts.length} version parts, ${current} has ${base.parts.length}`;
    else if (v.suffix !== base.suffix) reason = v.suffix ? `suffix -${v.suffix} differs` : `no -${base.suffix} suffix`;
    else if (v.prerelease && !base.prerelease) reason = 'a pre-release';
    else if (compareVersions(v, base) <= 0) reason = tag === current ? 'the current tag' : 'not newer';
    else {
      newer.push(v);
      verdicts.push({ tag, newer: true, reason: 'newer version' });
      continue;
    }
    verdicts.push({ tag, newer: false, reason });
  }
  newer.sort(compareVersions);
  const latest = newer.at(-1)?.tag;
  return { newer: newer.map((v) => v.tag), ...(latest ? { latest } : {}), verdicts };
}
