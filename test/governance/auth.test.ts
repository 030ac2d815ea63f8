/** Sign-in, sessions (cookies, timeouts, CSRF), rate limiting, tokens, ingest keys, first run, security headers. */
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/auth/crypto.js';
import { SESSION_COOKIE } from '../../src/auth/guard.js';
import { FAST_SCRYPT, makeOrg, RANGE } from './helpers.js';

type Json = Record<string, any>;
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;

describe('password sign-in and sessions', () => {
  it('hashes with scrypt at OWASP cost and verifies', async () => {
    const h = await hashPassword('a long enough password');
    expect(h).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword('a long enough password', h)).toBe(true);
    const fast = await hashPassword('a long enough password', FAST_SCRYPT);
    expect(await verifyPassword('a long enough passwore', fast)).toBe(false);
  });

  it('signs in with a __Host- cookie, needs the CSRF token to change state, signs out', async () => {
    const org = await makeOrg();
    await org.store.governance.createAccount({ email: 'pat@ex.com', role: 'analyst', passwordHash: await hashPassword('correct horse battery', FAST_SCRYPT) }, 0);
    const res = await org.req('/auth/sign-in', { method: 'POST', body: { email: 'PAT@ex.com', password: 'correct horse battery' } });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=tbs_`));
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).not.toMatch(/Domain=/);
    const { csrfToken } = (await res.json()) as Json;
    const cookie = cookieOf(res);
    // The session value is never stored, only its hash.
    expect(JSON.stringify(org.store.db.prepare('SELECT * FROM auth_session').all())).not.toContain(cookie.split('=')[1]);
    expect((await org.req('/api/v1/auth/me', { headers: { cookie } })).status).toBe(200);
    // A form post from the sign-in page works; a state change without the token does not.
    const noCsrf = await org.req('/api/v1/me/privacy', { method: 'PUT', headers: { cookie }, body: { leaderboardOptIn: true } });
    expect(noCsrf.status).toBe(403);
    const wrong = await org.req('/api/v1/me/privacy', { method: 'PUT', headers: { cookie, 'x-csrf-token': 'nope' }, body: { leaderboardOptIn: true } });
    expect(wrong.status).toBe(403);
    const ok = await org.req('/api/v1/me/privacy', { method: 'PUT', headers: { cookie, 'x-csrf-token': csrfToken }, body: { leaderboardOptIn: true } });
    expect(ok.status).toBe(200);
    const out = await org.req('/auth/sign-out', { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken }, body: {} });
    expect(out.status).toBe(200);
    expect((await org.req('/api/v1/auth/me', { headers: { cookie } })).status).toBe(401);
  });

  it('refuses cross-site form posts (login CSRF) by Origin', async () => {
    const org = await makeOrg();
    await org.store.governance.createAccount({ email: 'pat@ex.com', role: 'analyst', passwordHash: await hashPassword('correct horse battery', FAST_SCRYPT) }, 0);
    const form = (origin: string) =>
      org.app.request('/auth/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: 'email=pat%40ex.com&password=correct+horse+battery' });
    const evil = await form('https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('set-cookie')).toBeNull();
    const ours = await form('http://localhost');
    expect(ours.status).toBe(303);
    expect(ours.headers.get('location')).toBe('/');
    // Signing in again while signed in (no CSRF token in the sign-in form) works too.
    const again = await org.app.request('/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', cookie: ours.headers.get('set-cookie')!.split(';')[0]! },
      body: 'email=pat%40ex.com&password=correct+horse+battery',
    });
    expect(again.status).toBe(303);
  });

  it('ends a session after the idle timeout and after the absolute lifetime', async () => {
    let now = Date.UTC(2026, 0, 5);
    const org = await makeOrg({ clock: () => now });
    const a = await org.store.governance.createAccount({ email: 'pat@ex.com', role: 'analyst' }, now);
    const s1 = await org.gov.auth.startSession(a, 'test');
    const c1 = { cookie: `${SESSION_COOKIE}=${s1.cookie}` };
    now += 29 * 60_000;
    expect((await org.req('/api/v1/auth/me', { headers: c1 })).status).toBe(200);
    now += 29 * 60_000; // active within the idle window: still fine
    expect((await org.req('/api/v1/auth/me', { headers: c1 })).status).toBe(200);
    now += 31 * 60_000; // idle too long
    const idle = await org.req('/api/v1/auth/me', { headers: c1 });
    expect(idle.status).toBe(401);
    expect(((await idle.json()) as Json).error).toMatch(/session has ended/);

    const s2 = await org.gov.auth.startSession(a, 'test');
    const c2 = { cookie: `${SESSION_COOKIE}=${s2.cookie}` };
    for (let h = 0; h < 12; h++) {
      now += 25 * 60_000;
      await org.req('/api/v1/auth/me', { headers: c2 });
    }
    now += 25 * 60_000 * 18; // active all along, but past 12 hours
    for (let i = 0; i < 3; i++) (now += 20 * 60_000), await org.req('/api/v1/auth/me', { headers: c2 });
    expect((await org.req('/api/v1/auth/me', { headers: c2 })).status).toBe(401);
  });

  it('rate-limits failed sign-ins with 429 and Retry-After', async () => {
    const org = await makeOrg();
    await org.store.governance.createAccount({ email: 'pat@ex.com', role: 'analyst', passwordHash: await hashPassword('correct horse battery', FAST_SCRYPT) }, 0);
    for (let i = 0; i < 5; i++) expect((await org.req('/auth/sign-in', { method: 'POST', body: { email: 'pat@ex.com', password: `guess-${i}-xxxxxxx` } })).status).toBe(401);
    const limited = await org.req('/auth/sign-in', { method: 'POST', body: { email: 'pat@ex.com', password: 'correct horse battery' } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Bad input is a 400 naming the field.
    const bad = await org.req('/auth/sign-in', { method: 'POST', body: { email: 'x@ex.com' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error).toMatch(/password/);
  });

  it('a person ends all their sessions; an admin ends anyone’s', async () => {
    const org = await makeOrg();
    const s1 = await org.session('pat@ex.com', 'member');
    const s2 = await org.session('pat@ex.com', 'member');
    const mine = await org.req('/api/v1/auth/sessions/end', { method: 'POST', headers: s1, body: {} });
    expect(await mine.json()).toEqual({ ended: 2 });
    expect((await org.req('/api/v1/auth/me', { headers: s2 })).status).toBe(401);
    const s3 = await org.session('pat@ex.com', 'member');
    const id = (await org.store.governance.getAccount({ email: 'pat@ex.com' }))!.id;
    expect(await (await org.req(`/api/v1/admin/accounts/${id}/sessions/end`, { method: 'POST', headers: org.callers.admin, body: {} })).json()).toEqual({ ended: 1 });
    expect((await org.req('/api/v1/auth/me', { headers: s3 })).status).toBe(401);
  });

  it('a role change or disabling ends the account’s sessions', async () => {
    const org = await makeOrg();
    const s = await org.session('pat@ex.com', 'analyst');
    const id = (await org.store.governance.getAccount({ email: 'pat@ex.com' }))!.id;
    await org.req(`/api/v1/admin/accounts/${id}`, { method: 'PATCH', headers: org.callers.admin, body: { disabled: true } });
    expect((await org.req('/api/v1/auth/me', { headers: s })).status).toBe(401);
    expect((await org.req(`/api/v1/admin/accounts/x`, { method: 'PATCH', headers: org.callers.admin, body: {} })).status).toBe(400);
  });
});

describe('first run and one-time links', () => {
  it('the first-run token creates the first admin once', async () => {
    const { SqliteStore } = await import('../../src/store/sqlite/store.js');
    const { buildDeps } = await import('../../src/server/start.js');
    const { createApp } = await import('../../src/server/app.js');
    const store = new SqliteStore({ file: ':memory:' });
    const deps = buildDeps(store, { governance: { scryptCost: FAST_SCRYPT } });
    const app = createApp(deps);
    const token = (await deps.governance!.auth.firstRunToken())!;
    expect(token).toMatch(/^tbo_/);
    expect((await app.request(`/setup?token=${token}`)).status).toBe(200);
    const post = (body: unknown) => app.request('/setup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ token: 'tbo_wrong', email: 'boss@ex.com', password: 'a very long password' })).status).toBe(401);
    const short = await post({ token, email: 'boss@ex.com', password: 'short' });
    expect(short.status).toBe(400);
    // A too-short password does not spend the single-use token.
    const ok = await post({ token, email: 'boss@ex.com', password: 'a very long password' });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('set-cookie')).toMatch(/__Host-tb_session=tbs_/);
    expect(await deps.governance!.auth.firstRunToken()).toBeNull();
    expect((await post({ token, email: 'evil@ex.com', password: 'a very long password' })).status).toBe(409);
  });

  it('a sign-in link (demo) works once and shows only a button on GET', async () => {
    const org = await makeOrg();
    const token = await org.gov.auth.issueOneTimeToken('sign-in', 'demo-admin@example.com', 'admin', 60_000);
    const page = await org.req(`/auth/link?token=${token}`);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(await page.text()).toContain('<button');
    const form = (t: string) => org.app.request('/auth/link', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${t}` });
    const ok = await form(token);
    expect(ok.status).toBe(303);
    const me = await org.req('/api/v1/auth/me', { headers: { cookie: cookieOf(ok) } });
    expect(await me.json()).toMatchObject({ email: 'demo-admin@example.com', role: 'admin' });
    expect((await form(token)).status).toBe(401);
  });
});

describe('API tokens and ingest keys', () => {
  it('tokens are shown once, stored hashed, limited to their scopes, revocable', async () => {
    const org = await makeOrg();
    const created = (await (await org.req('/api/v1/admin/tokens', { method: 'POST', headers: org.callers.admin, body: { name: 'bi', role: 'analyst', scopes: ['usage:read'] } })).json()) as Json;
    expect(created.token).toMatch(/^tbt_/);
    expect(JSON.stringify(org.store.db.prepare('SELECT * FROM api_token').all())).not.toContain(created.token);
    const bearer = { authorization: `Bearer ${created.token}` };
    expect((await org.req(`/api/v1/usage/summary?${RANGE}`, { headers: bearer })).status).toBe(200);
    expect((await org.req('/api/v1/auth/me', { headers: bearer })).status).toBe(403); // account:self not in scopes
    // A scope beyond the role is refused.
    expect((await org.req('/api/v1/admin/tokens', { method: 'POST', headers: org.callers.admin, body: { name: 'x', role: 'analyst', scopes: ['audit:read'] } })).status).toBe(400);
    expect((await org.req('/api/v1/admin/tokens', { method: 'POST', headers: org.callers.admin, body: { name: 'x', role: 'analyst', scopes: ['root'] } })).status).toBe(400);
    await org.req(`/api/v1/admin/tokens/${created.id}`, { method: 'DELETE', headers: org.callers.admin });
    const revoked = await org.req(`/api/v1/usage/summary?${RANGE}`, { headers: bearer });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as Json).error).toBe('unknown or revoked token');
  });

  it('ingest keys are write-only and limited to their sources', async () => {
    const org = await makeOrg();
    const k = (await (await org.req('/api/v1/admin/ingest-keys', { method: 'POST', headers: org.callers.admin, body: { name: 'laptops', sources: ['claude-code'] } })).json()) as Json;
    const key = { 'x-tokenboard-ingest-key': k.key };
    const ev = (source: string) => ({ time: '2026-01-06T10:00:00Z', source, model: 'gpt-5', identity: { email: 'ann@ex.com' }, tokens: { input: 1, output: 1 } });
    const res = await org.req('/api/v1/events', { method: 'POST', headers: key, body: { events: [ev('claude-code'), { bad: true }, ev('codex'), { ...ev('claude-code'), key: 'second' }] } });
    const body = (await res.json()) as Json;
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r: Json) => [r.index, r.field])).toEqual([[1, expect.any(String)], [2, 'source']]);
    expect((await org.req(`/api/v1/usage/summary?${RANGE}`, { headers: key })).status).toBe(403);
    // OTLP arrives as source otel: a key limited to claude-code may not send it; a key with otel may.
    const otlp = (h: Record<string, string>) => org.req('/v1/metrics', { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: { resourceMetrics: [] } });
    const refused = await otlp(key);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/may write only claude-code/);
    const k2 = (await (await org.req('/api/v1/admin/ingest-keys', { method: 'POST', headers: org.callers.admin, body: { name: 'collector', sources: ['otel'] } })).json()) as Json;
    expect((await otlp({ 'x-tokenboard-ingest-key': k2.key })).status).toBe(200);
    await org.req(`/api/v1/admin/ingest-keys/${k.id}`, { method: 'DELETE', headers: org.callers.admin });
    expect((await org.req('/api/v1/events', { method: 'POST', headers: key, body: { events: [ev('claude-code')] } })).status).toBe(401);
  });
});

describe('security headers', () => {
  it('every response carries them; signed-in answers are not cached', async () => {
    const org = await makeOrg();
    for (const [path, headers] of [['/healthz', {}], ['/auth/sign-in', {}], [`/api/v1/usage/summary?${RANGE}`, org.callers.analyst]] as const) {
      const res = await org.req(path, { headers });
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    }
    expect((await org.req(`/api/v1/usage/summary?${RANGE}`, { headers: org.callers.analyst })).headers.get('cache-control')).toBe('no-store');
  });
});
