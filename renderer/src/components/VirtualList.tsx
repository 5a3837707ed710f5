import { useRef, useState, type ReactNode } from 'react';

/**
 * A fixed-row-height virtual list: only the rows in view (plus a margin) are
 * rendered, so 10,000 tags scroll as smoothly as 10.
 */
export function VirtualList<T>({ items, rowHeight, render, label }: { items: T[]; rowHeight: number; render: (item: T, index: number) => ReactNode; label: string }) {
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const ref = useRef<HTMLDivElement | null>(null);
  const margin = 10;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - margin);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + margin);
  return (
    <div
      className="virtual"
      role="listbox"
      aria-label={label}
      ref={(el) => {
        ref.current = el;
        if (el && el.clientHeight && el.clientHeight !== height) setHeight(el.clientHeight);
      }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <div key={first + i} style={{ position: 'absolute', top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}>
            {render(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
