import { useQueries, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { TagDetailResult } from '../../../shared/contract';
import { sortTagsByVersion } from '../../../shared/versions';
import { api, useCall } from '../api';
import { countLabel } from '../labels';
import { pullCommand } from '../pull-command';
import { toggled } from '../sets';
import { ageLabel, createDetailBatcher, failureLabel, isDetail, platformsLabel, sameDigestAs, shortDigest, sizeLabel } from '../tag-details';
import { ContextMenu, type MenuPlace } from './ContextMenu';
import { ErrorView, RefreshButton, RefreshFailed } from './ErrorView';
import { DRAG_TYPE, type DraggedImage } from './Sidebar';
import { VirtualList } from './VirtualList';
import { Popover, WatchForm } from './WatchForm';

export type TagOrder = 'name' | 'version';

/** Each tag in view asks its details; those asked in one render go as one call. */
const detailBatcher = createDetailBatcher((registry, repository, tags, signal) =>
  api.call('tags.details', { registry, repository, tags }, { signal }).then((r) => r.details));
/** Details are kept this long: scrolling back shows them without asking again (Refresh reads them anew). */
const DETAILS_STALE_MS = 5 * 60_000;

/** How old the image is, beside the tag's name (the exact date in its tooltip). */
function TagAge({ detail, now }: { detail: TagDetailResult | undefined; now: number }) {
  const age = isDetail(detail) ? ageLabel(detail.created, now) : undefined;
  return age ? <span className="tag-age" title={`Created ${age.exact}`}>{age.label}</span> : null;
}

/** Digest, platforms and size under a tag's name: columns that shrink, each whole in its tooltip. */
function TagMeta({ detail }: { detail: TagDetailResult | undefined }) {
  if (!detail) return <div className="tag-meta" aria-hidden="true" />;
  if (!isDetail(detail)) {
    return <div className="tag-meta tag-meta-error" title={`${detail.error.message}${detail.error.hint ? ` ${detail.error.hint}` : ''}`}>⚠ {failureLabel(detail.error.code)}</div>;
  }
  const size = sizeLabel(detail.size);
  return (
    <div className="tag-meta">
      <span className="tag-digest" title={detail.digest}>{shortDigest(detail.digest)}</span>
      <span className="tag-platforms" title={detail.platforms.join('\n')}>{platformsLabel(detail.platforms)}</span>
      <span className="tag-size" title={detail.size ? `${detail.size.min === detail.size.max ? detail.size.max : `${detail.size.min}–${detail.size.max}`} bytes (config and layers)` : ''}>{size}</span>
    </div>
  );
}

/** Element Timing (Chromium) reports when the first rows were painted: the UI benchmark reads it. */
const PAINT_TIMING = { elementtiming: 'tag-row' } as Record<string, string>;

/**
 * Newest version first and then the other tags (`latest`, `main`) by name; or
 * all by name. Sorted once per listing and order, not per keystroke of the filter.
 */
export function orderTags(tags: readonly string[], order: TagOrder): string[] {
  return order === 'name' ? [...tags].sort() : sortTagsByVersion([...tags], { newestFirst: true });
}

/**
 * A repository's tags: filter, sort, multi-select (Ctrl/⌘-click or Space),
 * drag onto a registry to copy. Arrow keys move the cursor, Enter opens.
 */
export function Tags({ registry, repository, selected, onSelect, onCopy, onSignIn }: {
  onSignIn?: () => void;
  registry: string;
  repository: string;
  selected?: string | undefined;
  onSelect: (tag: string) => void;
  onCopy: (image: DraggedImage) => void;
}) {
  const tags = useCall('tags.list', { registry, repository, fresh: true });
  const [filter, setFilter] = useState('');
  const [order, setOrder] = useState<TagOrder>('version');
  // The open tag starts picked (as a click on it does), so Copy to… works after a reload.
  const [picked, setPicked] = useState<Set<string>>(() => new Set(selected ? [selected] : []));
  const [cursor, setCursor] = useState<string | undefined>(selected);
  const sorted = useMemo(() => orderTags(tags.data?.tags ?? [], order), [tags.data, order]);
  const list = useMemo(() => {
    const needle = filter.trim();
    return needle ? sorted.filter((t) => t.includes(needle)) : sorted;
  }, [sorted, filter]);
  const active = cursor === undefined ? undefined : list.indexOf(cursor);

  // Details for the rows in view only; cached per tag, so rows seen before show theirs at once.
  const client = useQueryClient();
  const [inView, setInView] = useState<[number, number]>([0, 0]);
  const onVisibleChange = useCallback((first: number, last: number) => setInView([first, last]), []);
  const visibleTags = list.slice(inView[0], inView[1]);
  useQueries({
    queries: visibleTags.map((tag) => ({
      queryKey: ['tags.details', { registry, repository, tag }],
      queryFn: ({ signal }: { signal: AbortSignal }) => detailBatcher.load(registry, repository, tag, signal),
      staleTime: DETAILS_STALE_MS,
    })),
  });
  const loaded = new Map<string, TagDetailResult>();
  for (const [key, data] of client.getQueriesData<TagDetailResult>({ queryKey: ['tags.details', { registry, repository }] })) {
    if (data) loaded.set((key[1] as { tag: string }).tag, data);
  }
  const same = sameDigestAs(loaded, sorted);
  // A listing read anew (Refresh, an update found) may have moved tags: the rows in view read their details again.
  // The first listing seen for a repository is not a refresh.
  const listedAt = useRef({ registry, repository, at: tags.dataUpdatedAt });
  useEffect(() => {
    const seen = listedAt.current;
    listedAt.current = { registry, repository, at: tags.dataUpdatedAt };
    const refreshed = seen.registry === registry && seen.repository === repository && seen.at !== 0 && seen.at !== tags.dataUpdatedAt;
    if (refreshed) void client.invalidateQueries({ queryKey: ['tags.details', { registry, repository }] });
  }, [tags.dataUpdatedAt, client, registry, repository]);
  const [now] = useState(() => Date.now());

  const toggle = (tag: string) => setPicked((p) => toggled(p, tag));
  const open = (tag: string) => {
    setCursor(tag);
    setPicked(new Set([tag]));
    onSelect(tag);
  };
  const click = (tag: string, e: MouseEvent) => {
    if (e.ctrlKey || e.metaKey) {
      setCursor(tag);
      toggle(tag);
    } else open(tag);
  };
  const selection = (tag: string): string[] => (picked.has(tag) ? [...picked] : [tag]);

  // The context menu (right click, the ContextMenu key, Shift+F10) and the watch form it opens.
  const [menu, setMenu] = useState<{ tag: string; place: MenuPlace } | undefined>();
  const [watching, setWatching] = useState<{ tag: string; place: MenuPlace } | undefined>();
  const [menuError, setMenuError] = useState<unknown>();
  const watches = useCall('watch.list', {}, { staleTime: Infinity });
  const menuAtRow = (tag: string) => {
    const row = document.querySelector(`.tags [data-tag="${CSS.escape(tag)}"]`)?.getBoundingClientRect();
    setMenu({ tag, place: row ? { x: row.left + 24, y: row.bottom } : { x: 0, y: 0 } });
  };
  const copyText = (text: string) => navigator.clipboard.writeText(text).catch((err: unknown) => setMenuError(err));
  const copyDigest = async (tag: string) => {
    const request = { registry, repository, reference: tag };
    try {
      // The image view's own query: from the cache when the tag was opened.
      const image = await client.fetchQuery({ queryKey: ['image.get', request], queryFn: ({ signal }) => api.call('image.get', request, { signal }), staleTime: 30_000 });
      await copyText(image.digest);
    } catch (err) {
      setMenuError(err);
    }
  };
  const menuItems = (tag: string) => [
    { label: 'Copy pull command', run: () => void copyText(pullCommand(registry, repository, { tag })) },
    { label: selection(tag).length > 1 ? `Copy ${selection(tag).length} tags to…` : 'Copy to…', run: () => onCopy({ registry, repository, tags: selection(tag) }) },
    { label: 'Watch…', run: () => setWatching({ tag, place: menu?.place ?? { x: 0, y: 0 } }) },
    { label: 'Copy digest', run: () => void copyDigest(tag) },
  ];

  const state = tags.isLoading
    ? <div className="muted list-state">Loading tags…</div>
    : tags.error && !tags.data
      ? <div className="list-state"><ErrorView error={tags.error} onRetry={() => void tags.refetch()} onSignIn={onSignIn} /></div>
      : <div className="muted list-state">{filter ? 'No tags match the filter.' : 'This repository has no tags.'}</div>;

  return (
    <section className="pane tags" aria-label="Tags">
      <header className="pane-header">
        <h2 title={repository}>{repository}</h2>
        <span className="count">{tags.data ? countLabel(list.length, tags.data.tags.length, 'tag') : ''}</span>
        <RefreshButton query={tags} what="tags" />
      </header>
      <RefreshFailed query={tags} />
      <input className="filter" aria-label="Filter tags" placeholder="Filter tags" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <div className="toolbar">
        <select aria-label="Sort tags" value={order} onChange={(e) => setOrder(e.target.value as TagOrder)}>
          <option value="version">Newest version first</option>
          <option value="name">By name</option>
        </select>
        <button disabled={!picked.size} title="Copy the selected tags (Ctrl/⌘-click or Space to select several)"
          onClick={() => onCopy({ registry, repository, tags: [...picked] })}>
          {picked.size > 1 ? `Copy ${picked.size} tags…` : 'Copy to…'}
        </button>
      </div>
      {menuError !== undefined && <ErrorView error={menuError} onRetry={() => setMenuError(undefined)} />}
      <div className="list-frame" onContextMenu={(e) => {
        e.preventDefault();
        const row = (e.target as HTMLElement).closest<HTMLElement>('[data-tag]');
        const tag = row?.dataset.tag ?? cursor;
        if (!tag) return;
        setCursor(tag);
        // From the keyboard the event comes to the list itself: the menu opens at the cursor's row.
        if (row) setMenu({ tag, place: { x: e.clientX, y: e.clientY } });
        else menuAtRow(tag);
      }}>
      <VirtualList
        label="Tag list"
        items={list}
        rowHeight={40}
        onVisibleChange={onVisibleChange}
        empty={state}
        active={active !== undefined && active >= 0 ? active : undefined}
        onActiveChange={(i) => setCursor(list[i])}
        onOpen={(i) => open(list[i]!)}
        onKey={(key, i) => {
          if (key === 'ContextMenu' || key === 'Shift+F10') menuAtRow(list[i]!);
          else if (key === ' ') toggle(list[i]!);
          else return false;
          return true;
        }}
        isSelected={(tag) => tag === selected}
        render={(tag) => (
          <div
            className={`tag-row ${tag === selected ? 'selected' : ''} ${picked.has(tag) ? 'picked' : ''}`}
            draggable
            data-tag={tag}
            {...PAINT_TIMING}
            onDragStart={(e) => {
              const image: DraggedImage = { registry, repository, tags: selection(tag) };
              e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(image));
              e.dataTransfer.effectAllowed = 'copy';
            }}
            onClick={(e) => click(tag, e)}
          >
            <div className="tag-text">
              <div className="tag-line">
                <span className="row-label" title={tag}>{tag}</span>
                {same.has(tag) && <span className="same-digest" title={`Same image (digest) as ${same.get(tag)!.join(', ')}`}>= {same.get(tag)![0]}</span>}
                <TagAge detail={loaded.get(tag)} now={now} />
              </div>
              <TagMeta detail={loaded.get(tag)} />
            </div>
          </div>
        )}
      />
      </div>
      {menu && <ContextMenu label={`Tag ${menu.tag}`} place={menu.place} items={menuItems(menu.tag)} onClose={() => setMenu(undefined)} />}
      {watching && (
        <div className="menu-anchor" style={{ left: Math.max(4, Math.min(watching.place.x, window.innerWidth - 330)), top: watching.place.y }}>
          <Popover label="Watch settings" onClose={() => setWatching(undefined)}>
            <WatchForm image={{ registry, repository, tag: watching.tag }} existing={watches.data?.find((w) => w.registry === registry && w.repository === repository && w.tag === watching.tag)} onDone={() => setWatching(undefined)} />
          </Popover>
        </div>
      )}
    </section>
  );
}
