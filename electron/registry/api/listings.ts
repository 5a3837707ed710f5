/**
 * Paginated listings: the catalog and tag lists. Pages are streamed (an async
 * iterator) by following `Link: <…>; rel="next"`, which must stay on the
 * registry's origin; the page count is capped and a loop is detected.
 */
import { RegistryError } from '../../../shared/errors';
import { CATALOG_SCOPE, pullScope } from '../auth/scopes';
import { nextLink } from '../link';
import { MAX_LISTING_BYTES, readJson } from '../transport/body';
import { errorForStatus } from '../transport/status-errors';
import type { Fetch } from '../transport/types';
import { checkRepositoryName, parseTag, type RepositoryName, type Tag } from '../reference';
import { v2Path } from './paths';

export interface ListOptions {
  /** Entries asked per page (`n`). distribution refuses more than its `maxentries` (1,000 by default). */
  pageSize?: number;
  signal?: AbortSignal;
  /** Stop after this many pages: a registry that paginates forever must not keep us forever. */
  maxPages?: number;
  /** May a configured mirror answer (default yes)? Not when the listing is about the registry itself (before a delete). */
  mirrorable?: boolean;
  /** Told about names the registry listed that are not valid names (they are left out). */
  onWarning?: (message: string) => void;
}

export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_MAX_PAGES = 10_000;

interface ListingSpec<T extends string> {
  registry: string;
  repository?: string;
  path: string;
  scopes: string[];
  what: string;
  read: (body: Record<string, unknown>) => T[];
}

async function* pages<T extends string>(fetch: Fetch, spec: ListingSpec<T>, options: ListOptions): AsyncGenerator<T[]> {
  const where = { registry: spec.registry, ...(spec.repository ? { repository: spec.repository } : {}) };
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  let pageSize: number | undefined = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let target: string = pageSize ? `${spec.path}?n=${pageSize}` : spec.path;
  // A mirror may answer the first page; the next pages then belong to it.
  let registry = spec.registry;
  const visited = new Set<string>();
  for (let page = 0; ; page++) {
    if (page >= maxPages) throw new RegistryError('protocol', `${spec.registry}: ${spec.what} has more than ${maxPages} pages; stopped`, where);
    const res = await fetch({ ...where, registry, method: 'GET', target, scopes: spec.scopes, mirrorable: options.mirrorable ?? true, ...(options.signal ? { signal: options.signal } : {}) });
    if (res.status === 400 && page === 0 && pageSize !== undefined) {
      // distribution answers PAGINATION_NUMBER_INVALID when n exceeds its maxentries: let it choose.
      await res.body.dump();
      pageSize = undefined;
      target = spec.path;
      page = -1;
      continue;
    }
    if (res.status !== 200) throw await errorForStatus(res, { ...where, what: spec.what, notFound: spec.repository ? 'repository' : undefined });
    const body = await readJson<Record<string, unknown>>(res, MAX_LISTING_BYTES, { ...where, what: spec.what });
    yield spec.read(body);
    const next = nextLink(res.headers.link, res.url);
    if (!next) return;
    const key = next.toString();
    if (visited.has(key)) throw new RegistryError('protocol', `${spec.registry}: ${spec.what} pagination loops`, where);
    visited.add(key);
    target = key;
    registry = res.url.host;
  }
}

/**
 * The names of one page, each through its grammar: a listed name goes into
 * URLs later (a tag a sync copies, a repository the UI opens), so one that is
 * not a valid name is left out, and said, instead of being passed on raw.
 */
function namesOf<T extends string>(value: unknown, parse: (name: string) => T, registry: string, what: string, onWarning?: (message: string) => void): T[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new RegistryError('protocol', `${registry}: ${what} is not a list of names`, { registry });
  }
  const names: T[] = [];
  let invalid = 0;
  for (const v of value as string[]) {
    try {
      names.push(parse(v));
    } catch {
      invalid++;
    }
  }
  if (invalid) onWarning?.(`${registry}: ${what} lists ${invalid} invalid name${invalid === 1 ? '' : 's'}; left out`);
  return names;
}

export function catalogPages(fetch: Fetch, registry: string, options: ListOptions = {}): AsyncGenerator<RepositoryName[]> {
  return pages(fetch, {
    registry,
    path: '/v2/_catalog',
    scopes: [CATALOG_SCOPE],
    what: 'catalog',
    read: (body) => namesOf(body.repositories, checkRepositoryName, registry, 'the catalog', options.onWarning),
  }, options);
}

export function tagPages(fetch: Fetch, registry: string, repository: string, options: ListOptions = {}): AsyncGenerator<Tag[]> {
  const name = checkRepositoryName(repository);
  return pages(fetch, {
    registry,
    repository: name,
    path: v2Path.tags(name),
    scopes: [pullScope(name)],
    what: `tag list of ${name}`,
    read: (body) => namesOf(body.tags, parseTag, registry, `the tag list of ${name}`, options.onWarning),
  }, options);
}

/** Every page, concatenated. */
export async function collect<T>(pagesOf: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pagesOf) all.push(...page);
  return all;
}
