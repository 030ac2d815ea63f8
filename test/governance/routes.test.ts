/**
 * Every route of createApp declares a permission, and none but the declared
 * public ones answers an anonymous caller with anything but 401.
 */
import { describe, expect, it } from 'vitest';
import { guard, routePermissions } from '../../src/auth/guard.js';
import { makeOrg } from './helpers.js';

const PUBLIC = new Set([
  'GET /healthz',
  'GET /api/openapi.json',
  'GET /auth/sign-in',
  'POST /auth/sign-in',
  'GET /auth/link',
  'POST /auth/link',
  'GET /setup',
  'POST /setup',
  'GET /auth/oidc/start',
  'GET /auth/oidc/callback',
  'GET /privacy',
  'GET /privacy.md',
  'GET /api/v1/privacy/policy',
  'GET /favicon.svg',
  'GET /favicon.ico',
]);

describe('route permissions', () => {
  it('every registered route declares a permission, and only the known ones are public', async () => {
    const { app } = await makeOrg();
    const routes = routePermissions(app);
    expect(routes.length).toBeGreaterThan(25);
    const undeclared = routes.filter((r) => r.permission === null).map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
    const open = routes.filter((r) => r.permission === 'public').map((r) => `${r.method} ${r.path}`);
    expect(new Set(open)).toEqual(PUBLIC);
  });

  it('no non-public route answers an anonymous caller with anything but 401', async () => {
    const { app } = await makeOrg();
    const results: string[] = [];
    for (const r of routePermissions(app)) {
      if (r.permission === 'public') continue;
      const path = r.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'email' ? 'ann@ex.com' : '1'));
      const res = await app.request(path, { method: r.method, headers: { 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{}' });
      results.push(`${r.method} ${r.path} ${res.status}`);
    }
    expect(results.filter((s) => !s.endsWith(' 401'))).toEqual([]);
  });

  it('a route added without a guard is closed to everyone, admins included', async () => {
    const { app, callers } = await makeOrg();
    app.get('/api/v1/forgot-to-guard', (c) => c.json({ secret: 'people data' }));
    app.get('/api/v1/guarded', guard('usage:read'), (c) => c.json({ ok: true }));
    expect(routePermissions(app).find((r) => r.path === '/api/v1/forgot-to-guard')!.permission).toBeNull();
    const res = await app.request('/api/v1/forgot-to-guard', { headers: callers.admin });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('people data');
    expect((await app.request('/api/v1/guarded', { headers: callers.member })).status).toBe(200);
    // Unknown paths stay 404.
    expect((await app.request('/nope', { headers: callers.admin })).status).toBe(404);
  });
});

describe('browsers without a session', () => {
  it('are sent to the sign-in page instead of a 401', async () => {
    const { app } = await makeOrg();
    const res = await app.request('/', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/auth/sign-in');
  });
});
