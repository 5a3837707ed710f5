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
