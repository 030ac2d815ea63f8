/**
 * k-threshold bypass attempts: narrow filters, lists of teams, overlapping
 * teams (manager x function), differencing against totals over time, the
 * overview page, and keyed pseudonyms versus a list of all staff emails.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageEventSchema } from '../../src/domain/event.js';
import { pseudonym } from '../../src/governance/secret.js';
import { applyPolicy } from '../../src/query/policy.js';
import type { AggregateRow } from '../../src/store/types.js';
import { makeOrg, orgPeople, RANGE, type Org } from './helpers.js';

type Json = Record<string, any>;

describe('minimum group size and suppression', () => {
  let org: Org;
  const get = async (path: string, who: keyof Org['callers'] = 'analyst') => {
    const res = await org.req(path, { headers: org.callers[who] });
    return { status: res.status, body: (await res.json()) as Json };
  };
  beforeAll(async () => {
    org = await makeOrg();
  });

  it('suppresses a small team and, complementarily, the next-smallest', async () => {
    const { status, body } = await get(`/api/v1/usage/breakdown?${RANGE}&groupBy=team`);
    expect(status).toBe(200);
    const byTeam = Object.fromEntries(body.rows.map((r: Json) => [r.keys.team, r]));
    expect(byTeam.Legal).toMatchObject({ suppressed: true, reason: 'fewer than 5 people' });
    expect(byTeam.Legal.tokens).toBeUndefined();
    // Sales (7 people) is hidden too: otherwise total - Platform - Sales = Legal.
    expect(byTeam.Sales.suppressed).toBe(true);
    expect(byTeam.Platform.suppressed).toBeUndefined();
    expect(byTeam.Platform.people).toBe(13);
  });

  it('refuses a filter that isolates fewer than k people', async () => {
    const r = await get(`/api/v1/usage/summary?${RANGE}&team=Legal`);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/fewer than 5 people/);
  });

  it('refuses narrowing with a usage filter (tool) below k', async () => {
    // Sales people on codex: 4 of 7.
    expect((await get(`/api/v1/usage/summary?${RANGE}&team=Sales&source=codex`)).status).toBe(403);
  });

  it('refuses a list of teams that smuggles a small one in', async () => {
    const r = await get(`/api/v1/usage/summary?${RANGE}&team=Platform,Legal`);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/Legal/);
  });

  it('refuses overlapping groups whose difference is fewer than k (manager x function)', async () => {
    // Sam's reports: 6 in Sales and 3 in Legal; the Sales slice differs from the whole by 3 people.
    expect((await get(`/api/v1/usage/summary?${RANGE}&manager=sam@ex.com`)).status).toBe(200);
    const r = await get(`/api/v1/usage/summary?${RANGE}&manager=sam@ex.com&function=Sales`);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/differencing/);
  });

  it('protects a small time bucket from being recovered by subtracting the other buckets from the total', async () => {
    const solo = UsageEventSchema.parse({ time: '2026-01-10T23:00:00Z', source: 'api', model: 'gpt-5', identity: { email: 'legal0@ex.com' }, tokens: { input: 77777, output: 1 } });
    await org.deps.ingestor.ingestEvents([solo]);
    const { body } = await get(`/api/v1/usage/series?${RANGE}&bucket=day`);
    const hidden = body.rows.filter((r: Json) => r.suppressed);
    expect(hidden.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(body)).not.toContain('77778');
  });

  it('suppresses along both axes of a grouped series', () => {
    const row = (bucket: number, team: string, people: number): AggregateRow => ({ bucket, keys: { team }, people, events: 1, tokens: people } as AggregateRow);
    const rows = [row(1, 'A', 9), row(1, 'B', 9), row(1, 'C', 2), row(2, 'A', 9), row(2, 'B', 9), row(2, 'C', 9)];
    const out = applyPolicy({ self: false, individual: false, k: 5 }, rows, ['bucket', 'team']);
    const hidden = out.map((r, i) => (r.suppressed ? i : -1)).filter((i) => i >= 0);
    // C@1 is small; a sibling in bucket 1 and one in team C (bucket 2) go too, and then a fourth to close the rectangle.
    expect(hidden).toContain(2);
    expect(hidden).toContain(5);
    expect(hidden.filter((i) => i < 3).length).toBeGreaterThanOrEqual(2);
    expect(hidden.filter((i) => i >= 3).length).toBeGreaterThanOrEqual(2);
  });

  it('the CSV export carries the same suppression and refuses the same narrow filters', async () => {
    const res = await org.req(`/api/v1/usage/breakdown.csv?${RANGE}&groupBy=team`, { headers: org.callers.analyst });
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('"team","suppressed","people","events","requests","input","output","cacheRead","cacheWrite","tokens","cost"');
    const legal = lines.find((l) => l.startsWith('"Legal"'))!;
    expect(legal).toBe('"Legal","fewer than 5 people","","","","","","","","",""');
    expect(lines.find((l) => l.startsWith('"Sales"'))).toMatch(/^"Sales","hidden so a smaller group/);
    expect(lines.find((l) => l.startsWith('"Platform"'))).toMatch(/^"Platform","","13",/);
    expect((await org.req(`/api/v1/usage/breakdown.csv?${RANGE}&groupBy=tool&team=Legal`, { headers: org.callers.analyst })).status).toBe(403);
    expect((await org.req(`/api/v1/usage/breakdown.csv?${RANGE}&groupBy=person`, { headers: org.callers.analyst })).status).toBe(403);
  });

  it('the overview page shows small functions as suppressed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-12T00:00:00Z'));
    // The server-rendered overview (served at / when the web app is not built) reads as the viewer.
    const { overviewPage } = await import('../../src/server/overview.js');
    const html = await overviewPage(org.deps.query, { role: 'analyst', email: 'analyst@ex.com' });
    vi.useRealTimers();
    expect(html).toMatch(/Legal<\/td><td colspan="4"><em>suppressed/);
  });

  it('managers see only their reporting line, with the higher k', async () => {
    const team = await get(`/api/v1/usage/summary?${RANGE}`, 'manager');
    expect(team.body.totals.people).toBe(12); // Ann and Eng 1-11, not Mia herself
    // Half of Mia's reports use codex: 6 < 10.
    expect((await get(`/api/v1/usage/summary?${RANGE}&source=codex`, 'manager')).status).toBe(403);
    // Mia may not look at Sam's line, nor at one of her reports.
    expect((await get(`/api/v1/usage/summary?${RANGE}&manager=sam@ex.com`, 'manager')).status).toBe(403);
    expect((await get(`/api/v1/usage/summary?${RANGE}&person=eng3@ex.com`, 'manager')).status).toBe(403);
  });

  it('members see only themselves', async () => {
    const own = await get(`/api/v1/usage/breakdown?${RANGE}&groupBy=person`, 'member');
    expect(own.body.rows.map((r: Json) => r.keys.person)).toEqual(['ann@ex.com']);
  });
});

describe('policy settings', () => {
  it('never goes below k=5, and exclusions remove people and functions from every answer', async () => {
    const org = await makeOrg();
    const admin = org.callers.admin;
    const low = await org.req('/api/v1/admin/policy', { method: 'PUT', headers: admin, body: { minGroupSize: 3 } });
    expect(low.status).toBe(400);
    expect(((await low.json()) as Json).field).toBe('minGroupSize');
    const before = ((await (await org.req(`/api/v1/usage/summary?${RANGE}`, { headers: admin })).json()) as Json).totals;
    expect((await org.req('/api/v1/admin/policy', { method: 'PUT', headers: admin, body: { exclude: { functions: ['Legal'], people: ['sam@ex.com'] } } })).status).toBe(200);
    const after = ((await (await org.req(`/api/v1/usage/summary?${RANGE}`, { headers: admin })).json()) as Json).totals;
    expect(before.people - after.people).toBe(4);
    // The public policy says how many people are excluded, not who.
    const pub = (await (await org.req('/api/v1/privacy/policy')).json()) as Json;
    expect(pub.policy.exclude.people).toBe(1);
    const notice = await (await org.req('/privacy.md')).text();
    expect(notice).toContain('Excluded from all analytics: the functions Legal and 1 people');
    expect(notice).toContain('Minimum group size: 5');
  });
});

describe('keyed pseudonyms and the opt-in leaderboard', () => {
  it('a leaderboard shows only opted-in people, under pseudonyms no staff-list hash matches', async () => {
    const org = await makeOrg();
    const staff = orgPeople().map((p) => p.email);
    const optIn = staff.slice(1, 7);
    for (const e of optIn) await org.store.governance.setPrivacyChoice(e, { leaderboardOptIn: true }, 0);
    expect((await org.req(`/api/v1/leaderboard?${RANGE}`, { headers: org.callers.member })).status).toBe(403); // off by default
    await org.req('/api/v1/admin/policy', { method: 'PUT', headers: org.callers.admin, body: { leaderboards: { individual: true } } });
    const res = await org.req(`/api/v1/leaderboard?${RANGE}`, { headers: org.callers.member });
    const body = (await res.json()) as Json;
    expect(body.entries).toHaveLength(6);
    const labels: string[] = body.entries.map((e: Json) => e.label);
    // The attacker has every staff email and tries the usual unkeyed hashes.
    const guesses = new Set<string>();
    for (const e of staff) {
      for (const alg of ['sha256', 'sha1', 'md5']) {
        const hex = createHash(alg).update(e).digest('hex');
        for (const len of [8, 10, 12, 16]) guesses.add(`anon-${hex.slice(0, len)}`);
      }
    }
    expect(labels.filter((l) => guesses.has(l))).toEqual([]);
    expect(labels.join(' ')).not.toMatch(/@|Eng |Ann/);
    // With the server secret the label is reproducible; with another secret it is not.
    const secret = await org.gov.cookieSecret();
    expect(new Set(labels)).toEqual(new Set(optIn.map((e) => pseudonym(secret, e))));
    expect(labels).not.toContain(pseudonym(Buffer.from('x'.repeat(32)), optIn[0]!));
    // Opting out removes you; with fewer than k entrants the board is withheld.
    await org.store.governance.setPrivacyChoice(optIn[0]!, { leaderboardOptIn: false }, 0);
    await org.store.governance.setPrivacyChoice(optIn[1]!, { leaderboardOptIn: false }, 0);
    const withheld = (await (await org.req(`/api/v1/leaderboard?${RANGE}`, { headers: org.callers.member })).json()) as Json;
    expect(withheld).toEqual({ entries: [], withheld: 'fewer than 5 people have opted in' });
  });
});

describe('leaderboard modes per country', () => {
  it('opt-in by default, opt-out where the policy says so, never where it is off', async () => {
    const org = await makeOrg();
    const admin = org.callers.admin;
    const setCountry = (email: string, country: string) => org.req(`/api/v1/admin/people/${email}/country`, { method: 'PUT', headers: admin, body: { country } });
    // Six engineers in NL say nothing; five in DE; Sales in US opt in; one NL engineer opts out.
    for (let i = 1; i <= 6; i++) expect((await setCountry(`eng${i}@ex.com`, 'nl')).status).toBe(200);
    for (let i = 7; i <= 11; i++) await setCountry(`eng${i}@ex.com`, 'DE');
    for (let i = 0; i < 6; i++) await org.store.governance.setPrivacyChoice(`sales${i}@ex.com`, { leaderboardOptIn: true, country: 'US' }, 0);
    await org.store.governance.setPrivacyChoice('eng1@ex.com', { leaderboardOptIn: false }, 0);
    await org.store.governance.setPrivacyChoice('eng7@ex.com', { leaderboardOptIn: true }, 0);
    const board = async () => {
      const b = (await (await org.req(`/api/v1/leaderboard?${RANGE}&top=100`, { headers: org.callers.member })).json()) as Json;
      return b.entries.length as number;
    };
    await org.req('/api/v1/admin/policy', { method: 'PUT', headers: admin, body: { leaderboards: { individual: true, countries: { NL: 'opt-out', DE: 'off' } } } });
    // US opted in (6) + NL silent (eng2..eng6: 5); eng1 opted out; DE off even for eng7 who opted in.
    expect(await board()).toBe(11);
    await org.req('/api/v1/admin/policy', { method: 'PUT', headers: admin, body: { leaderboards: { countries: { NL: 'opt-in', DE: 'opt-in' } } } });
    expect(await board()).toBe(7); // US 6 + eng7
    const notice = await (await org.req('/privacy.md')).text();
    expect(notice).toContain('By country — NL: only after opting in; DE: only after opting in.');
  });
});
