import { useMemo, useState } from 'react';
import { useAction, useCall } from '../api';
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

export function Repositories({ registry, selected, onSelect }: { registry: string; selected?: string; onSelect: (repository: string) => void }) {
  const catalog = useCall('catalog.list', { registry }, { retry: false });
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
  // Registries without a catalog (Docker Hub, GHCR, most clouds) show what was opened by name.
  const names = catalog.data?.repositories ?? (catalog.error ? opened : []);
  const visible = useMemo(() => rows(names, expanded, filter.trim()), [names, expanded, filter]);
  return (
    <section className="pane repositories" aria-label="Repositories">
      <header className="pane-header">
        <h2>Repositories</h2>
        <span className="count">{catalog.data ? names.length : ''}</span>
      </header>
      <input className="filter" aria-label="Filter repositories" placeholder="Filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <form className="open-repo" onSubmit={(e) => { e.preventDefault(); if (typed.trim()) open(typed.trim()); }}>
        <input aria-label="Open repository" placeholder="open repository, e.g. library/nginx" value={typed} onChange={(e) => setTyped(e.target.value)} />
      </form>
      {catalog.isLoading && <div className="muted">Loading catalog…</div>}
      {catalog.error && (
        <div className="muted note">This registry does not list its repositories here ({(catalog.error as Error).message}). Open one by name above{opened.length ? ', or pick one opened before' : ''}.</div>
      )}
      <VirtualList
        label="Repository tree"
        items={visible}
        rowHeight={26}
        render={(row) => (
          <button
            className={`tree-row ${row.leaf && row.path === selected ? 'selected' : ''}`}
            style={{ paddingLeft: 8 + row.depth * 14 }}
            role="option"
            aria-selected={row.leaf && row.path === selected}
            data-repository={row.leaf ? row.path : undefined}
            onKeyDown={(e) => {
              if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
              e.preventDefault();
              const index = visible.indexOf(row) + (e.key === 'ArrowDown' ? 1 : -1);
              const buttons = [...(e.currentTarget.closest('.virtual')?.querySelectorAll<HTMLButtonElement>('.tree-row') ?? [])];
              const here = buttons.indexOf(e.currentTarget);
              if (index >= 0 && index < visible.length) buttons[here + (e.key === 'ArrowDown' ? 1 : -1)]?.focus();
            }}
            onClick={() => {
              if (row.folder) setExpanded((o) => { const n = new Set(o); if (n.has(row.path)) n.delete(row.path); else n.add(row.path); return n; });
              else onSelect(row.path);
            }}
          >
            <span className="twisty">{row.folder ? (expanded.has(row.path) ? '▾' : '▸') : ''}</span>
            {row.label}
          </button>
        )}
      />
    </section>
  );
}
