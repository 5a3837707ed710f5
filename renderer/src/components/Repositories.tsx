import { useMemo, useState } from 'react';
import { useAction, useCall } from '../api';
import { countLabel } from '../labels';
import { toggled } from '../sets';
import { RefreshButton, RefreshFailed } from './ErrorView';
import { VirtualList } from './VirtualList';

export interface Row {
  path: string;
  label: string;
  depth: number;
  leaf: boolean;
  folder: boolean;
}

/** Repositories as a tree of path segments; a filter shows matching repositories flat. */
export function rows(names: string[], open: Set<string>, filter: string): Row[] {
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
export function treeKey(visible: Row[], index: number, key: string, expanded: Set<string>): { toggle?: string; move?: number } | undefined {
  const row = visible[index];
  if (!row) return undefined;
  if (key === 'ArrowRight' && row.folder) return expanded.has(row.path) ? { move: index + 1 } : { toggle: row.path };
  if (key !== 'ArrowLeft') return undefined;
  if (row.folder && expanded.has(row.path)) return { toggle: row.path };
  for (let i = index - 1; i >= 0; i--) if (visible[i]!.depth < row.depth) return { move: i };
  return undefined;
}

const rowKey = (row: Row) => `${row.path}|${row.leaf}`;

export function Repositories({ registry, selected, onSelect }: { registry: string; selected?: string | undefined; onSelect: (repository: string) => void }) {
  const catalog = useCall('catalog.list', { registry, fresh: true }, { retry: false });
  const registries = useCall('registries.list', {});
  const remember = useAction('registries.remember', ['registries.list']);
  const opened = registries.data?.find((r) => r.host === registry)?.opened ?? [];
  const open = (repository: string): void => {
    remember.mutate({ host: registry, repository });
    onSelect(repository);
  };
  const [filter, setFilter] = useState('');
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [typed, setTyped] = useState('');
  const [cursor, setCursor] = useState<string | undefined>();
  // Registries without a catalog (Docker Hub, GHCR, most clouds) show what was opened by name.
  const names = catalog.data?.repositories ?? (catalog.error ? opened : []);
  // No catalog at all (Docker Hub, GHCR): not a refresh that failed after one was read.
  const noCatalog = Boolean(catalog.error) && catalog.data === undefined;
  const visible = useMemo(() => rows(names, expanded, filter.trim()), [names, expanded, filter]);
  const active = cursor === undefined ? -1 : visible.findIndex((r) => rowKey(r) === cursor);
  const toggle = (path: string) => setExpanded((o) => toggled(o, path));
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
        <h2>Repositories</h2>
        <span className="count">{catalog.isLoading ? '' : countLabel(filter.trim() ? visible.length : names.length, names.length, 'repository', 'repositories')}</span>
        <RefreshButton query={catalog} what="repositories" />
      </header>
      <RefreshFailed query={catalog} />
      <input className="filter" aria-label="Filter repositories" placeholder="Filter repositories" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <form className="open-repo" onSubmit={(e) => { e.preventDefault(); if (typed.trim()) open(typed.trim()); }}>
        <input aria-label="Open repository" placeholder="Open by name, e.g. library/nginx ⏎" value={typed} onChange={(e) => setTyped(e.target.value)} />
      </form>
      {noCatalog && (
        <div className="muted note">
          This registry does not list its repositories. Open one by name above{opened.length ? ', or pick one opened before' : ''}.
          <div className="note-detail">{(catalog.error as Error).message}</div>
        </div>
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
            {row.label}
          </div>
        )}
      />
    </section>
  );
}
