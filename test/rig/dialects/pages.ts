/**
 * Builds one page of a tag list or catalog the way a profile's registry does,
 * from the whole list (read from the real registry behind the proxy): its
 * order, its page size, what it does with `n` and `last`, its cursor and its
 * Link header.
 */
import type { Answer, ListingDialect } from './profile';

export interface PageRequest {
  /** The listing's path, `/v2/<name>/tags/list` or `/v2/_catalog`. */
  path: string;
  query: URLSearchParams;
  /** The proxy's own origin, for absolute Links. */
  origin: string;
  /** The most entries a page holds, whatever `n` asks (tests use small pages to make real listings page). */
  pageCap?: number;
}

export type Page = { refused: Answer } | { entries: string[]; link?: string };

const opaque = (offset: number): string => Buffer.from(JSON.stringify({ o: offset, k: 'rig' })).toString('base64url');
const fromOpaque = (token: string): number | undefined => {
  try {
    const value = (JSON.parse(Buffer.from(token, 'base64url').toString()) as { o?: unknown }).o;
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
};

/** Where the page starts in `all`, from the cursor the client sent back. */
function startOf(all: string[], query: URLSearchParams, dialect: ListingDialect, lexical: boolean): number | undefined {
  if (dialect.cursor === 'next_page') {
    const token = query.get('next_page');
    return token === null ? 0 : fromOpaque(token);
  }
  const last = query.get('last');
  if (last === null || last === '') return 0;
  if (dialect.cursor === 'opaque-last') return fromOpaque(last);
  const at = all.indexOf(last);
  if (at >= 0) return at + 1;
  // distribution: entries after `last` in lexical order; a push-ordered registry only knows its own entries.
  if (lexical) {
    const next = all.findIndex((e) => e > last);
    return next < 0 ? all.length : next;
  }
  return all.length;
}

export function buildPage(all: string[], dialect: ListingDialect, request: PageRequest): Page {
  const nText = request.query.get('n');
  const n = nText === null ? undefined : Number(nText);
  if (n !== undefined && dialect.maxN !== undefined && n > dialect.maxN && dialect.refusedN) return { refused: dialect.refusedN };
  if (dialect.unpaged) return { entries: all };
  const asked = dialect.honoursN && n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : (dialect.pageSize ?? Infinity);
  const size = Math.min(asked, request.pageCap ?? Infinity);
  const start = startOf(all, request.query, dialect, dialect.order === 'lexical');
  if (start === undefined) return { refused: { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errors: [{ code: 'PAGINATION_TOKEN_INVALID', message: 'invalid pagination token' }] }) } };
  const entries = all.slice(start, start + size);
  const end = start + entries.length;
  if (end >= all.length && !dialect.linkOnLastPage) return { entries };
  if (size === Infinity) return { entries };
  const next = new URLSearchParams();
  if (nText !== null && dialect.honoursN) next.set('n', String(size));
  if (dialect.cursor === 'next_page') next.set('next_page', opaque(end));
  else if (dialect.cursor === 'opaque-last') next.set('last', opaque(end));
  else next.set('last', entries.at(-1) ?? request.query.get('last') ?? '');
  const path = dialect.linkDropsRepositoryKey ? request.path.replace(/^\/v2\/[^/]+\/(?=.+\/tags\/list$)/, '/v2/') : request.path;
  const target = `${path}?${next.toString()}`;
  return { entries, link: `<${dialect.link === 'absolute' ? request.origin + target : target}>; rel="next"` };
}
