/** Display helpers shared by the CLI and the UI. */

/** Decimal units, as registries and Docker report sizes: 1.2 MB, 512 B. */
export function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** `sha256:3f2a9c1b4e5d`: enough to tell digests apart on screen. Anything else is returned cut short. */
export function displayDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon > 0 ? digest.slice(0, colon + 13) : digest.slice(0, 20);
}

