import type { ReactNode } from 'react';
import type { ApiError, Loadable } from '../lib/api';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite" data-testid="loading">
      <span className="spinner" aria-hidden="true" /> {label}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="state empty" data-testid="empty">
      {children}
    </div>
  );
}

export function ErrorState({ error }: { error: ApiError }) {
  if (error.status === 403)
    return (
      <div className="state private" data-testid="private" role="note">
        <strong>Private by policy.</strong> {error.message}. Individual figures are visible to the person themselves and to roles the privacy policy allows.
      </div>
    );
  return (
    <div className="state error" role="alert" data-testid="error">
      Could not load: {error.message}
    </div>
  );
}

/** Render `children(data)` when ready; loading and error states otherwise. */
export function Async<T>({ result, children }: { result: Loadable<T>; children: (data: T) => ReactNode }) {
  if (result.state === 'loading') return <Loading />;
  if (result.state === 'error') return <ErrorState error={result.error} />;
  return <>{children(result.data)}</>;
}

export function Suppressed({ reason }: { reason?: string }) {
  return (
    <span className="suppressed" data-testid="suppressed" title={reason ? `Hidden by the privacy policy: ${reason}` : 'Hidden by the privacy policy'}>
      suppressed{reason ? ` · ${reason}` : ''}
    </span>
  );
}
