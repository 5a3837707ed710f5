/**
 * Paginated listings: the catalog and tag lists. Pages are streamed (an async
 * iterator) by following `Link: <…>; rel="next"` exactly as given (a relative
 * target resolved against the page that carried it; no `last` of our own
 * making: registries with opaque cursors, such as ECR and Quay, read only
 * theirs), and the Link must stay on the registry's origin.
 *
 * A listing cannot loop or lose: a Link back to a page already read, an empty
 * page or a page of names already listed ends it (Gitea sends a Link on every
 * page, the last included); past the page cap it ends with what it has and
 * says the list is partial. A first page refused because of our `n` (400
 * PAGINATION_NUMBER_INVALID on distribution 3, 405 on ECR, 413 on Quay) is
 * asked again without it, and the registry picks its own page size. A next
 * page whose Link lost part of the path (Artifactory drops the virtual
 * repository's key) and is answered 404 is asked again at the listing's own
 * path, with the Link's query as given.
 */
import { RegistryError } from '../../../shared/errors';
import { CATALOG_SCOPE, pullScope } from '../auth/scopes';
import { nextLink } from '../link';
import { MAX_LISTING_BYTES, readJson } from '../transport/body';
import { errorForStatus } from '../transport/status-errors';
import type { Fetch, RegistryResponse } from '../transport/types';
import { checkRepositoryName, parseTag, type RepositoryName, type Tag } from '../reference';
import { v2Path } from './paths';

export interface ListOptions {
  /** Entries asked per page (`n`). distribution 3 and ECR refuse more than 1,000. */
  pageSize?: number;
  signal?: AbortSignal;
  /** Stop after this many pages: a registry that paginates forever must not keep us forever. */
  maxPages?: number;
  /** May a configured mirror answer (default yes)? Not when the listing is about the registry itself (before a delete). */
  mirrorable?: boolean;
  /** Told about names the registry listed that are not valid names (they are left out), and about a partial list. */
  onWarning?: (message: string) => void;
}

/** How a listing ended: every page read, or stopped short (the page cap) with what was read so far. */
export interface ListingEnd {
  complete: boolean;
}

export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_MAX_PAGES = 10_000;
/** First-page answers that may mean "not that `n`": retried once without it. */
const N_REFUSED = new Set([400, 405, 413]);

interface ListingSpec<T extends string> {
  registry: string;
  repository?: string;
  path: string;
  scopes: string[];
  what: string;
  read: (body: Record<string, unknown>) => T[];
  /** The error for a first page the registry refuses; errorForStatus's otherwise. */
  refused?: (res: RegistryResponse, error: RegistryError) => RegistryError;
}

async function* pages<T extends string>(fetch: Fetch, spec: ListingSpec<T>, options: ListOptions): AsyncGenerator<T[], ListingEnd> {
  const where = { registry: spec.registry, ...(spec.repository ? { repository: spec.repository } : {}) };
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let target: string = pageSize > 0 ? `${spec.path}?n=${pageSize}` : spec.path;
  let withN = pageSize > 0;
  // A mirror may answer the first page; the next pages then belong to it.
  let registry = spec.registry;
  const visited = new Set<string>();
  const listed = new Set<string>();
  for (let page = 0; ; page++) {
    if (page >= maxPages) {
      options.onWarning?.(`${spec.registry}: ${spec.what} has more than ${maxPages} pages; showing the first ${listed.size} entries only (a partial list)`);
      return { complete: false };
    }
    const res = await fetch({ ...where, registry, method: 'GET', target, scopes: spec.scopes, mirrorable: options.mirrorable ?? true, signal: options.signal });
    if (page === 0 && withN && N_REFUSED.has(res.status)) {
      // Our page size was refused: ask again without it, the registry picks its own.
      await res.body.dump();
      withN = false;
      target = spec.path;
      page = -1;
      continue;
    }
    const repaired = page > 0 && res.status === 404 ? repairedLink(target, spec.path, visited) : undefined;
    if (repaired) {
      // Artifactory's Link drops the virtual repository's key from the path: its own query, at the listing's path.
      await res.body.dump();
      visited.add(target);
      target = repaired;
      page--;
      continue;
    }
    if (res.status !== 200) {
      const error = await errorForStatus(res, { ...where, what: spec.what, notFound: spec.repository ? 'repository' : undefined });
      throw page === 0 && spec.refused ? spec.refused(res, error) : error;
    }
    const body = await readJson<Record<string, unknown>>(res, MAX_LISTING_BYTES, { ...where, what: spec.what });
    const entries = spec.read(body);
    const fresh = entries.filter((e) => !listed.has(e));
    fresh.forEach((e) => listed.add(e));
    // An empty page, or one that only repeats what was listed, is the end (whatever its Link says).
    if (fresh.length === 0) return { complete: true };
    yield fresh;
    const next = nextLink(res.headers.link, res.url);
    if (!next) return { complete: true };
    const key = next.toString();
    visited.add(res.url.toString());
    if (visited.has(key)) return { complete: true };
    target = key;
    registry = res.url.host;
  }
}

/**
 * A next-page Link answered 404 whose path is not the listing's own: the same
 * query (the registry's cursor, untouched) at the listing's path, once.
 */
function repairedLink(target: string, path: string, visited: Set<string>): string | undefined {
  const url = new URL(target);
  if (url.pathname === path) return undefined;
  const repaired = new URL(path + url.search, url).toString();
  return visited.has(repaired) ? undefined : repaired;
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

/**
 * Docker Hub, GHCR and GitLab have no catalog at all, Harbor and ACR show it
 * to administrators only: a refused catalog says so, and how to go on.
 */
function catalogRefused(registry: string) {
  return (res: RegistryResponse, error: RegistryError): RegistryError => {
    if (![401, 403, 404, 405].includes(res.status)) return error;
    const byName = `Open a repository by name instead: regdesk tags ${registry}/REPOSITORY (in the app: type its name).`;
    if (res.status === 404 || res.status === 405) {
      return new RegistryError('unsupported', `${registry}: the registry does not offer a catalog (HTTP ${res.status})`, error.context, byName);
    }
    const signedIn = res.auth?.withCredentials ?? false;
    return new RegistryError(error.code, `${registry}: the registry does not offer a catalog to ${signedIn ? 'this account' : 'anonymous users'} (HTTP ${res.status})`, error.context,
      `Some registries have none (Docker Hub, GHCR) or show it to administrators only${signedIn ? '' : `; sign in if it needs it (regdesk login ${registry})`}. ${byName}`);
  };
}

export function catalogPages(fetch: Fetch, registry: string, options: ListOptions = {}): AsyncGenerator<RepositoryName[], ListingEnd> {
  return pages(fetch, {
    registry,
    path: '/v2/_catalog',
    scopes: [CATALOG_SCOPE],
    what: 'catalog',
    read: (body) => namesOf(body.repositories, checkRepositoryName, registry, 'the catalog', options.onWarning),
    refused: catalogRefused(registry),
  }, options);
}

export function tagPages(fetch: Fetch, registry: string, repository: string, options: ListOptions = {}): AsyncGenerator<Tag[], ListingEnd> {
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

/** Every page, concatenated, and whether that is the whole list. */
export async function collect<T>(pagesOf: AsyncGenerator<T[], ListingEnd | void>): Promise<{ entries: T[]; complete: boolean }> {
  const entries: T[] = [];
  for (;;) {
    const step = await pagesOf.next();
    if (step.done) return { entries, complete: step.value ? step.value.complete : true };
    entries.push(...step.value);
  }
}
