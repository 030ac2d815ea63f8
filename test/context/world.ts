/**
 * A small organisation for context tests: two teams with a manager, usage
 * events through the real ingest pipeline, and the context routes mounted on
 * an app whose viewer comes from a test header or cookie.
 *
 * The viewer seam is test-only: production mounts the same routes with
 * `viewerOf` (src/server/app.ts). Until governance's sign-in lands there is no
 * signed-in person over HTTP, so per-person HTTP behaviour is tested here.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { UsageEventSchema } from '../../src/domain/event.js';
import { ContextService, DigestService } from '../../src/context/service.js';
import { PolicyError, type Role, type Viewer } from '../../src/query/policy.js';
import { registerContextRoutes } from '../../src/server/routes/context.js';
import { buildDeps, openStore } from '../../src/server/start.js';
import type { AppDeps } from '../../src/server/app.js';
import { ev } from '../support/events.js';

export const WEEK = '2026-06-01';
export const DAY = 86_400_000;
export const T_WEEK = Date.parse(WEEK);

export const ana: Viewer = { role: 'member', email: 'ana@example.com' };
export const ben: Viewer = { role: 'member', email: 'ben@example.com' };
export const mia: Viewer = { role: 'manager', email: 'mia@example.com' };
export const sam: Viewer = { role: 'member', email: 'sam@example.com' };
export const chen: Viewer = { role: 'member', email: 'chen@example.com' };
export const adminToken: Viewer = { role: 'admin', name: 'admin-token' };
export const anonymous: Viewer = { role: 'anonymous' };

export const PLATFORM = 'Engineering · Platform';
const OTHERS = ['ola', 'pia', 'quin', 'rae', 'sol'];
export const SALES = 'Sales · West';

export interface World {
  deps: AppDeps;
  context: ContextService;
  digests: DigestService;
  close(): Promise<void>;
}

export async function makeWorld(now = T_WEEK + 2 * DAY + 10 * 3_600_000): Promise<World> {
  const store = openStore(':memory:');
  const deps = buildDeps(store);
  // A small test organisation: managers see their team of six (the default manager minimum is 10).
  await deps.governance!.settings.update({ role: 'admin', via: 'system', name: 'test' }, { managerMinGroupSize: 5 }, deps.governance!.audit);
  const platform = ['ana', 'ben', 'chen', 'dev', 'eli', 'fay'].map((n) => ({ email: `${n}@example.com`, name: n[0]!.toUpperCase() + n.slice(1), team: PLATFORM, function: 'Engineering', managerEmail: 'mia@example.com' }));
  await store.upsertPeople([
    { email: 'mia@example.com', name: 'Mia', team: 'Engineering · Leads', function: 'Engineering' },
    ...platform,
    { email: 'sam@example.com', name: 'Sam', team: SALES, function: 'Sales' },
    // Five more people elsewhere: without them the Platform figures would reveal Mia's and Sam's by
    // subtraction from the organisation's, and the privacy policy would refuse them (differencing).
    ...OTHERS.map((n) => ({ email: `${n}@example.com`, name: n, team: 'Operations', function: 'Operations' })),
  ]);
  // Last week: five Platform people active; this week: all six (Fay started), and Ana's Claude Code session.
  const events = [
    ...['ana', 'ben', 'chen', 'dev', 'eli'].map((n, i) => ev({ n: i, key: `prev-${n}`, time: T_WEEK - 3 * DAY, identity: { email: `${n}@example.com` }, tool: 'Codex' })),
    ...platform.map((p, i) => ev({ n: 10 + i, key: `this-${p.email}`, time: T_WEEK + DAY, identity: { email: p.email }, tool: 'Codex' })),
    ...OTHERS.flatMap((n, i) => [
      ev({ n: 40 + i, key: `ops-prev-${n}`, time: T_WEEK - 3 * DAY, identity: { email: `${n}@example.com` }, tool: 'ChatGPT' }),
      ev({ n: 50 + i, key: `ops-this-${n}`, time: T_WEEK + DAY, identity: { email: `${n}@example.com` }, tool: 'ChatGPT' }),
    ]),
    ev({ n: 20, key: 'sam-1', time: T_WEEK + DAY, identity: { email: 'sam@example.com' }, tool: 'ChatGPT' }),
    ev({ n: 30, key: 'ana-cc-1', time: T_WEEK + DAY + 3_600_000, identity: { email: 'ana@example.com' }, tool: 'Claude Code', model: 'claude-sonnet-4-5', sessionId: 's-1', tokens: { input: 1000, output: 2000, cacheRead: 30000, cacheWrite: 500, reasoning: 0 } }),
    ev({ n: 31, key: 'ana-cc-2', time: T_WEEK + DAY + 2 * 3_600_000, identity: { email: 'ana@example.com' }, tool: 'Claude Code', model: 'claude-sonnet-4-5', sessionId: 's-1', tokens: { input: 500, output: 1000, cacheRead: 10000, cacheWrite: 0, reasoning: 0 } }),
  ];
  await deps.ingestor.ingestEvents(events.map((e) => UsageEventSchema.parse(e)));
  const context = ContextService.forStore(store, deps.query, () => now);
  return { deps, context, digests: new DigestService(context, () => now), close: () => store.close() };
}

/** Test-only viewer: `x-test-viewer: role:email` header, `test_viewer` cookie, or `Bearer test:role:email`. */
export function testViewer(c: Context): Viewer {
  const auth = c.req.header('authorization');
  const v = c.req.header('x-test-viewer') ?? getCookie(c, 'test_viewer') ?? (auth?.startsWith('Bearer test:') ? auth.slice('Bearer test:'.length) : undefined);
  if (!v) return anonymous;
  const [role, email] = v.split(':') as [Role, string | undefined];
  return email ? { role, email } : { role, name: 'test' };
}

export function testApp(deps: AppDeps) {
  const app = new OpenAPIHono();
  app.onError((err, c) => {
    if (err instanceof PolicyError) return c.json({ error: err.message }, err.status);
    console.error(err);
    return c.json({ error: 'internal error' }, 500);
  });
  // Stands in for the authenticate middleware: the routes' guards read the viewer from the context.
  app.use('*', async (c, next) => {
    c.set('viewer', testViewer(c));
    await next();
  });
  registerContextRoutes(app, deps, testViewer);
  return app;
}

export const as = (v: Viewer) => (v.email ? `${v.role}:${v.email}` : v.role);

export function client(app: ReturnType<typeof testApp>, viewer: Viewer) {
  const headers = { 'content-type': 'application/json', 'x-test-viewer': as(viewer) };
  return {
    get: (p: string) => app.request(p, { headers }),
    post: (p: string, body: unknown) => app.request(p, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    put: (p: string, body?: unknown) => app.request(p, { method: 'PUT', headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    del: (p: string) => app.request(p, { method: 'DELETE', headers }),
  };
}

/** The test app on a real port (for the CLI and the browser). */
export async function serveTestApp(w: World): Promise<{ url: string; close(): Promise<void> }> {
  const app = testApp(w.deps);
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise<void>((r) => server.close(() => r())) }),
    );
  });
}
