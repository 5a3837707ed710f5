/**
 * RFC 8288 Link headers, as `/v2/_catalog` and `/tags/list` use them for
 * pagination. The next page must stay on the registry's origin: a Link to
 * another scheme or host is refused, since it would carry our credentials there.
 */
import { RegistryError } from '../../shared/errors';

const MAX_LINK_HEADER = 16 * 1024;

interface LinkValue {
  target: string;
  rels: string[];
}

function parseLinks(header: string): LinkValue[] {
  const out: LinkValue[] = [];
  let i = 0;
  while (i < header.length) {
    const open = header.indexOf('<', i);
    if (open < 0) break;
    const close = header.indexOf('>', open + 1);
    if (close < 0) break;
    const target = header.slice(open + 1, close);
    // Parameters run to the next comma outside quotes.
    let j = close + 1;
    let inQuotes = false;
    while (j < header.length && (inQuotes || header[j] !== ',')) {
      if (header[j] === '"') inQuotes = !inQuotes;
      j++;
    }
    const params = header.slice(close + 1, j);
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    out.push({ target, rels: (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/).filter(Boolean) });
    i = j + 1;
  }
  return out;
}

/** The `rel="next"` URL resolved against `base`, or undefined when there is none. */
export function nextLink(header: string | undefined, base: URL): URL | undefined {
  if (!header) return undefined;
  if (header.length > MAX_LINK_HEADER) throw new RegistryError('protocol', `${base.host}: Link header too long`, { registry: base.host });
  const next = parseLinks(header).find((l) => l.rels.includes('next'));
  if (!next) return undefined;
  let url: URL;
  try {
    url = new URL(next.target, base);
  } catch {
    throw new RegistryError('protocol', `${base.host}: invalid pagination link`, { registry: base.host });
  }
  if (url.protocol !== base.protocol || url.host !== base.host) {
    throw new RegistryError('protocol', `${base.host}: pagination link to another origin (${url.protocol}//${url.host}) refused`, { registry: base.host },
      'The registry pointed its next page elsewhere; regdesk does not follow it with your credentials.');
  }
  return url;
}
