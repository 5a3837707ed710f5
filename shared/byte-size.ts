/**
 * Sizes as people write them: `16GiB`, `500MB`, `1.5 GB`, `1048576`. Decimal
 * units are powers of 1000 (as registries and Docker report sizes), binary ones
 * powers of 1024; a single letter (`16G`) is refused, since tools disagree on it.
 */

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Whole bytes (at least 1), or undefined when `text` is not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d{1,16}(?:\.\d{1,6})?)\s*([a-z]{0,3})\s*$/i.exec(text);
  const factor = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || factor === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) && bytes >= 1 ? bytes : undefined;
}

const DISPLAY: Array<[string, number]> = [
  ['TiB', 1024 ** 4], ['TB', 1e12], ['GiB', 1024 ** 3], ['GB', 1e9], ['MiB', 1024 ** 2], ['MB', 1e6], ['KiB', 1024], ['kB', 1e3],
];

/** A limit shown the way it was likely written: `16 GiB`, `500 MB`, else in bytes. */
export function formatByteSize(bytes: number): string {
  for (const [unit, factor] of DISPLAY) if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${unit}`;
  return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
}
