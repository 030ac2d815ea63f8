import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ev, T0 } from '../support/events.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

const DAY = 86_400_000;
const from = new Date(T0 - 7 * DAY).toISOString();
const to = new Date(T0 + 7 * DAY).toISOString();
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('usage query API', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    // 12 engineers, 6 in sales, 2 in legal (a group below the minimum size).
    const people = [
      ...Array.from({ length: 12 }, (_, i) => ({ email: `eng${i}@example.com`, function: 'Engineering', team: 'Platform' })),
      ...Array.from({ length: 6 }, (_, i) => ({ email: `sales${i}@example.com`, function: 'Sales', team: 'Sales West' })),
      ...Array.from({ length: 2 }, (_, i) => ({ email: `legal${i}@example.com`, function: 'Legal', team: 'Legal' })),
    ];
    await s.deps.store.upsertPeople(people);
    const events = people.flatMap((p, i) =>
      [0, 1].map((d) => ev({ n: i * 2 + d, key: `${p.email}-${d}`, time: T0 + d * DAY, identity: { email: p.email }, tool: i % 2 ? 'Claude Code' : 'Codex', model: i % 2 ? 'claude-sonnet-4-5' : 'gpt-5' })),
    );
    const r = await s.post('/api/v1/events', { events });
    expect((await r.json()).accepted).toBe(40);
  });
  afterAll(async () => s.stop());

  it('summarises tokens by type, cost, requests and active people', async () => {
    const r = await s.get(`/api/v1/usage/summary?from=${from}&to=${to}`);
    expect(r.status).toBe(200);
    const { totals } = await r.json();
    expect(totals.events).toBe(40);
    expect(totals.requests).toBe(40);
    expect(totals.people).toBe(20);
    expect(totals.tokens).toBe(totals.input + totals.output + totals.cacheRead + totals.cacheWrite);
    expect(totals.cost).toBeGreaterThan(0);
    const raw = await s.deps.store.rawTotals();
    expect(totals.input).toBe(raw.input);
  });

  it('breaks down by function and suppresses groups under five people, with complementary suppression', async () => {
    const r = await s.get(`/api/v1/usage/breakdown?from=${from}&to=${to}&groupBy=function&sort=people`);
    const { rows } = await r.json();
    const byFn = Object.fromEntries(rows.map((x: { keys: { function: string }; suppressed?: boolean; people?: number }) => [x.keys.function, x]));
    expect(byFn.Engineering.people).toBe(12);
    expect(byFn.Legal.suppressed).toBe(true);
    expect(byFn.Legal.people).toBeUndefined();
    // Sales (6) is the next smallest: hidden too, or Legal = total - Engineering - Sales.
    expect(byFn.Sales.suppressed).toBe(true);
    // Admins get the same suppression: the privacy policy does not exempt roles by default.
    const asAdmin = await (await s.get(`/api/v1/usage/breakdown?from=${from}&to=${to}&groupBy=function`, admin)).json();
    expect(asAdmin.rows.find((x: { keys: { function: string } }) => x.keys.function === 'Legal').suppressed).toBe(true);
  });

  it('refuses person-level questions (anonymous: 401) and answers admins only when the policy allows', async () => {
    expect((await s.get(`/api/v1/usage/summary?from=${from}&to=${to}`, {})).status).toBe(401);
    const r = await s.get(`/api/v1/usage/breakdown?from=${from}&to=${to}&groupBy=person`);
    expect(r.status).toBe(403);
    const f = await s.get(`/api/v1/usage/summary?from=${from}&to=${to}&person=eng1@example.com`);
    expect(f.status).toBe(403);
    expect((await s.get(`/api/v1/usage/breakdown?from=${from}&to=${to}&groupBy=person&top=3`, admin)).status).toBe(403);
    const put = await fetch(`${s.url}/api/v1/admin/policy`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ individualViewers: ['admin'] }) });
    expect(put.status).toBe(200);
    const a = await s.get(`/api/v1/usage/breakdown?from=${from}&to=${to}&groupBy=person&top=3`, admin);
    expect(a.status).toBe(200);
    expect((await a.json()).rows).toHaveLength(3);
    await fetch(`${s.url}/api/v1/admin/policy`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ individualViewers: [] }) });
  });

  it('refuses a filter that isolates fewer than five people', async () => {
    const r = await s.get(`/api/v1/usage/summary?from=${from}&to=${to}&function=Legal`);
    expect(r.status).toBe(403);
    expect((await r.json()).error).toMatch(/fewer than 5 people/);
  });

  it('returns series per bucket and per group with top-N folding the rest into (other)', async () => {
    const r = await s.get(`/api/v1/usage/series?from=${from}&to=${to}&bucket=day`);
    const { rows } = await r.json();
    expect(rows.map((x: { bucket: number }) => new Date(x.bucket).toISOString().slice(0, 10))).toEqual(['2026-06-01', '2026-06-02']);
    const g = await (await s.get(`/api/v1/usage/series?from=${from}&to=${to}&bucket=day&groupBy=model&top=1`, admin)).json();
    const keys = new Set(g.rows.map((x: { keys: { model: string } }) => x.keys.model));
    expect(keys.size).toBe(2);
    expect(keys.has('(other)')).toBe(true);
  });

  it('rejects bad parameters with 400 naming the field', async () => {
    const r = await s.get('/api/v1/usage/breakdown?groupBy=colour');
    expect(r.status).toBe(400);
    expect((await r.json()).field).toBe('groupBy');
    const t = await s.get('/api/v1/usage/summary?from=not-a-date');
    expect(t.status).toBe(400);
    expect((await t.json()).field).toBe('from');
    const b = await s.get('/api/v1/usage/series?bucket=fortnight');
    expect((await b.json()).field).toBe('bucket');
  });

  it('serves health, the OpenAPI document generated from the schemas, and an overview page', async () => {
    expect(await (await s.get('/healthz')).json()).toMatchObject({ status: 'ok', store: 'sqlite' });
    const doc = await (await s.get('/api/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/events', '/api/v1/usage/summary', '/api/v1/usage/breakdown', '/api/v1/usage/series']));
    const evSchema = doc.paths['/api/v1/events'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(evSchema)).toContain('cacheRead');
    const page = await (await s.get('/')).text();
    expect(page).toContain('tokenboard');
  });
});
