import { describe, expect, it } from 'vitest';
import { UsageEventSchema } from '../../src/domain/event.js';
import { compileRules, globToRegExp, resolveIdentity } from '../../src/identity/resolve.js';
import { event, makeApp, send } from './support.js';

const MAY = { from: Date.parse('2026-05-01'), to: Date.parse('2026-06-01') };

describe('identity resolution', () => {
  it('applies exact aliases, domain rewrites and patterns in order; assignments win', () => {
    const people = new Map([['ana@example.com', 1], ['ben@example.com', 2]]);
    const lookup = {
      personByEmail: (e: string) => people.get(e),
      personByAlias: (k: string, v: string) => (k === 'apiKeyId' && v === 'key_ana' ? 1 : undefined),
      serviceByName: (n: string) => (n === 'ci-bot' ? 7 : undefined),
    };
    const rules = compileRules([
      { id: 1, kind: 'domain', field: 'email', match: 'old.example.com', target: 'example.com', priority: 100 },
      { id: 2, kind: 'pattern', field: 'machineId', match: 'ci-runner-*', target: 'service:ci-bot', priority: 100 },
      { id: 3, kind: 'alias', field: 'userId', match: 'u-42', target: 'ben@example.com', priority: 100 },
      { id: 4, kind: 'pattern', field: 'email', match: '*@example.com', target: 'service:ci-bot', priority: 200 },
    ]);
    const r = (i: object, a?: { personId: number | null; serviceId: number | null }) => resolveIdentity(i, rules, lookup, a);
    expect(r({ email: 'ana@example.com' })).toEqual({ personId: 1, serviceId: null, resolvedBy: 'email' });
    expect(r({ apiKeyId: 'key_ana' })).toEqual({ personId: 1, serviceId: null, resolvedBy: 'alias:apiKeyId' });
    expect(r({ userId: 'u-42' })).toEqual({ personId: 2, serviceId: null, resolvedBy: 'rule:3' });
    expect(r({ email: 'Ben@Old.Example.com'.toLowerCase() })).toEqual({ personId: 2, serviceId: null, resolvedBy: 'rule:1' });
    expect(r({ machineId: 'ci-runner-17' })).toEqual({ personId: null, serviceId: 7, resolvedBy: 'rule:2' });
    expect(r({ email: 'zed@example.com' })).toEqual({ personId: null, serviceId: 7, resolvedBy: 'rule:4' });
    expect(r({ email: 'zed@elsewhere.org' })).toEqual({ personId: null, serviceId: null, resolvedBy: null });
    expect(r({ email: 'ana@example.com' }, { personId: 2, serviceId: null })).toEqual({ personId: 2, serviceId: null, resolvedBy: 'assignment' });
    expect(globToRegExp('a.b*').test('aXb')).toBe(false);
  });

  it('lists unattributed usage and re-attributes history consistently when assigned', async () => {
    const { app, store, deps } = makeApp();
    await store.upsertPeople([{ email: 'ana@example.com', team: 'Platform' }]);
    const events = [
      event('2026-05-04T09:00:00Z'),
      event('2026-05-04T10:00:00Z', { identity: { apiKeyId: 'key_x' }, source: 'openai-api', model: 'gpt-5' }),
      event('2026-05-05T10:00:00Z', { identity: { apiKeyId: 'key_x' }, source: 'openai-api', model: 'gpt-5' }),
      event('2026-05-05T11:00:00Z', { identity: { apiKeyId: 'key_x' }, source: 'codex', model: 'gpt-5' }),
      event('2026-05-06T11:00:00Z', { identity: { machineId: 'ci-runner-3' } }),
    ].map((e) => UsageEventSchema.parse(e));
    await deps.ingestor.ingestEvents(events);

    const anon = await send(app, '/api/v1/identity/unattributed?from=2026-05-01&to=2026-06-01', { headers: { authorization: '' } });
    expect(anon.status).toBe(401);
    const un = await send(app, '/api/v1/identity/unattributed?from=2026-05-01&to=2026-06-01');
    expect(un.body.identities).toEqual([
      expect.objectContaining({ canonical: 'apikey:key_x', events: 3, tokens: 4500, sources: ['codex', 'openai-api'], firstSeen: Date.parse('2026-05-04'), lastSeen: Date.parse('2026-05-05') }),
      expect.objectContaining({ canonical: 'machine:ci-runner-3', events: 1 }),
    ]);

    const byPerson = async (hourly = false) => {
      const from = hourly ? MAY.from + 3600_000 : MAY.from;
      const rows = await store.aggregate({ from, to: MAY.to, groupBy: ['person', 'team'] });
      return Object.fromEntries(rows.map((r) => [`${r.keys.person}|${r.keys.team}`, r.events]));
    };
    const total = (await store.aggregate(MAY))[0]!;
    expect(await byPerson()).toEqual({ 'ana@example.com|Platform': 1, 'apikey:key_x|null': 3, 'machine:ci-runner-3|null': 1 });

    // Assign the key to Ana: her whole history grows, in daily and hourly rollups alike, and the total does not move.
    const bad = await send(app, '/api/v1/identity/assignments', { body: { canonical: 'apikey:key_x', person: 'nobody@example.com' } });
    expect(bad.status).toBe(404);
    const ok = await send(app, '/api/v1/identity/assignments', { body: { canonical: 'apikey:key_x', person: 'ana@example.com' } });
    expect(ok.body.identity).toMatchObject({ resolvedBy: 'assignment' });
    expect(await byPerson()).toEqual({ 'ana@example.com|Platform': 4, 'machine:ci-runner-3|null': 1 });
    expect(await byPerson(true)).toEqual({ 'ana@example.com|Platform': 4, 'machine:ci-runner-3|null': 1 });
    const after = (await store.aggregate(MAY))[0]!;
    expect(after).toMatchObject({ events: total.events, tokens: total.tokens, cost: total.cost, people: 2 });

    // A pattern rule sends CI machines to a named service, which is not counted as a person.
    await send(app, '/api/v1/identity/services', { body: { name: 'ci-bot', description: 'GitHub Actions' } });
    const rule = await send(app, '/api/v1/identity/rules', { body: { kind: 'pattern', field: 'machineId', match: 'ci-runner-*', target: 'service:ci-bot' } });
    expect(rule.status).toBe(201);
    expect(await byPerson()).toEqual({ 'ana@example.com|Platform': 4, 'service:ci-bot|null': 1 });
    expect((await store.aggregate(MAY))[0]!.people).toBe(1);
    expect((await send(app, '/api/v1/identity/unattributed?from=2026-05-01&to=2026-06-01')).body.identities).toEqual([]);

    // A rule never overrides an explicit assignment; unassigning falls back to the rules.
    await send(app, '/api/v1/identity/rules', { body: { kind: 'alias', field: 'apiKeyId', match: 'key_x', target: 'service:ci-bot' } });
    expect((await store.getIdentity({ canonical: 'apikey:key_x' }))!.resolvedBy).toBe('assignment');
    await send(app, '/api/v1/identity/assignments', { body: { canonical: 'apikey:key_x', unassign: true } });
    expect((await store.getIdentity({ canonical: 'apikey:key_x' }))!).toMatchObject({ personId: null, resolvedBy: expect.stringMatching(/^rule:/) });

    const badRule = await send(app, '/api/v1/identity/rules', { body: { kind: 'domain', field: 'email', match: 'a@b.com', target: 'example.com' } });
    expect(badRule).toMatchObject({ status: 400, body: { field: 'target' } });
  });

  it('a new identity arriving after a rule exists is resolved at ingest', async () => {
    const { store, deps } = makeApp();
    await store.upsertPeople([{ email: 'ana@example.com', team: 'Platform' }]);
    await store.addIdentityRule({ kind: 'domain', field: 'email', match: 'corp.example.com', target: 'example.com', priority: 100 });
    await deps.ingestor.ingestEvents([UsageEventSchema.parse(event('2026-05-04T09:00:00Z', { identity: { email: 'ana@corp.example.com' } }))]);
    const rows = await store.aggregate({ ...MAY, groupBy: ['person'] });
    expect(rows.map((r) => r.keys.person)).toEqual(['ana@example.com']);
  });

  it('a person added later (one at a time, as SCIM does) picks up their earlier usage', async () => {
    const { store, deps } = makeApp();
    await store.upsertPeople([{ email: 'ana@example.com', team: 'Platform' }]);
    await store.addIdentityRule({ kind: 'pattern', field: 'email', match: '*@example.com', target: 'ana@example.com', priority: 100 });
    await deps.ingestor.ingestEvents(
      [event('2026-05-04T09:00:00Z', { identity: { email: 'bob@example.com' } }), event('2026-05-04T10:00:00Z', { identity: { accountId: 'acc_bob' } })].map((e) => UsageEventSchema.parse(e)),
    );
    expect((await store.getIdentity({ canonical: 'email:bob@example.com' }))!.resolvedBy).toBe('rule:1');
    await store.upsertPeople([{ email: 'bob@example.com', team: 'Payments', aliases: [{ kind: 'accountId', value: 'acc_bob' }] }]);
    const rows = await store.aggregate({ ...MAY, groupBy: ['person', 'team'] });
    expect(rows.map((r) => [r.keys.person, r.keys.team, r.events])).toEqual([['bob@example.com', 'Payments', 2]]);
  });
});
