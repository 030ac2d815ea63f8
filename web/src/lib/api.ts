/**
 * The web app reads only the HTTP API, as the person signed in (the session
 * cookie, same-origin), so the server's query layer and privacy policy decide
 * what is visible. State-changing requests carry the session's CSRF token
 * (`X-CSRF-Token`, from GET /api/v1/auth/me). A 401 means the session has
 * ended (or never began): the browser is sent to the sign-in page.
 */
import { useEffect, useState } from 'react';

export const SIGN_IN_PATH = '/auth/sign-in';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A 400 names the field (`title`, `usage.to`, `links.1`) and the reason. */
    readonly field?: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** The signed-in person, as GET /api/v1/auth/me answers. */
export interface Me {
  email: string | null;
  name: string | null;
  role: string;
  via: string;
  permissions: string[];
  csrfToken: string | null;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
let csrf: Promise<string | null> | null = null;

/** The session's CSRF token, fetched once per page load (and again after a refusal). */
function csrfToken(): Promise<string | null> {
  csrf ??= api<Me>('/api/v1/auth/me')
    .then((me) => me.csrfToken)
    .catch((e: unknown) => {
      csrf = null;
      throw e;
    });
  return csrf;
}

let leaving = false;
/** The session is gone: go to the sign-in page (once, however many requests failed). */
function toSignIn(): void {
  if (leaving) return;
  leaving = true;
  window.location.assign(SIGN_IN_PATH);
}

async function send(path: string, init: RequestInit, method: string): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.body) headers.set('content-type', 'application/json');
  if (!SAFE.has(method)) {
    const token = await csrfToken();
    if (token) headers.set('x-csrf-token', token);
  }
  return fetch(path, { ...init, method, headers, credentials: 'same-origin' });
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const method = (init.method ?? 'GET').toUpperCase();
  let res = await send(path, init, method);
  if (res.status === 403 && !SAFE.has(method)) {
    // A stale CSRF token (the session was renewed in another tab): fetch it again and retry once.
    const body = (await res.clone().json().catch(() => ({}))) as { error?: string };
    if (/csrf/i.test(body.error ?? '')) {
      csrf = null;
      res = await send(path, init, method);
    }
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; field?: string; reason?: string };
  if (res.status === 401) toSignIn();
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`, body.field, body.reason);
  return body as T;
}

export type Loadable<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; data: T };

/** Send a JSON body (POST, PUT, DELETE) with the session's CSRF token. */
export function write<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return api<T>(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/**
 * Fetch on mount and whenever the path (or `reload`, bumped after a write)
 * changes; stale answers are dropped.
 */
export function useApi<T>(path: string | null, reload = 0): Loadable<T> {
  // The answer remembers which request it belongs to, so a new path shows "loading" on its very first render.
  const [result, setResult] = useState<{ key: string | null; value: Loadable<T> } | null>(null);
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>(path)
      .then((data) => live && setResult({ key: path, value: { state: 'ready', data } }))
      .catch((e: unknown) => live && setResult({ key: path, value: { state: 'error', error: e instanceof ApiError ? e : new ApiError(0, String(e)) } }));
    return () => {
      live = false;
    };
  }, [path, reload]);
  // A reload keeps showing the previous answer until the new one arrives (no flicker after a write).
  return result && result.key === path ? result.value : { state: 'loading' };
}
