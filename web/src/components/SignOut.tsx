import { useApi, type Me } from '../lib/api';

/** Sign out: a plain same-origin form post carrying the session's CSRF token (the server then shows the sign-in page). */
export function SignOut({ className = 'btn small' }: { className?: string }) {
  const me = useApi<Me>('/api/v1/auth/me');
  if (me.state !== 'ready' || me.data.via !== 'session') return null;
  return (
    <form method="post" action="/auth/sign-out" className="sign-out">
      <input type="hidden" name="_csrf" value={me.data.csrfToken ?? ''} />
      <button type="submit" className={className} data-testid="sign-out">
        Sign out
      </button>
    </form>
  );
}
