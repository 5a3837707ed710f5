/**
 * RFC 8288 Link headers, as `/v2/_catalog` and `/tags/list` use them for
 * pagination. The next page must stay on the registry's origin: a Link to
 * another scheme, host or port is refused, since following it would carry our
 * credentials there (and a registry has no reason to send us elsewhere).
 */
import { RegistryError } from '../../shared/errors';

const MAX_LINK_HEADER = 16 * 1024;

export interface LinkValue {
  /** The URI reference between `<` and `>`, unresolved. */
  target: string;
  /** Relation types, lower-cased (`rel="prev next"` gives both). */
  rels: string[];
}

const TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";
const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t';
function isTchar(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || TCHAR_SYMBOLS.includes(c);
}

/** Every link-value in the header, in order. Garbage between them is skipped; the cursor only moves forward. */
export function parseLinks(header: string): LinkValue[] {
  const text = header;
  const n = text.length;
  const out: LinkValue[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (i < n && isWs(text[i])) i++;
  };
  const readQuoted = (): string => {
    i++;
    let value = '';
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < n) i++;
      value += text[i];
      i++;
    }
    if (i < n) i++;
    return value;
  };
  /** To the next comma that separates link-values (commas inside quotes do not count). */
  const skipToComma = (): void => {
    while (i < n && text[i] !== ',') {
      if (text[i] === '"') readQuoted();
      else i++;
    }
  };

  while (i < n) {
    while (i < n && (isWs(text[i]) || text[i] === ',')) i++;
    if (i >= n) break;
    if (text[i] !== '<') {
      skipToComma();
      continue;
    }
    const close = text.indexOf('>', i + 1);
    if (close < 0) break;
    const link: LinkValue = { target: text.slice(i + 1, close), rels: [] };
    out.push(link);
    i = close + 1;
    let relSeen = false;
    for (;;) {
      skipWs();
      if (text[i] !== ';') break;
      i++;
      skipWs();
      const start = i;
      while (i < n && isTchar(text[i]!)) i++;
      const name = text.slice(start, i).toLowerCase();
      skipWs();
      let value = '';
      if (text[i] === '=') {
        i++;
        skipWs();
        if (text[i] === '"') {
          value = readQuoted();
        } else {
          const from = i;
          while (i < n && text[i] !== ';' && text[i] !== ',' && !isWs(text[i])) i++;
          value = text.slice(from, i);
        }
      }
      // RFC 8288 §3.3: only the first rel parameter counts.
      if (name === 'rel' && !relSeen) {
        relSeen = true;
        link.rels = value.toLowerCase().split(/[ \t]+/).filter(Boolean);
      }
    }
    skipToComma();
  }
  return out;
}

function bounded(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/**
 * The `rel="next"` URL resolved against `base` (the URL of the page that
 * carried the header), or undefined when there is none. Throws a `protocol`
 * error for a header over 16 KiB, an unparsable target, or a link that leaves
 * base's origin or carries user credentials.
 */
export function nextLink(header: string | null | undefined, base: URL): URL | undefined {
  if (!header) return undefined;
  const registry = base.host;
  if (header.length > MAX_LINK_HEADER) {
    throw new RegistryError('protocol', `${registry}: Link header too long (${header.length} characters, limit ${MAX_LINK_HEADER})`, { registry },
      'The registry sent an abnormal pagination header; report it to the registry operator.');
  }
  const next = parseLinks(header).find((l) => l.rels.includes('next'));
  if (!next) return undefined;
  let url: URL;
  try {
    url = new URL(next.target, base);
  } catch {
    throw new RegistryError('protocol', `${registry}: invalid pagination link <${bounded(next.target)}>`, { registry },
      'The registry sent a malformed Link header; report it to the registry operator.');
  }
  if (url.origin !== base.origin) {
    throw new RegistryError('protocol', `${registry}: pagination link to another origin (${bounded(url.origin)}) refused`, { registry },
      'The registry pointed its next page elsewhere; regdesk does not follow it with your credentials.');
  }
  if (url.username || url.password) {
    throw new RegistryError('protocol', `${registry}: pagination link with user credentials refused`, { registry },
      'The registry sent a Link with user:password@ in it; report it to the registry operator.');
  }
  return url;
}
