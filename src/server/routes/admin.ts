/**
 * The one place admin-only routes ask "may this viewer administer?". Today:
 * the admin token. When roles and permissions land, swap the body of `isAdmin`.
 */
import type { Context } from 'hono';
import { viewerOf, type AppDeps } from '../context.js';

export function isAdmin(c: Context, deps: AppDeps): boolean {
  return viewerOf(c, deps).role === 'admin';
}

/** A 403 response when the viewer is not an admin, else null. */
export function adminOnly(c: Context, deps: AppDeps) {
  if (isAdmin(c, deps)) return null;
  return c.json({ error: 'this needs an administrator (Authorization: Bearer <admin token>)' }, 403);
}
