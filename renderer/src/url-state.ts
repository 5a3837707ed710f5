/**
 * What is open (registry, repository, tag, platform), kept in the address's
 * fragment (`#registry=…&repository=…&tag=…&platform=…`) so a reload, or a
 * bookmark, reopens it. The fragment never reaches a server. The session
 * token that `regdesk serve` puts in the fragment is taken out by the
 * transport before this is read, and is never written back.
 */

export interface OpenState {
  registry?: string;
  repository?: string;
  tag?: string;
  platform?: string;
}

/** Each needs the one before it: a tag without a repository means nothing. */
const KEYS = ['registry', 'repository', 'tag', 'platform'] as const;

export function readOpenState(hash = window.location.hash): OpenState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: OpenState = {};
  for (const key of KEYS) {
    const value = params.get(key)?.trim();
    if (!value) break;
    state[key] = value;
  }
  return state;
}

/** The fragment for `state`, keys in order, stopping at the first missing one. */
export function openStateHash(state: OpenState): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = state[key];
    if (!value) break;
    params.set(key, value);
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}

/** Replaces the fragment (no new history entry: Back leaves the app, as before). */
export function writeOpenState(state: OpenState): void {
  const { pathname, search, hash } = window.location;
  const next = openStateHash(state);
  if (next === hash || (!next && !hash)) return;
  window.history.replaceState(window.history.state, '', `${pathname}${search}${next}`);
}
