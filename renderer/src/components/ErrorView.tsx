import { isRegistryError } from '../../../shared/errors';

/** An error in place: the typed message, the hint, and an action when one helps. */
export function ErrorView({ error, onSignIn, onRetry }: { error: unknown; onSignIn?: () => void; onRetry?: () => void }) {
  const typed = isRegistryError(error) ? error : undefined;
  const message = typed?.message ?? (error instanceof Error ? error.message : 'Something went wrong');
  const needsSignIn = typed?.code === 'authentication';
  return (
    <div className="error" role="alert">
      <div className="error-message">{message}</div>
      {typed?.hint && <div className="error-hint">{typed.hint}</div>}
      <div className="error-actions">
        {needsSignIn && onSignIn && <button onClick={onSignIn}>Sign in</button>}
        {onRetry && <button onClick={onRetry}>Retry</button>}
      </div>
    </div>
  );
}

/**
 * A list still shows what it read before, but asking again failed: say so above it,
 * with the typed message and a retry, instead of silently showing old data.
 */
export function RefreshFailed({ query }: { query: { error: unknown; data: unknown; refetch: (options?: { cancelRefetch?: boolean }) => unknown } }) {
  if (!query.error || query.data === undefined) return null;
  const message = isRegistryError(query.error) || query.error instanceof Error ? (query.error as Error).message : 'Something went wrong';
  return (
    <div className="refresh-failed" role="status">
      <span>Could not refresh: {message}. Showing what was read before.</span>
      <button className="small" onClick={() => void query.refetch({ cancelRefetch: false })}>Retry</button>
    </div>
  );
}

/**
 * Asks the registry again for a list on screen. Never disabled while a read is under way:
 * the Tab order must not depend on timing. A click then joins the read in flight rather
 * than cancelling it (clicked again and again, a slow listing would never finish).
 */
export function RefreshButton({ query, what }: { query: { isFetching: boolean; refetch: (options?: { cancelRefetch?: boolean }) => unknown }; what: string }) {
  return (
    <button className="icon" aria-label={`Refresh ${what}`} title={`Refresh ${what}`} aria-busy={query.isFetching} onClick={() => void query.refetch({ cancelRefetch: false })}>
      ↻
    </button>
  );
}
