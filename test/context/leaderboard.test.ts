/**
 * "Experiments shared" and "learnings found useful" as leaderboard metrics:
 * counted from shared entries only (a private entry never shows through a
 * number), useful marks from other people only, in the window; ranked through
 * the same policed path as tokens and cost (team-level, minimum group size,
 * opted-in pseudonymous individuals), and visible to title and tier rules.
 * Also: the weekly context stats count back from the range end, not today.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { ContextService } from '../../src/context/service.js';
import { InsightsService } from '../../src/query/insights.js';
import { DEFAULT_LEADERBOARD, pseudonym, rankLeaderboard, type LeaderboardConfig, type LeaderboardSources } from '../../src/query/leaderboard.js';
import { ana, ben, chen, client, DAY, makeWorld, mia, PLATFORM, sam, T_WEEK, testApp, WEEK, type World } from './world.js';

const ADMIN = 'lb-admin-token';
const SYSTEM = { role: 'admin' as const, via: 'system' as const, name: 'test' };
const range = `from=${WEEK}&to=2026-06-08`;

describe('leaderboards ranked by experiments shared and learnings found useful', () => {
  let w: World;
  let app: ReturnType<typeof createApp>;
  let insights: InsightsService;
  let sources: LeaderboardSources;
  let privateId = 0;

  async function configure(patch: Partial<LeaderboardConfig>): Promise<void> {
    await insights.setLeaderboardConfig(SYSTEM, { ...DEFAULT_LEADERBOARD, enabled: true, ...patch });
  }
  async function board(metric: string, scope: 'team' | 'person' = 'team') {
    const res = await app.request(`/api/v1/insights/leaderboard?${range}&scope=${scope}&metric=${metric}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    return (await res.json()).leaderboard;
  }

  beforeAll(async () => {
    w = await makeWorld();
    app = createApp({ ...w.deps, adminToken: ADMIN });
    insights = new InsightsService(w.deps.store, w.deps.query);
    sources = { store: w.deps.store, query: w.deps.query, config: () => insights.leaderboardConfig(), contextCounts: (f, t) => w.context.repo.authorCounts(f, t) };
    const C = w.context;
    // Ana (Platform): two shared experiments, one private one, one shared check-in.
    const shared = await C.createExperiment(ana, { title: 'Agents write migrations', outcome: 'worked', learned: 'review the down step', visibility: 'organisation' });
    await C.createExperiment(ana, { title: 'Tests first with an agent', outcome: 'failed', learned: 'it wrote tests for the bug', visibility: 'team' });
    const secret = await C.createExperiment(ana, { title: 'My prompt notes', outcome: 'partly', visibility: 'private' });
    privateId = secret.id;
    const checkin = await C.createCheckin(ana, { tried: 'pairing', learned: 'small diffs', visibility: 'team', week: WEEK });
    // Useful marks from others: Sam (another team) on the organisation experiment, Ben and Chen on the team check-in.
    await C.markUseful(sam, shared.id, true);
    await C.markUseful(ben, checkin.id, true);
    await C.markUseful(chen, checkin.id, true);
    // Marks that must never count: on the private entry, Ana's own mark, and one outside the window.
    await C.repo.react(secret.id, 'ben@example.com', true, T_WEEK + 2 * DAY);
    await C.repo.react(secret.id, 'chen@example.com', true, T_WEEK + 2 * DAY);
    await C.repo.react(shared.id, 'ana@example.com', true, T_WEEK + 2 * DAY);
    await C.repo.react(checkin.id, 'dev@example.com', true, T_WEEK + 9 * DAY);
    // A shared experiment that its author later made private stops counting, with its marks.
    const hidden = await C.createExperiment(ana, { title: 'Was shared', outcome: 'worked', visibility: 'organisation' });
    await C.markUseful(ben, hidden.id, true);
    await C.update(ana, hidden.id, { title: 'Was shared', outcome: 'worked', visibility: 'private' });
    // Ben (Platform): one organisation experiment, nobody found it useful yet.
    await C.createExperiment(ben, { title: 'Docs from code', outcome: 'abandoned', visibility: 'organisation' });
  });
  afterAll(async () => w.close());

  it('counts per author only shared entries, useful marks from other people, in the window', async () => {
    const counts = await w.context.repo.authorCounts(T_WEEK, T_WEEK + 7 * DAY);
    expect(counts.get('ana@example.com')).toEqual({ experiments: 2, learnings: 3 });
    expect(counts.get('ben@example.com')).toEqual({ experiments: 1, learnings: 0 });
    expect(counts.has('sam@example.com')).toBe(false);
    // Next week: only the late mark on the check-in.
    expect((await w.context.repo.authorCounts(T_WEEK + 7 * DAY, T_WEEK + 14 * DAY)).get('ana@example.com')).toEqual({ experiments: 0, learnings: 1 });
    // The private entry had two marks: they are nowhere in the counts.
    expect(privateId).toBeGreaterThan(0);
  });

  it('ranks teams per active person through the policy: small teams suppressed, never shown as zero', async () => {
    await configure({});
    const lb = await board('learnings');
    expect(lb).toMatchObject({ enabled: true, scope: 'team', metric: 'learnings' });
    const platform = lb.entries.find((e: { name: string }) => e.name === PLATFORM);
    // Six active people in Platform; Ana's three marks from others (not the private entry's, not her own).
    expect(platform).toMatchObject({ rank: 1, people: 6 });
    expect(platform.value).toBeCloseTo(3 / 6, 10);
    for (const e of lb.entries.filter((x: { name: string }) => x.name !== PLATFORM)) expect(e).toMatchObject({ suppressed: true, rank: null });
    expect(lb.entries.find((e: { name: string }) => e.name === 'Sales · West')).not.toHaveProperty('value');

    const ex = await board('experiments');
    expect(ex.entries.find((e: { name: string }) => e.name === PLATFORM).value).toBeCloseTo(3 / 6, 10);
  });

  it('lets title and tier rules reward shared learnings and experiments, whatever the ranking metric', async () => {
    await configure({
      titles: [{ name: 'Learning Sharer', description: '', metric: 'learnings', min: 0.5, enabled: true }],
      tiers: { metric: 'experiments', levels: [{ name: 'Curious', min: 0.1 }, { name: 'Prolific', min: 1 }] },
    });
    const lb = await board('activeDays');
    expect(lb.entries.find((e: { name: string }) => e.name === PLATFORM)).toMatchObject({ titles: ['Learning Sharer'], tier: 'Curious' });
  });

  it('ranks opted-in individuals under pseudonyms only for a viewer who may see individuals', async () => {
    await configure({ allowIndividuals: true, optedIn: ['ana@example.com', 'ben@example.com'] });
    // While the privacy policy keeps leaderboards team-level, the admin's list shows no one.
    expect(await board('learnings', 'person')).toMatchObject({ entries: [], note: 'individual leaderboards are off by the privacy policy' });
    // Allowed by the policy, but the admin token may not group by person without individualViewers.
    await w.deps.governance!.settings.update(SYSTEM, { leaderboards: { individual: true } }, w.deps.governance!.audit);
    const refused = await app.request(`/api/v1/insights/leaderboard?${range}&scope=person&metric=learnings`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(refused.status).toBe(403);
    await w.deps.governance!.settings.update(SYSTEM, { individualViewers: ['admin'] }, w.deps.governance!.audit);
    try {
      const lb = await board('learnings', 'person');
      expect(lb.entries.map((e: { name: string; value: number; rank: number }) => [e.name, e.value, e.rank])).toEqual([
        [pseudonym('ana@example.com'), 3, 1],
        [pseudonym('ben@example.com'), 0, 2],
      ]);
      expect(JSON.stringify(lb.entries)).not.toContain('@example.com');
      const ex = await board('experiments', 'person');
      expect(ex.entries.map((e: { value: number }) => e.value)).toEqual([2, 1]);
    } finally {
      await w.deps.governance!.settings.update(SYSTEM, { individualViewers: [], leaderboards: { individual: false } }, w.deps.governance!.audit);
    }
  });

  it('gives a member only their own team of one, as for every metric (their own data)', async () => {
    await configure({});
    const lb = await rankLeaderboard(sources, ana, { from: T_WEEK, to: T_WEEK + 7 * DAY, scope: 'team', metric: 'learnings' });
    expect(lb.entries).toEqual([expect.objectContaining({ name: PLATFORM, people: 1, value: 3 })]);
    const sams = await rankLeaderboard(sources, sam, { from: T_WEEK, to: T_WEEK + 7 * DAY, scope: 'team', metric: 'experiments' });
    expect(sams.entries).toEqual([expect.objectContaining({ name: 'Sales · West', value: 0 })]);
  });

  it('is off until an admin turns it on, and while the privacy policy switches leaderboards off', async () => {
    await configure({});
    await w.deps.governance!.settings.update(SYSTEM, { leaderboards: { enabled: false } }, w.deps.governance!.audit);
    expect(await board('learnings')).toMatchObject({ enabled: false, entries: [], note: 'leaderboards are switched off by the privacy policy' });
    await w.deps.governance!.settings.update(SYSTEM, { leaderboards: { enabled: true } }, w.deps.governance!.audit);
    await insights.setLeaderboardConfig(SYSTEM, DEFAULT_LEADERBOARD);
    expect(await board('learnings')).toMatchObject({ enabled: false, entries: [] });
  });
});

describe('weekly context stats count back from the range end', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld();
    await w.context.createExperiment(ana, { title: 'Old shared one', outcome: 'failed', visibility: 'team' });
  });
  afterAll(async () => w.close());

  it('counts the weeks that end with ?to=, not the weeks before today', async () => {
    // The routes' service reads the real clock: today is long after the experiment's week.
    const app = testApp(w.deps);
    const M = client(app, mia);
    const ended = await (await M.get('/api/v1/context/stats?weeks=1&to=2026-06-08')).json();
    expect(ended).toMatchObject({ from: WEEK, to: WEEK });
    expect(ended.teams).toEqual([{ team: PLATFORM, checkins: 0, experiments: 1, failed: 1, useful: 0 }]);
    // A range ending on the Monday after: the exclusive end means the last week is still WEEK.
    expect((await (await M.get('/api/v1/context/stats?weeks=2&to=2026-06-15')).json()).teams[0]).toMatchObject({ experiments: 1 });
    expect((await (await M.get('/api/v1/context/stats?weeks=1&to=2026-06-16')).json()).teams).toEqual([]);
    // The service's own default is its clock: twenty weeks later, the last four weeks hold nothing.
    const later = ContextService.forStore(w.deps.store, w.deps.query, () => T_WEEK + 20 * 7 * DAY);
    expect((await later.teamStats(mia, 4)).teams).toEqual([]);
    expect((await later.teamStats(mia, 4, Date.parse('2026-06-08'))).teams).toEqual([expect.objectContaining({ team: PLATFORM, experiments: 1 })]);
    const bad = await M.get('/api/v1/context/stats?weeks=1&to=June');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'to' });
  });
});
