/**
 * Docker token scopes (`repository:name:pull,push`, `registry:catalog:*`):
 * built, merged per resource, and put in a canonical order so a set of scopes
 * makes one cache key however the requests listed them.
 */

export const pullScope = (repository: string): string => `repository:${repository}:pull`;
export const pushScope = (repository: string): string => `repository:${repository}:pull,push`;
export const deleteScope = (repository: string): string => `repository:${repository}:delete`;
export const CATALOG_SCOPE = 'registry:catalog:*';

interface Resource {
  type: string;
  name: string;
  actions: Set<string>;
}

function parse(scope: string): Resource | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: new Set(scope.slice(last + 1).split(',').filter(Boolean)) };
}

/** Union of actions per (type, name), sorted; unparseable scopes are kept as they are. */
export function mergeScopes(...lists: Array<readonly string[] | undefined>): string[] {
  const resources = new Map<string, Resource>();
  const opaque = new Set<string>();
  for (const list of lists) {
    for (const raw of list ?? []) {
      for (const scope of raw.split(' ').filter(Boolean)) {
        const r = parse(scope);
        if (!r) {
          opaque.add(scope);
          continue;
        }
        const key = `${r.type}:${r.name}`;
        const existing = resources.get(key);
        if (existing) r.actions.forEach((a) => existing.actions.add(a));
        else resources.set(key, r);
      }
    }
  }
  const merged = [...resources.values()].map((r) => `${r.type}:${r.name}:${[...r.actions].sort().join(',')}`);
  return [...merged, ...opaque].sort();
}
