import { useRef, type ReactNode } from 'react';
import { useDialogFocus } from '../keyboard';

/**
 * A modal dialog in the middle of the window: what it holds (a form, its
 * errors, its buttons) is always in view, never under a list. It takes the
 * focus, keeps Tab inside, closes on Escape and gives the focus back.
 */
export function Dialog({ label, onClose, closeOnBackdrop = false, className = '', children }: {
  label: string;
  onClose: () => void;
  /** Forms keep what was typed: only a dialog without input closes on a click beside it. */
  closeOnBackdrop?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement | null>(null);
  useDialogFocus(ref, onClose);
  return (
    <div className="dialog-backdrop" role="presentation" onClick={closeOnBackdrop ? onClose : undefined}>
      <div ref={ref} className={`dialog ${className}`} role="dialog" aria-modal="true" aria-label={label} onClick={(e) => e.stopPropagation()}>
        {children}
      </div>
    </div>
  );
}
