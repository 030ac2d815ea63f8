/**
 * Route permissions. Every route declares the permission it needs:
 *
 *   app.get('/api/v1/things', guard('usage:read'), handler)
 *   app.openapi(createRoute({ ..., middleware: [guard('usage:read')] as const }), handler)
 *   app.use('/api/v1/things/*', guard('usage:read'))   // a whole prefix
 *
 * `guard('public')` marks a deliberately open route. A route with no guard is
 * closed (403) by `denyUnguarded`, and test/governance/routes.test.ts
 * enumerates every route of createApp to prove none is reachable without one.
 * Inside a handler, `viewerOf(c)` is who asked (see src/server/context.ts).
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { matchedRoutes } from 'hono/route';
import type { AuditLog } from '../governance/audit.js';
import { ANONYMOUS, type Viewer } from '../query/policy.js';
import { can, type Permission } from './permissions.js';
import type { AuthService } from './service.js';

declare module 'hono' {
  interface ContextVariableMap {
    viewer: Viewer;
    auditLog: AuditLog;
    authProblem: string;
  }
}

export const SESSION_COOKIE = '__Host-tb_session';
const GUARD = Symbol.for('tokenboard.guard');
const GLOBAL = new WeakSet<object>();

export type Guard = MiddlewareHandler & { readonly [GUARD]: Permission };

export function isGuard(h: unknown): h is Guard {
  return typeof h === 'function' && GUARD in h;
}

export function permissionOf(h: unknown): Permission | undefined {
  return isGuard(h) ? h[GUARD] : undefined;
}

export interface GuardOptions {
  /** Answer a refusal in the route's own format (e.g. OTLP protobuf); default JSON `{error}`. */
  deny?: (c: Context, status: 401 | 403, message: string) => Response | Promise<Response>;
}

/** The permission a route needs. Anonymous callers get 401, others lacking it 403 (audited). */
export function guard(permission: Permission, opts: GuardOptions = {}): Guard {
  const deny = opts.deny ?? ((c: Context, status: 401 | 403, message: string) => c.json({ error: message }, status));
  const mw: MiddlewareHandler = async (c, next) => {
    if (permission === 'public') return next();
    const viewer = c.get('viewer') ?? ANONYMOUS;
    if (viewer.role === 'anonymous') {
      // A person opening a page in a browser is sent to sign in; API clients get 401.
      if (c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html')) return c.redirect('/auth/sign-in', 302);
      c.header('WWW-Authenticate', 'Bearer realm="tokenboard"');
      const problem = c.get('authProblem');
      if (permission === 'usage:ingest') return deny(c, 401, problem ? 'unknown ingest key (or revoked)' : 'an ingest key is required (Authorization: Bearer KEY)');
      return deny(c, 401, problem ?? 'sign in required');
    }
    if (!can(viewer, permission)) {
      await c.get('auditLog')?.record(viewer, 'authz.denied', { outcome: 'denied', detail: { method: c.req.method, path: c.req.path, permission } });
      return deny(c, 403, `your role (${viewer.role}) does not have the ${permission} permission`);
    }
    if (!(await csrfOk(c, viewer))) {
      await c.get('auditLog')?.record(viewer, 'authz.denied', { outcome: 'denied', detail: { method: c.req.method, path: c.req.path, reason: 'csrf' } });
      return deny(c, 403, 'missing or wrong CSRF token (send X-CSRF-Token from GET /api/v1/auth/me)');
    }
    return next();
  };
  return Object.assign(mw, { [GUARD]: permission }) as Guard;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF: a state-changing request on a session must carry the session's token
 * (header `X-CSRF-Token` or form field `_csrf`). Bearer requests cannot be
 * forged by another site, and public routes (sign-in forms) are covered by the
 * Origin check in `authenticate`.
 */
async function csrfOk(c: Context, viewer: Viewer): Promise<boolean> {
  if (viewer.via !== 'session' || SAFE_METHODS.has(c.req.method)) return true;
  let sent = c.req.header('x-csrf-token');
  if (!sent && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '')) {
    const form = await c.req.parseBody();
    sent = typeof form._csrf === 'string' ? form._csrf : undefined;
  }
  return !!sent && !!viewer.csrf && sent === viewer.csrf;
}

function global(mw: MiddlewareHandler): MiddlewareHandler {
  GLOBAL.add(mw);
  return mw;
}

/**
 * Resolve the viewer (bearer token, else session cookie), and refuse
 * cookie-borne state changes whose Origin is another site.
 */
export function authenticate(auth: AuthService, audit: AuditLog, adminToken?: string): MiddlewareHandler {
  return global(async (c, next) => {
    c.set('auditLog', audit);
    let viewer: Viewer = ANONYMOUS;
    const h = c.req.header('authorization');
    const token = h?.toLowerCase().startsWith('bearer ') ? h.slice(7).trim() : c.req.header('x-tokenboard-ingest-key');
    // Cookie-borne requests (sign-in forms included) must come from our own pages: refuse
    // a state change whose Origin is another host (login CSRF, cross-site form posts).
    const origin = c.req.header('origin');
    if (!token && !SAFE_METHODS.has(c.req.method) && origin && origin !== 'null') {
      let host = '';
      try {
        host = new URL(origin).host;
      } catch {
        // a malformed Origin is refused below
      }
      if (host !== (c.req.header('host') ?? new URL(c.req.url).host)) return c.json({ error: 'cross-site request refused' }, 403);
    }
    if (token) {
      viewer = (await auth.viewerFromBearer(token, adminToken)) ?? ANONYMOUS;
      if (viewer === ANONYMOUS) c.set('authProblem', 'unknown or revoked token');
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (cookie) {
        viewer = (await auth.viewerFromSession(cookie)) ?? ANONYMOUS;
        if (viewer === ANONYMOUS) c.set('authProblem', 'your session has ended; sign in again');
      }
    }
    c.set('viewer', viewer);
    if (viewer !== ANONYMOUS) c.header('Cache-Control', 'no-store');
    return next();
  });
}

/** Fail closed: an endpoint that declared no permission answers 403 to everyone. */
export const denyUnguarded: MiddlewareHandler = global(async (c, next) => {
  const routes = matchedRoutes(c);
  const endpoint = routes.some((r) => r.method !== 'ALL' && !isGuard(r.handler));
  if (endpoint && !routes.some((r) => isGuard(r.handler))) {
    return c.json({ error: 'this route declares no permission, so it is closed' }, 403);
  }
  return next();
});

export interface RoutePermission {
  method: string;
  path: string;
  permission: Permission | null;
}

/** Every endpoint of an app with the permission it declares (null = none: closed, and a bug). */
export function routePermissions(app: { routes: Hono["routes"] }): RoutePermission[] {
  const out = new Map<string, RoutePermission>();
  const prefixGuards = app.routes.filter((r) => r.method === 'ALL' && isGuard(r.handler));
  const covers = (pattern: string, path: string) =>
    pattern === '*' || pattern === '/*' || pattern === path || (pattern.endsWith('/*') && path.startsWith(pattern.slice(0, -1)));
  for (const r of app.routes) {
    if (r.method === 'ALL' || GLOBAL.has(r.handler)) continue;
    const key = `${r.method} ${r.path}`;
    const own = app.routes.find((o) => o.path === r.path && (o.method === r.method || o.method === 'ALL') && isGuard(o.handler));
    const permission = permissionOf(own?.handler) ?? permissionOf(prefixGuards.find((g) => covers(g.path, r.path))?.handler) ?? null;
    const prev = out.get(key);
    if (!prev || (prev.permission === null && permission)) out.set(key, { method: r.method, path: r.path, permission });
  }
  return [...out.values()];
}
