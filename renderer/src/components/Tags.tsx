import { useMemo, useState, type MouseEvent } from 'react';
import { sortTagsByVersion } from '../../../shared/versions';
import { useCall } from '../api';
import { ErrorView } from './ErrorView';
import { DRAG_TYPE, type DraggedImage } from './Sidebar';
import { VirtualList } from './VirtualList';

export function Tags({ registry, repository, selected, onSelect, onCopy, onSignIn }: {
  onSignIn?: () => void;
  registry: string;
  repository: string;
  selected?: string;
  onSelect: (tag: string) => void;
  onCopy: (image: DraggedImage) => void;
}) {
  const tags = useCall('tags.list', { registry, repository });
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<'name' | 'version'>('version');
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const list = useMemo(() => {
    const all = (tags.data?.tags ?? []).filter((t) => t.includes(filter.trim()));
    return sort === 'version' ? sortTagsByVersion(all).reverse() : [...all].sort();
  }, [tags.data, filter, sort]);

  const click = (tag: string, e: MouseEvent) => {
    if (e.ctrlKey || e.metaKey) {
      setPicked((p) => { const n = new Set(p); if (n.has(tag)) n.delete(tag); else n.add(tag); return n; });
      return;
    }
    setPicked(new Set([tag]));
    onSelect(tag);
  };
  const selection = (tag: string): string[] => (picked.has(tag) ? [...picked] : [tag]);

  return (
    <section className="pane tags" aria-label="Tags">
      <header className="pane-header">
        <h2 title={repository}>{repository}</h2>
        <span className="count">{tags.data ? `${tags.data.tags.length} ${tags.data.tags.length === 1 ? 'tag' : 'tags'}` : ''}</span>
      </header>
      <div className="toolbar">
        <input className="filter" aria-label="Filter tags" placeholder="Filter tags" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <select aria-label="Sort tags" value={sort} onChange={(e) => setSort(e.target.value as 'name' | 'version')}>
          <option value="version">by version</option>
          <option value="name">by name</option>
        </select>
        <button disabled={!picked.size} onClick={() => onCopy({ registry, repository, tags: [...picked] })}>Copy to…</button>
      </div>
      {tags.isLoading && <div className="muted">Loading tags…</div>}
      {tags.error && <ErrorView error={tags.error} onRetry={() => void tags.refetch()} {...(onSignIn ? { onSignIn } : {})} />}
      {tags.data && list.length === 0 && <div className="muted empty">No tags{filter ? ' match the filter' : ''}.</div>}
      <VirtualList
        label="Tag list"
        items={list}
        rowHeight={28}
        render={(tag) => (
          <div
            className={`tag-row ${tag === selected ? 'selected' : ''} ${picked.has(tag) ? 'picked' : ''}`}
            role="option"
            aria-selected={tag === selected}
            tabIndex={0}
            draggable
            data-tag={tag}
            onDragStart={(e) => {
              const image: DraggedImage = { registry, repository, tags: selection(tag) };
              e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(image));
              e.dataTransfer.effectAllowed = 'copy';
            }}
            onClick={(e) => click(tag, e)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') onSelect(tag);
              if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                e.preventDefault();
                const next = list[list.indexOf(tag) + (e.key === 'ArrowDown' ? 1 : -1)];
                if (next === undefined) return;
                onSelect(next);
                setPicked(new Set([next]));
                // The next row is rendered (the list keeps a margin); focusing it scrolls it into view.
                requestAnimationFrame(() => (document.querySelector(`[data-tag="${CSS.escape(next)}"]`) as HTMLElement | null)?.focus());
              }
            }}
          >
            {tag}
          </div>
        )}
      />
    </section>
  );
}
