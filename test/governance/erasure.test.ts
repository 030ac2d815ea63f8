/**
 * Erasure removes every trace of one person from every table while the
 * organisation's totals stay the same; export returns what is stored.
 */
import { describe, expect, it, vi } from 'vitest';
import { scheduleRetention } from '../../src/governance/retention.js';
import { UsageEventSchema } from '../../src/domain/event.js';
import { eventsFor, makeOrg, orgPeople, RANGE } from './helpers.js';

type Json = Record<string, any>;
const VICTIM = 'eng3@ex.com';

describe('export and erasure of one person', () => {
  it('exports what is stored about the person, without secrets', async () => {
    const org = await makeOrg();
    await org.store.upsertPeople([{ email: VICTIM, aliases: [{ kind: 'accountId', value: 'acct-eng3' }] }]);
    const res = await org.req(`/api/v1/admin/people/${VICTIM}/export`, { headers: org.callers.admin });
    expect(res.status).toBe(200);
    const x = (await res.json()) as Json;
    expect(x.person).toMatchObject({ email: VICTIM, name: 'Eng 3', team: 'Platform', managerEmail: 'mia@ex.com' });
    expect(x.aliases).toEqual([{ kind: 'accountId', value: 'acct-eng3' }]);
    expect(x.usageByDay).toHaveLength(5);
    expect(x.usageByDay.reduce((s: number, d: Json) => s + d.input, 0)).toBe(5 * (1000 + 4));
  });

  it('leaves no trace in any table, and totals unchanged', async () => {
    const org = await makeOrg();
    const db = org.store.db;
    await org.store.upsertPeople([{ email: VICTIM, aliases: [{ kind: 'accountId', value: 'acct-eng3' }, { kind: 'email', value: 'eng3.old@ex.com' }] }]);
    await org.deps.ingestor.ingestEvents([UsageEventSchema.parse({ time: '2026-01-07T12:00:00Z', source: 'openai-api', model: 'gpt-5', identity: { accountId: 'acct-eng3' }, tokens: { input: 5, output: 5 }, key: 'via-alias' })]);
    // Directory traces: a rule mapping a machine id to them, and a hand assignment of a stray identity.
    await org.store.addIdentityRule({ kind: 'pattern', field: 'machineId', match: 'eng3-*', target: VICTIM, priority: 100 });
    await org.deps.ingestor.ingestEvents([
      UsageEventSchema.parse({ time: '2026-01-08T12:00:00Z', source: 'codex', model: 'gpt-5', identity: { machineId: 'eng3-laptop' }, tokens: { input: 3, output: 3 }, key: 'via-rule' }),
      UsageEventSchema.parse({ time: '2026-01-08T13:00:00Z', source: 'codex', model: 'gpt-5', identity: { userId: 'u-unknown-1' }, tokens: { input: 2, output: 2 }, key: 'stray' }),
    ]);
    const stray = db.prepare("SELECT id FROM identity WHERE user_id = 'u-unknown-1'").pluck().get() as number;
    await org.store.assignIdentity(stray, { personEmail: VICTIM }, 'root@ex.com');
    // Leave traces everywhere: an account with a session, a token, a privacy choice, audit records.
    const victim = await org.session(VICTIM, 'member');
    await org.req('/api/v1/me/privacy', { method: 'PUT', headers: victim, body: { leaderboardOptIn: true, country: 'DE' } });
    await org.req('/api/v1/me/export', { headers: victim });
    const ref = await org.store.governance.subjectRef(VICTIM);
    // A check-in they wrote (context), and the dashboard's first/last-seen rows for their identities.
    const posted = await org.req('/api/v1/context/checkins', { method: 'POST', headers: victim, body: { visibility: 'team', tried: 'Tried a codex review bot', learned: 'It misses context' } });
    expect(posted.status).toBe(201);
    const victimIds = db.prepare("SELECT id FROM identity WHERE person_id = (SELECT id FROM person WHERE email = ?)").pluck().all(VICTIM) as number[];
    expect(victimIds.length).toBeGreaterThan(0);
    const seen = () => db.prepare(`SELECT count(*) FROM identity_seen WHERE identity_id IN (${victimIds.join(',')})`).pluck().get() as number;
    expect(seen()).toBeGreaterThan(0);
    const totals = async () => ((await (await org.req(`/api/v1/usage/summary?${RANGE}`, { headers: org.callers.admin })).json()) as Json).totals;
    const byFunction = async () => ((await (await org.req(`/api/v1/usage/breakdown?${RANGE}&groupBy=tool`, { headers: org.callers.admin })).json()) as Json).rows;
    const before = await totals();
    const toolsBefore = await byFunction();
    const rawBefore = await org.store.rawTotals();

    const bad = await org.req(`/api/v1/admin/people/${VICTIM}/erase`, { method: 'POST', headers: org.callers.admin, body: { confirm: 'someone@else' } });
    expect(bad.status).toBe(400);
    const res = await org.req(`/api/v1/admin/people/${VICTIM}/erase`, { method: 'POST', headers: org.callers.admin, body: { confirm: VICTIM } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ erased: true, person: true, identities: 4, events: 8, account: true, contextEntries: 1 });
    expect(seen()).toBe(0);

    // Totals, people counts and per-tool totals are the same; raw sums too.
    expect(await totals()).toEqual(before);
    expect(await byFunction()).toEqual(toolsBefore);
    expect(await org.store.rawTotals()).toEqual(rawBefore);

    // No table holds the email, old email, name, alias or subject ref link any more.
    const needles = [VICTIM, 'eng3.old@ex.com', 'Eng 3', 'acct-eng3', 'eng3-laptop', 'u-unknown-1', 'codex review bot'];
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    expect(tables).toEqual(expect.arrayContaining(['person', 'identity', 'identity_alias', 'identity_assignment', 'identity_rule', 'team_membership', 'account', 'auth_session', 'audit_log', 'subject', 'privacy_choice', 'session']));
    const found: string[] = [];
    for (const t of tables) {
      for (const row of db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[]) {
        const text = JSON.stringify(row, (_k, v) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
        for (const n of needles) if (text.toLowerCase().includes(n.toLowerCase())) found.push(`${t}: ${n}`);
      }
    }
    expect(found).toEqual([]);
    // Audit records about them remain (append-only) but their ref resolves to no one.
    expect((await org.store.governance.resolveSubjects([ref])).size).toBe(0);
    const log = await org.gov.audit.list({ limit: 100 });
    expect(log.find((r) => r.action === 'person.erased')).toMatchObject({ subject: ref, subjectEmail: null, actorEmail: 'root@ex.com' });
    // Their session no longer works.
    expect((await org.req('/api/v1/auth/me', { headers: victim })).status).toBe(401);

    // A retried event of theirs is still recognised: nothing is counted twice.
    const retry = eventsFor(orgPeople()).filter((e) => e.identity?.email === VICTIM).map((e) => UsageEventSchema.parse(e));
    expect(await org.deps.ingestor.ingestEvents(retry)).toEqual({ accepted: 0, duplicates: 5 });
    expect(await totals()).toEqual(before);
  });
});

describe('retention', () => {
  it('deletes raw events past the policy window while dashboards keep their totals, and is audited', async () => {
    const org = await makeOrg();
    const totals = async () => ((await (await org.req(`/api/v1/usage/summary?${RANGE}`, { headers: org.callers.admin })).json()) as Json).totals;
    const before = await totals();
    await org.req('/api/v1/admin/policy', { method: 'PUT', headers: org.callers.admin, body: { retention: { rawEventDays: 30 } } });
    const res = await org.req('/api/v1/admin/retention/run', { method: 'POST', headers: org.callers.admin, body: {} });
    const out = (await res.json()) as Json;
    expect(out.rawEventsDeleted).toBe(orgPeople().length * 5); // the fixture is in January 2026: older than 30 days
    expect((await org.store.rawTotals()).events).toBe(0);
    expect(await totals()).toEqual(before);
    expect((await org.gov.audit.list({ action: 'retention.run' }))[0]).toMatchObject({ actorEmail: 'root@ex.com', detail: { rawEventsDeleted: out.rawEventsDeleted, rawEventDays: 30 } });
  });
});

describe('scheduled retention', () => {
  it('runs on its interval with the policy in force, as the system', async () => {
    const org = await makeOrg();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const stop = scheduleRetention(org.store, () => org.gov.settings.get(), org.gov.audit, 1000);
      await vi.advanceTimersByTimeAsync(1000);
      await vi.waitFor(async () => expect((await org.gov.audit.list({ action: 'retention.run' })).length).toBe(1));
      stop();
      await vi.advanceTimersByTimeAsync(5000);
      const runs = await org.gov.audit.list({ action: 'retention.run' });
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ actor: 'system:scheduler', detail: { rawEventDays: 90 } });
    } finally {
      vi.useRealTimers();
    }
  });
});
