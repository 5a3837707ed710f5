import { useMemo, useState } from 'react';
import { useAction, useCall } from '../api';
import { countLabel } from '../labels';
import { toggled } from '../sets';
import { isRegistryError } from '../../../shared/errors';
import { ErrorView, RefreshButton, RefreshFailed } from './ErrorView';
import { VirtualList } from './VirtualList';

export interface Row {
  path: string;
  label: string;
  depth: number;
  leaf: boolean;
  folder: boolean;
}

/** Repositories as a tree of path segments; a filter shows matching repositories flat. */
export function rows(names: string[], open: ReadonlySet<string>, filter: string): Row[] {
  if (filter) return names.filter((n) => n.includes(filter)).map((n) => ({ path: n, label: n, depth: 0, leaf: true, folder: false }));
  const out: Row[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const parts = name.split('/');
    for (let i = 0; i < parts.length; i++) {
      const prefix = parts.slice(0, i + 1).join('/');
      const parent = parts.slice(0, i).join('/');
      if (i > 0 && !open.has(parent)) break;
      const leaf = i === parts.length - 1;
      const key = `${prefix}|${leaf}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ path: prefix, label: parts[i]!, depth: i, leaf, folder: !leaf });
    }
  }
  return out;
}

/** Where Left and Right go in the tree: open or close a folder, or step to its first child or its parent. */
export function treeKey(visible: Row[], index: number, key: string, expanded: ReadonlySet<string>): { toggle?: string; move?: number } | undefined {
  const row = visible[index];
  if (!row) return undefined;
  if (key === 'ArrowRight' && row.folder) return expanded.has(row.path) ? { move: index + 1 } : { toggle: row.path };
  if (key !== 'ArrowLeft') return undefined;
  if (row.folder && expanded.has(row.path)) return { toggle: row.path };
  for (let i = index - 1; i >= 0; i--) if (visible[i]!.depth < row.depth) return { move: i };
  return undefined;
}

const rowKey = (row: Row) => `${row.path}|${row.leaf}`;

/**
 * Why a registry shows no repositories, each cause with its own words and action:
 * it cannot be reached (Retry, and the address), it is paused after failures
 * (when it resumes), it wants a sign-in (Sign in), or it just keeps no catalog.
 */
function RegistryState({ registry, host, error, wantsSignIn, hasOpened, onRetry, onSignIn }: {
  /** The display name. */
  registry: string;
  host: string;
  error: unknown;
  /** The registry refuses even /v2/ without credentials (not only its catalog). */
  wantsSignIn: boolean;
  hasOpened: boolean;
  onRetry: () => void;
  onSignIn?: (() => void) | undefined;
}) {
  const typed = isRegistryError(error) ? error : undefined;
  if (typed?.context.registryCode === 'CIRCUIT_OPEN') {
    const seconds = Math.ceil((typed.context.retryAfterMs ?? 0) / 1000);
    return (
      <div className="registry-state" role="status" data-state="paused">
        <strong>Paused: {registry} failed several times in a row.</strong>
        <div>regdesk asks it again in {seconds} s; nothing is sent to it until then.</div>
        <div className="error-actions"><button onClick={onRetry}>Retry</button></div>
      </div>
    );
  }
  if (typed?.code === 'network' || typed?.code === 'timeout') {
    return (
      <div className="registry-state" role="status" data-state="unreachable">
        <strong>Cannot reach {registry}.</strong>
        <div>Address: <code>{host}</code></div>
        <div className="note-detail">{typed.message}</div>
        <div>Check the address, the network or the proxy, then retry.</div>
        <div className="error-actions"><button onClick={onRetry}>Retry</button></div>
      </div>
    );
  }
  if (wantsSignIn) {
    return (
      <div className="registry-state" role="status" data-state="sign-in">
        <strong>{registry} wants you to sign in.</strong>
        <div>Its repositories are listed once you are signed in.</div>
        <div className="error-actions">{onSignIn && <button className="primary" onClick={onSignIn}>Sign in</button>}</div>
      </div>
    );
  }
  // A catalog refused while /v2/ answers (401 to anonymous users, 403, 404) is a registry without one for you.
  if (typed && !['unsupported', 'authentication', 'authorization', 'not_found'].includes(typed.code)) {
    return <ErrorView error={error} onRetry={onRetry} />;
  }
  return (
    <div className="muted note" data-state="no-catalog">
      This registry does not list its repositories. Open one by name above{hasOpened ? ', or pick one opened before' : ''}.
      <div className="note-detail">{(error as Error).message}</div>
      {typed?.code === 'authentication' && onSignIn && <div className="error-actions"><button className="small" onClick={onSignIn}>Sign in</button></div>}
    </div>
  );
}

export function Repositories({ registry, selected, onSelect, onSignIn, expanded, onExpandedChange }: {
  registry: string;
  /** Open folders: kept by the app, so they stay open when another registry is looked at meanwhile. */
  expanded: ReadonlySet<string>;
  onExpandedChange: (expanded: Set<string>) => void;
  selected?: string | undefined;
  onSelect: (repository: string) => void;
  onSignIn?: (() => void) | undefined;
}) {
  const catalog = useCall('catalog.list', { registry, fresh: true }, { retry: false });
  // The same question the sidebar's dot asks (one query): does the registry answer /v2/ without a sign-in?
  const ping = useCall('registries.ping', { host: registry }, { retry: false, staleTime: 60_000 });
  const registries = useCall('registries.list', {});
  const remember = useAction('registries.remember', ['registries.list']);
  const entry = registries.data?.find((r) => r.host === registry);
  const opened = entry?.opened ?? [];
  const registryName = entry?.name ?? registry;
  const open = (repository: string): void => {
    remember.mutate({ host: registry, repository });
    onSelect(repository);
  };
  const [filter, setFilter] = useState('');
  const [typed, setTyped] = useState('');
  const [cursor, setCursor] = useState<string | undefined>();
  // Registries without a catalog (Docker Hub, GHCR, most clouds) show what was opened by name.
  const names = catalog.data?.repositories ?? (catalog.error ? opened : []);
  // No catalog read at all (none offered, or the registry did not answer): not a refresh that failed after one was read.
  const noCatalog = Boolean(catalog.error) && catalog.data === undefined;
  const visible = useMemo(() => rows(names, expanded, filter.trim()), [names, expanded, filter]);
  const active = cursor === undefined ? -1 : visible.findIndex((r) => rowKey(r) === cursor);
  const toggle = (path: string) => onExpandedChange(toggled(expanded, path));
  const activate = (row: Row) => {
    setCursor(rowKey(row));
    if (row.folder) toggle(row.path);
    else onSelect(row.path);
  };
  const state = catalog.isLoading
    ? <div className="muted list-state">Loading repositories…</div>
    : <div className="muted list-state">{filter ? 'No repositories match the filter.' : noCatalog ? 'Nothing opened here yet.' : 'This registry has no repositories.'}</div>;
  return (
    <section className="pane repositories" aria-label="Repositories">
      <header className="pane-header">
        <h2 title="Repositories">Repositories</h2>
        <span className="count">{catalog.isLoading ? '' : countLabel(filter.trim() ? visible.length : names.length, names.length, 'repository', 'repositories')}</span>
        <RefreshButton query={catalog} what="repositories" />
      </header>
      <RefreshFailed query={catalog} />
      <input className="filter" aria-label="Filter repositories" placeholder="Filter repositories" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <form className="open-repo" onSubmit={(e) => { e.preventDefault(); if (typed.trim()) open(typed.trim()); }}>
        <input aria-label="Open repository" placeholder="Open by name, e.g. library/nginx ⏎" value={typed} onChange={(e) => setTyped(e.target.value)} />
      </form>
      {noCatalog && (
        <RegistryState registry={registryName} host={registry} error={catalog.error} wantsSignIn={isRegistryError(ping.error, 'authentication')} hasOpened={opened.length > 0} onRetry={() => { void ping.refetch(); void catalog.refetch(); }} onSignIn={onSignIn} />
      )}
      <VirtualList
        label="Repository tree"
        role="tree"
        items={visible}
        rowHeight={26}
        empty={state}
        active={active >= 0 ? active : undefined}
        onActiveChange={(i) => setCursor(rowKey(visible[i]!))}
        onOpen={(i) => activate(visible[i]!)}
        onKey={(key, i) => {
          const step = treeKey(visible, i, key, expanded);
          if (step?.toggle) toggle(step.toggle);
          if (step?.move !== undefined && visible[step.move]) setCursor(rowKey(visible[step.move]!));
          return step !== undefined;
        }}
        isSelected={(row) => row.leaf && row.path === selected}
        aria={(row) => ({ 'aria-level': row.depth + 1, ...(row.folder ? { 'aria-expanded': expanded.has(row.path) } : {}) })}
        render={(row) => (
          <div
            className={`tree-row ${row.leaf && row.path === selected ? 'selected' : ''}`}
            style={{ paddingLeft: 8 + row.depth * 14 }}
            data-repository={row.leaf ? row.path : undefined}
            onClick={() => activate(row)}
          >
            <span className="twisty">{row.folder ? (expanded.has(row.path) ? '▾' : '▸') : ''}</span>
            <span className="row-label" title={row.path}>{row.label}</span>
          </div>
        )}
      />
    </section>
  );
}
