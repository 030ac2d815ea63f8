/**
 * The dashboard's query layer on a small organisation whose answers can be
 * worked out by hand: adoption shares, cohorts, not started and idle people,
 * outcomes per commit, the forecast, leaderboards — and the privacy policy
 * applied to each (small groups suppressed, individuals refused).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageEventSchema, type UsageEventInput } from '../../src/domain/event.js';
import { Ingestor } from '../../src/ingest/pipeline.js';
import { defaultPricer } from '../../src/pricing/default.js';
import { forecastMonth } from '../../src/query/forecast.js';
import { InsightsService, personProfile } from '../../src/query/insights.js';
import { DEFAULT_LEADERBOARD, pseudonym } from '../../src/query/leaderboard.js';
import { DEFAULT_POLICY, PolicyError, type Viewer } from '../../src/query/policy.js';
import { QueryService } from '../../src/query/service.js';
import { createApp } from '../../src/server/app.js';
import { buildDeps } from '../../src/server/start.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

const DAY = 86_400_000;
const MON = Date.UTC(2026, 0, 5); // a Monday
const from = MON;
const to = MON + 14 * DAY; // two ISO weeks
/** An analyst sees organisation aggregates (groups of at least k); admins here may also see individuals. */
const anon: Viewer = { role: 'analyst', email: 'analyst@example.com' };
const admin: Viewer = { role: 'admin' };

let store: SqliteStore;
let insights: InsightsService;
let query: QueryService;

const eng = Array.from({ length: 8 }, (_, i) => `eng${i}@example.com`);
const legal = Array.from({ length: 4 }, (_, i) => `legal${i}@example.com`);

function ev(email: string, day: number, opts: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    key: `${email}:${day}:${opts.tool ?? 'Claude Code'}`,
    time: MON + day * DAY + 10 * 3_600_000,
    source: 'claude-code',
    tool: 'Claude Code',
    model: 'claude-sonnet-4-5-20250929',
    identity: { email },
    tokens: { input: 1000, output: 500 },
    ...opts,
  };
}

beforeEach(async () => {
  store = new SqliteStore({ file: ':memory:' });
  const ingestor = new Ingestor(store, defaultPricer());
  await store.upsertPeople([
    ...eng.map((email) => ({ email, function: 'Engineering', team: 'Platform' })),
    ...legal.map((email) => ({ email, function: 'Legal', team: 'Legal' })),
  ]);
  const events: UsageEventInput[] = [];
  // eng0..eng5 active every weekday of both weeks (10 days: heavy); eng6 once in week 1 (light); eng7 never (not started).
  for (const e of eng.slice(0, 6)) for (const d of [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]) events.push(ev(e, d, { activity: { commits: 1 } }));
  events.push(ev(eng[6]!, 1));
  // legal0 only long before the range (idle); legal1 twice in week 2.
  events.push(ev(legal[0]!, -40));
  events.push(ev(legal[1]!, 8), ev(legal[1]!, 9));
  // Chat usage without commits (must not dilute cost per commit), and one service key.
  events.push(ev(eng[0]!, 2, { tool: 'ChatGPT', source: 'openai-api', model: 'gpt-5' }));
  events.push(ev('x', 3, { identity: { apiKeyId: 'svc-bot' } }));
  await ingestor.ingestEvents(events.map((e) => UsageEventSchema.parse(e)));
  query = new QueryService(store, { ...DEFAULT_POLICY, individualViewers: ['admin'], leaderboards: { ...DEFAULT_POLICY.leaderboards, individual: true } });
  insights = new InsightsService(store, query);
});

afterEach(async () => store.close());

describe('adoption breadth', () => {
  it('gives each function its weekly share of headcount, and suppresses functions with fewer active than the minimum', async () => {
    const a = await insights.adoption(anon, { from, to });
    expect(a.weeks).toEqual([MON, MON + 7 * DAY]);
    const cell = (fn: string, week: number) => a.cells.find((c) => c.function === fn && c.week === week)!;
    expect(cell('Engineering', MON)).toMatchObject({ active: 7, headcount: 8, share: 7 / 8, suppressed: false });
    expect(cell('Legal', MON + 7 * DAY)).toMatchObject({ active: null, share: null, suppressed: true });
    // Complementary suppression: with Legal hidden, Engineering is the only other sibling and is hidden too,
    // otherwise Legal could be recovered from a total. Week 1 has Legal at zero (not a small group).
    expect(cell('Engineering', MON + 7 * DAY).suppressed).toBe(true);
    const admins = await insights.adoption(admin, { from, to });
    expect(admins.cells.find((c) => c.function === 'Legal' && c.week === MON + 7 * DAY)).toMatchObject({ active: 1, share: 1 / 4 });
  });
});

describe('distribution', () => {
  it('puts every person in one frequency cohort and finds who has not started or went idle', async () => {
    const d = await insights.distribution(admin, { from, to });
    const e = d.byFunction.find((f) => f.function === 'Engineering')!;
    expect(e.cohorts).toEqual({ none: 1, light: 1, moderate: 0, heavy: 6 });
    expect(e.notStarted).toBe(1);
    const l = d.byFunction.find((f) => f.function === 'Legal')!;
    expect(l.cohorts).toEqual({ none: 3, light: 0, moderate: 1, heavy: 0 });
    expect(l.notStarted).toBe(2); // legal2, legal3
    expect(l.idle14).toBe(1); // legal0: active 40 days before, not in the last 14
    expect(d.headcount).toBe(12);
    expect(d.activePeople).toBe(8);
    // The top 10% of 8 active people is one person: eng0 has the most tokens (10 days + one chat).
    expect(d.top10Share).toBeCloseTo(11 / (6 * 10 + 1 + 1 + 2), 5);
  });

  it('hides small cells and small functions from anonymous viewers', async () => {
    const d = await insights.distribution(anon, { from, to });
    const l = d.byFunction.find((f) => f.function === 'Legal')!;
    expect(l.suppressed).toBe(true);
    expect(l.cohorts).toEqual({ none: null, light: null, moderate: null, heavy: null });
    const e = d.byFunction.find((f) => f.function === 'Engineering')!;
    expect(e.cohorts.light).toBeNull(); // one person
    // The other cells together hold fewer than k people, so the policy keeps hiding the next
    // smallest until the hidden cells cannot be recovered by subtraction: here that is all of them.
    expect(e.cohorts.heavy).toBeNull();
  });
});

describe('outcomes and spend', () => {
  it('divides coding cost by commits only over tools that report commits', async () => {
    const o = await insights.outcomes(admin, { from, to });
    const cc = o.byTool.find((t) => t.tool === 'Claude Code')!;
    expect('cost' in cc && cc.commits).toBe(60);
    const chat = o.byTool.find((t) => t.tool === 'ChatGPT')!;
    expect('cost' in chat && chat.costPerCommit).toBeNull();
    expect(o.overall!.costPerCommit).toBeCloseTo(('cost' in cc ? cc.cost : 0) / 60, 9);
    // Person-days: 6 people x 10 days + eng6 + legal1 x 2 + eng0's chat day (+1 for ChatGPT) + the bot.
    expect(o.overall!.personDays).toBe(60 + 1 + 2 + 1 + 1);
  });

  it('forecasts the month from month-to-date plus same-weekday averages of the last four weeks', () => {
    const asOf = Date.UTC(2026, 1, 16); // Monday 16 February
    const daily = [];
    for (let d = asOf - 40 * DAY; d < asOf; d += DAY) {
      const dow = new Date(d).getUTCDay();
      daily.push({ day: d, cost: dow === 0 || dow === 6 ? 1 : 10 });
    }
    const f = forecastMonth(daily, asOf);
    expect(f.month).toBe('2026-02');
    // 1-15 Feb 2026 (the 1st is a Sunday): 10 weekdays and 5 weekend days.
    expect(f.monthToDate).toBe(10 * 10 + 5 * 1);
    // 16-28 Feb: 10 weekdays and 3 weekend days, each projected at its weekday's average.
    expect(f.forecast).toBe(f.monthToDate + 10 * 10 + 3 * 1);
    expect(f.days).toHaveLength(28);
  });

  it('ranks spend by cost and keeps suppressed groups as suppressed rows', async () => {
    const s = await insights.spend(anon, { from, to }, to);
    expect(new Set(s.byTeam.map((r) => r.keys.team))).toEqual(new Set(['Platform', null, 'Legal'].filter((t) => s.byTeam.some((r) => r.keys.team === t))));
    expect(s.byTeam.filter((r) => r.suppressed).length).toBeGreaterThan(0);
    expect(s.byTeam.at(-1)!.suppressed).toBe(true);
    // Suppressed rows come after every visible row, and visible rows are ranked by cost.
    const firstHidden = s.byTeam.findIndex((r) => r.suppressed);
    expect(s.byTeam.slice(firstHidden).every((r) => r.suppressed)).toBe(true);
    const shown = s.byTeam.filter((r): r is typeof r & { cost: number } => !r.suppressed);
    expect(shown.map((r) => r.cost)).toEqual([...shown.map((r) => r.cost)].sort((a, b) => b - a));
  });
});

describe('individuals', () => {
  it('refuses a person profile to anonymous viewers and gives it to admins', async () => {
    await expect(personProfile(store, query, anon, eng[0]!, { from, to })).rejects.toBeInstanceOf(PolicyError);
    const p = await personProfile(store, query, admin, eng[0]!, { from, to });
    expect(p!.activity).toMatchObject({ activeDays: 10, tools: 2 });
    // A person may see their own.
    const self = await personProfile(store, query, { role: 'member', email: eng[1]! }, eng[1]!, { from, to });
    expect(self!.activity!.activeDays).toBe(10);
  });

  it('lists unattributed identities only to roles that may see individuals', async () => {
    expect((await insights.unattributed(anon, { from, to })).identities).toBeNull();
    const u = await insights.unattributed(admin, { from, to });
    expect(u.identities!.map((i) => i.identity)).toEqual(['apikey:svc-bot']);
  });
});

describe('leaderboards', () => {
  it('are off by default, rank teams per active person once on, and list individuals only after opt-in', async () => {
    expect((await insights.leaderboard(anon, { from, to, scope: 'team', metric: 'activeDays' })).enabled).toBe(false);
    await expect(insights.setLeaderboardConfig(anon, { ...DEFAULT_LEADERBOARD, enabled: true })).rejects.toBeInstanceOf(PolicyError);
    await insights.setLeaderboardConfig(admin, { ...DEFAULT_LEADERBOARD, enabled: true, allowIndividuals: true, optedIn: [eng[2]!] });
    // Anonymous: Legal has one active person, so it is suppressed, and Platform with it (the only sibling).
    const anonTeams = await insights.leaderboard(anon, { from, to, scope: 'team', metric: 'activeDays' });
    expect(anonTeams.entries.every((e) => e.suppressed)).toBe(true);
    const teams = await insights.leaderboard(admin, { from, to, scope: 'team', metric: 'activeDays' });
    const platform = teams.entries.find((e) => e.name === 'Platform')!;
    expect(platform).toMatchObject({ rank: 1, people: 7, value: (60 + 1) / 7 });
    // Three or more active days a week on average (61 days / 7 people / 2 weeks = 4.4): the steady-practice title and tier.
    expect(!platform.suppressed && platform.titles).toContain('Steady Practitioner');
    expect(!platform.suppressed && platform.tier).toBe('Emerald');
    expect(teams.entries.find((e) => e.name === 'Legal')).toMatchObject({ rank: 2, people: 1 });
    await expect(insights.leaderboard(anon, { from, to, scope: 'person', metric: 'tokens' })).rejects.toBeInstanceOf(PolicyError);
    const people = await insights.leaderboard(admin, { from, to, scope: 'person', metric: 'tokens' });
    expect(people.entries).toHaveLength(1);
    expect(people.entries[0]!.name).toBe(pseudonym(eng[2]!));
    expect(people.entries[0]!.name).not.toContain('eng2');
    // A person's own opt-in (their privacy choice) puts them on the board too; opting out again removes them.
    await store.governance.setPrivacyChoice(eng[3]!, { leaderboardOptIn: true }, Date.now());
    const withChoice = await insights.leaderboard(admin, { from, to, scope: 'person', metric: 'tokens' });
    expect(withChoice.entries.map((e) => e.name).sort()).toEqual([pseudonym(eng[2]!), pseudonym(eng[3]!)].sort());
    await store.governance.setPrivacyChoice(eng[3]!, { leaderboardOptIn: false }, Date.now());
    expect((await insights.leaderboard(admin, { from, to, scope: 'person', metric: 'tokens' })).entries).toHaveLength(1);
  });
});

describe('HTTP', () => {
  it('answers panels, names a bad field, refuses settings changes to anonymous, and serves the app for client routes', async () => {
    const app = createApp(buildDeps(store, { adminToken: 'adm' }));
    const adm = { authorization: 'Bearer adm' };
    expect((await app.request(`/api/v1/insights/adoption?from=2026-01-05&to=2026-01-19`)).status).toBe(401);
    const ok = await app.request(`/api/v1/insights/adoption?from=2026-01-05&to=2026-01-19`, { headers: adm });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { adoption: { weeks: number[] } }).adoption.weeks).toHaveLength(2);
    const bad = await app.request('/api/v1/insights/spend?from=yesterday-ish', { headers: adm });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('from');
    const put = await app.request('/api/v1/insights/leaderboard/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEFAULT_LEADERBOARD) });
    expect(put.status).toBe(401);
    const badPut = await app.request('/api/v1/insights/leaderboard/config', { method: 'PUT', headers: { 'content-type': 'application/json', authorization: 'Bearer adm' }, body: JSON.stringify({ ...DEFAULT_LEADERBOARD, titles: 'many' }) });
    expect(badPut.status).toBe(400);
    // Admins see individuals only when the privacy policy lists them (it does not by default).
    expect(((await app.request('/api/v1/insights/person?email=eng0@example.com', { headers: adm })).status)).toBe(403);
    expect((await app.request('/api/v1/nothing-here')).status).toBe(404);
  });
});
