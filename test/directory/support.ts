/** Small factories for directory, identity and pricing tests: an in-memory store, the real app, events. */
import { DEFAULT_POLICY } from '../../src/query/policy.js';
import { QueryService } from '../../src/query/service.js';
import { createApp } from '../../src/server/app.js';
import { buildDeps } from '../../src/server/start.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { UsageEventInput } from '../../src/domain/event.js';

export const ADMIN = 'test-admin-token';
export const auth = { authorization: `Bearer ${ADMIN}` };

export function makeApp() {
  const store = new SqliteStore({ file: ':memory:' });
  const deps = buildDeps(store, { adminToken: ADMIN });
  // These tests check exact figures for a handful of people: here the policy lets the admin see individuals.
  deps.query = new QueryService(store, { ...DEFAULT_POLICY, individualViewers: ['admin'] });
  const app = createApp(deps);
  return { store, deps, app };
}

export function event(time: string, over: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    time,
    source: 'api',
    model: 'claude-sonnet-4-5-20250929',
    identity: { email: 'ana@example.com' },
    tokens: { input: 1000, output: 500 },
    ...over,
  };
}

export async function send(app: ReturnType<typeof makeApp>['app'], path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await app.request(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...auth, ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
