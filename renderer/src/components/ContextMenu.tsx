import { useRef } from 'react';
import { moveInGroup, useDialogFocus } from '../keyboard';

export interface MenuItem {
  label: string;
  run: () => void;
}

/** Where a menu opens: the pointer, or (from the keyboard) the row under the cursor. */
export interface MenuPlace {
  x: number;
  y: number;
}

const MENU_WIDTH = 220;

/**
 * A context menu: opens at `place` (kept inside the window), the first item focused;
 * Up and Down move, Enter runs an item, Escape or a click outside closes it, and the
 * focus goes back to where it was.
 */
export function ContextMenu({ label, place, items, onClose }: { label: string; place: MenuPlace; items: MenuItem[]; onClose: () => void }) {
  const ref = useRef<HTMLDivElement | null>(null);
  useDialogFocus(ref, onClose, { closeOnOutsideClick: true });
  const left = Math.max(4, Math.min(place.x, window.innerWidth - MENU_WIDTH - 4));
  const top = Math.max(4, Math.min(place.y, window.innerHeight - items.length * 30 - 16));
  return (
    <div ref={ref} className="context-menu" role="menu" aria-label={label} style={{ left, top, width: MENU_WIDTH }}
      onKeyDown={(e) => moveInGroup(e)} onContextMenu={(e) => e.preventDefault()}>
      {items.map((item) => (
        <button key={item.label} role="menuitem" data-roving tabIndex={-1} onClick={() => { onClose(); item.run(); }}>{item.label}</button>
      ))}
    </div>
  );
}
