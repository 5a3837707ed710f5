import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface RowState {
  /** The keyboard cursor is on this row. */
  active: boolean;
}

/** ARIA attributes a row may add (a tree's level and expansion). */
export type RowAria = { 'aria-level'?: number; 'aria-expanded'?: boolean };

/**
 * A fixed-row-height virtual list: only the rows in view (plus a margin) are
 * rendered, so 10,000 tags scroll as smoothly as 10.
 *
 * Keyboard: the list is one tab stop (a listbox or tree with
 * aria-activedescendant) whose cursor, `active`, the arrow keys, Home, End and
 * the page keys move; Enter opens the row. The cursor may be off screen, so
 * the list scrolls to it rather than focusing a row that may not exist.
 */
export function VirtualList<T>({ items, rowHeight, render, label, role = 'listbox', active, onActiveChange, onOpen, onKey, isSelected, aria, empty, onVisibleChange }: {
  items: readonly T[];
  rowHeight: number;
  render: (item: T, index: number, state: RowState) => ReactNode;
  label: string;
  role?: 'listbox' | 'tree';
  active?: number | undefined;
  onActiveChange?: (index: number) => void;
  onOpen?: (index: number) => void;
  /** Other keys (Space, ArrowLeft/Right in a tree, ContextMenu, `Shift+F10`); true when handled. */
  onKey?: (key: string, index: number) => boolean;
  isSelected?: (item: T) => boolean;
  aria?: (item: T) => RowAria;
  /** Shown inside the list's frame when there are no rows: loading, empty and error states keep the layout. */
  empty?: ReactNode;
  /** The rows in view now (from `first` up to, not including, `last`; no margin): for reading what they show lazily. */
  onVisibleChange?: (first: number, last: number) => void;
}) {
  const [scrollTop, setScrollTop] = useState(0);
  // Until the list is measured, rows are rendered for a guess of its height (but not reported as in view).
  const [measured, setHeight] = useState<number>();
  const height = measured ?? 600;
  const ref = useRef<HTMLDivElement | null>(null);
  const id = useId();
  const margin = 10;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - margin);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + margin);
  const cursor = active !== undefined && active < items.length ? active : undefined;
  const firstInView = Math.min(items.length, Math.floor(scrollTop / rowHeight));
  const lastInView = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight));
  useEffect(() => {
    if (measured !== undefined) onVisibleChange?.(firstInView, lastInView);
  }, [measured, firstInView, lastInView, onVisibleChange]);

  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight || 600));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Keep the cursor in view, and render its rows now rather than a scroll event later.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || cursor === undefined) return;
    const top = cursor * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
    setScrollTop(el.scrollTop);
  }, [cursor, rowHeight]);

  // Tabbing in puts the cursor on the chosen row, or the first; also when the rows arrive after the focus did.
  const placeCursor = () => {
    if (cursor !== undefined || !items.length) return;
    const chosen = isSelected ? items.findIndex(isSelected) : -1;
    onActiveChange?.(Math.max(0, chosen));
  };
  useEffect(() => {
    if (ref.current && ref.current === document.activeElement) placeCursor();
  });

  const keyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!items.length) return;
    const at = cursor ?? -1;
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1, PageDown: at + page, PageUp: at - page };
    const to = moves[e.key];
    if (to !== undefined) {
      e.preventDefault();
      onActiveChange?.(Math.min(items.length - 1, Math.max(0, to)));
    } else if (e.key === 'Enter' && cursor !== undefined && onOpen) {
      e.preventDefault();
      onOpen(cursor);
    } else if (cursor !== undefined && onKey?.(e.shiftKey && e.key === 'F10' ? 'Shift+F10' : e.key, cursor)) {
      e.preventDefault();
    }
  };

  const rowId = (index: number) => `${id}-row-${index}`;
  return (
    <div
      className="virtual"
      role={role}
      aria-label={label}
      tabIndex={0}
      ref={(el) => {
        ref.current = el;
        if (el && el.clientHeight && el.clientHeight !== measured) setHeight(el.clientHeight);
      }}
      {...(cursor !== undefined && cursor >= first && cursor < last ? { 'aria-activedescendant': rowId(cursor) } : {})}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onKeyDown={keyDown}
      onFocus={(e) => {
        if (e.target === e.currentTarget) placeCursor();
      }}
    >
      {!items.length && empty}
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => {
          const index = first + i;
          return (
            <div
              key={index}
              id={rowId(index)}
              role={role === 'tree' ? 'treeitem' : 'option'}
              aria-selected={isSelected?.(item) ?? false}
              {...aria?.(item)}
              className={`virtual-row ${index === cursor ? 'active' : ''}`}
              style={{ position: 'absolute', top: index * rowHeight, height: rowHeight, left: 0, right: 0 }}
            >
              {render(item, index, { active: index === cursor })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
