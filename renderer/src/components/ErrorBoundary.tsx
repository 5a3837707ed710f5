import { Component, type ReactNode } from 'react';

interface Props {
  /** The pane's accessible name, kept by its stand-in so the layout and the Tab order stay. */
  label: string;
  /** The pane's own classes, so its stand-in takes the same place on screen. */
  className: string;
  /** A dialog: the stand-in is modal too, and can be closed. */
  onClose?: () => void;
  children: ReactNode;
}

interface State {
  failed: boolean;
  error: unknown;
}

/**
 * The error in a few words. Production React shortens its messages to a number
 * and a link; the link's arguments say what was wrong (`object with keys {…}`).
 */
export function describeRenderError(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  const minified = /^Minified React error #(\d+);\s*visit \S+?\?(\S*)/.exec(message);
  if (minified) {
    const args = new URLSearchParams(minified[2]).getAll('args[]');
    return `React error #${minified[1]}${args.length ? ` (${args.join(', ')})` : ''}`.slice(0, 300);
  }
  // A registry's value nested thousands of levels deep overflows any recursive walk over it.
  if (error instanceof RangeError && /call stack/i.test(message)) return `a value is nested too deeply to show (${message})`;
  return message.split('\n', 1)[0]!.slice(0, 300);
}

/**
 * One pane that fails to render (a registry sent a field of an unexpected shape) shows
 * what failed in its own place; the other panes keep working. A new selection (the
 * boundary's key) or Try again renders it afresh.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false, error: undefined };

  static getDerivedStateFromError(error: unknown): State {
    return { failed: true, error };
  }

  override render(): ReactNode {
    const { label, className, onClose, children } = this.props;
    if (!this.state.failed) return children;
    const standIn = (
      <section className={`${className} pane-failed`} aria-label={label} {...(onClose ? { role: 'dialog', 'aria-modal': true } : {})}>
        <div className="error" role="alert">
          <div className="error-message">{label} could not be shown: {describeRenderError(this.state.error)}</div>
          <div className="error-hint">The rest of regdesk keeps working. Try again, or pick something else.</div>
          <div className="error-actions">
            <button onClick={() => this.setState({ failed: false, error: undefined })}>Try again</button>
            {onClose && <button onClick={onClose}>Close</button>}
          </div>
        </div>
      </section>
    );
    return onClose ? <div className="dialog-backdrop" role="presentation">{standIn}</div> : standIn;
  }
}
