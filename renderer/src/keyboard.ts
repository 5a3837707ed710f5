/**
 * Keyboard behaviour shared by dialogs, popovers and button groups: focus
 * moves in on open and back on close, Escape closes, Tab stays inside, arrow
 * keys move along a group that is one tab stop.
 */
import { useEffect, useRef, type KeyboardEvent, type RefObject } from 'react';

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)];
}

/**
 * For a dialog or popover: focuses its first field on open, closes on Escape
 * (and on a click outside, for a popover), keeps Tab inside, and gives focus
 * back to where it was on close.
 */
export function useDialogFocus(ref: RefObject<HTMLElement | null>, onClose: () => void, options: { closeOnOutsideClick?: boolean } = {}): void {
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const root = ref.current;
    if (root) (root.querySelector<HTMLElement>('[data-autofocus]') ?? focusables(root)[0])?.focus();
    const key = (e: globalThis.KeyboardEvent) => {
      if (!ref.current) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        close.current();
      } else if (e.key === 'Tab') {
        const all = focusables(ref.current);
        if (!all.length) return;
        const [first, last] = [all[0]!, all[all.length - 1]!];
        const inside = ref.current.contains(document.activeElement);
        if (e.shiftKey && (document.activeElement === first || !inside)) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    const pointer = (e: MouseEvent) => {
      if (!options.closeOnOutsideClick || !ref.current) return;
      // The button that toggles a popover is not "outside": it closes the popover itself.
      const inside = ref.current.closest('[data-popover-anchor]') ?? ref.current;
      if (!inside.contains(e.target as Node)) close.current();
    };
    document.addEventListener('keydown', key, true);
    document.addEventListener('mousedown', pointer, true);
    return () => {
      document.removeEventListener('keydown', key, true);
      document.removeEventListener('mousedown', pointer, true);
      if (before?.isConnected) before.focus();
    };
    // Mount and unmount only: the dialog's life is the effect's.
  }, []);
}

/**
 * Arrow keys move focus along the buttons of a group (`[data-roving]` inside
 * the element handling the event): one tab stop for the whole group.
 * `horizontal` groups use Left/Right, others Up/Down. Returns the button moved to.
 */
export function moveInGroup(e: KeyboardEvent<HTMLElement>, horizontal = false): HTMLElement | undefined {
  const keys = horizontal ? ['ArrowLeft', 'ArrowRight'] : ['ArrowUp', 'ArrowDown'];
  const step = e.key === keys[0] ? -1 : e.key === keys[1] ? 1 : e.key === 'Home' ? -Infinity : e.key === 'End' ? Infinity : 0;
  if (!step) return undefined;
  const items = [...e.currentTarget.querySelectorAll<HTMLElement>('[data-roving]')];
  const here = items.indexOf(document.activeElement as HTMLElement);
  if (here < 0) return undefined;
  e.preventDefault();
  const next = items[Math.min(items.length - 1, Math.max(0, Number.isFinite(step) ? here + step : step < 0 ? 0 : items.length - 1))];
  next?.focus();
  return next;
}
