/**
 * The web app reads only the HTTP API, as the viewer who is signed in, so the
 * server's query layer and privacy policy decide what is visible. Until the
 * governance module adds sign-in, an admin can paste TOKENBOARD_ADMIN_TOKEN
 * (kept in this tab's sessionStorage only).
 */
import { useEffect, useState } from 'react';

const TOKEN_KEY = 'tokenboard.adminToken';

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event('tokenboard:auth'));
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (init.body) headers.set('content-type', 'application/json');
  const res = await fetch(path, { ...init, headers });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export type Loadable<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; data: T };

/** Fetch on mount and whenever the path changes (or the viewer signs in or out); stale answers are dropped. */
export function useApi<T>(path: string | null): Loadable<T> {
  // The answer remembers which request it belongs to, so a new path shows "loading" on its very first render.
  const [result, setResult] = useState<{ key: string; value: Loadable<T> } | null>(null);
  const [authVersion, setAuthVersion] = useState(0);
  const key = `${authVersion}:${path}`;
  useEffect(() => {
    const bump = () => setAuthVersion((v) => v + 1);
    window.addEventListener('tokenboard:auth', bump);
    return () => window.removeEventListener('tokenboard:auth', bump);
  }, []);
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>(path)
      .then((data) => live && setResult({ key, value: { state: 'ready', data } }))
      .catch((e: unknown) => live && setResult({ key, value: { state: 'error', error: e instanceof ApiError ? e : new ApiError(0, String(e)) } }));
    return () => {
      live = false;
    };
  }, [key]);
  return result && result.key === key ? result.value : { state: 'loading' };
}
