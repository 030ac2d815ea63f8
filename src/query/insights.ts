/**
 * Dashboard panels: the questions the web app asks, answered from the store
 * and passed through the privacy policy exactly like QueryService: every
 * question is scoped (`QueryService.scopeFor`) and every row that leaves is policed
 * (`applyPolicy`). Panels that are computed from individuals (distribution,
 * leaderboards, outcomes) read per-person rows internally and only return
 * counts, each policed as a group of that many people.
 */
import type { AggregateRow, Bucket, Dimension, Filters, HeadcountPerson, PersonActivity, Store, Totals } from '../store/types.js';
import { applyPolicy, PolicyError, type PolicedRow, type Scope, type Viewer } from './policy.js';
import type { QueryService } from './service.js';
import { forecastMonth, type Forecast } from './forecast.js';
import { ContextRepo } from '../context/repo.js';
import { DEFAULT_LEADERBOARD, LeaderboardConfigSchema, rankLeaderboard, type Leaderboard, type LeaderboardConfig, type LeaderboardQuery } from './leaderboard.js';

export const DAY_MS = 86_400_000;

export interface PanelQuery {
  from: number;
  to: number;
  filters?: Filters;
}

const ZERO: Totals = {
  events: 0, requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, tokens: 0, cost: 0,
  costReported: 0, costComputed: 0, people: 0, sessions: 0, linesAdded: 0, linesRemoved: 0, commits: 0,
  pullRequests: 0, activeSeconds: 0, editsAccepted: 0, editsRejected: 0, unpricedTokens: 0,
};

/** A derived count of people, shaped as a row so the policy judges it like any group. */
function countRow(keys: AggregateRow['keys'], people: number, bucket?: number): AggregateRow {
  // Two literals, not a spread of a conditional object: V8 builds those many times slower.
  return bucket !== undefined ? { ...ZERO, bucket, keys, people, events: people } : { ...ZERO, keys, people, events: people };
}

const dayFloor = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const dayCeil = (ms: number) => Math.ceil(ms / DAY_MS) * DAY_MS;
/** Monday on or before the day (ISO weeks, as the store buckets them). */
export const weekStart = (ms: number) => dayFloor(ms) - ((Math.floor(ms / DAY_MS) + 3) % 7) * DAY_MS;

export interface ActiveWindow {
  window: 'day' | 'week' | 'month';
  days: number;
  current: number | null;
  previous: number | null;
}

export interface Overview {
  totals: { current: PolicedRow; previous: PolicedRow };
  active: ActiveWindow[];
  series: PolicedRow[];
}

export interface AdoptionCell {
  week: number;
  function: string;
  headcount: number;
  active: number | null;
  share: number | null;
  suppressed: boolean;
}

export interface Adoption {
  weeks: number[];
  functions: { function: string; headcount: number; activeInRange: number | null; share: number | null; suppressed: boolean }[];
  cells: AdoptionCell[];
}

export const COHORTS = ['none', 'light', 'moderate', 'heavy'] as const;
export type Cohort = (typeof COHORTS)[number];

export interface Distribution {
  activePeople: number | null;
  headcount: number;
  /** Share of tokens held by the top 10% of active people (null when suppressed). */
  top10Share: number | null;
  /** Share of cost held by the top 10% of active people. */
  top10CostShare: number | null;
  cohortRule: string;
  byFunction: {
    function: string;
    headcount: number;
    cohorts: Record<Cohort, number | null>;
    notStarted: number | null;
    idle14: number | null;
    suppressed: boolean;
  }[];
  totals: Record<Cohort | 'notStarted' | 'idle14', number | null>;
}

export interface Spend {
  total: PolicedRow;
  byTeam: PolicedRow[];
  byTool: PolicedRow[];
  byModel: PolicedRow[];
  byVendor: PolicedRow[];
  forecast: Forecast | null;
}

export interface OutcomeRow {
  tool: string;
  cost: number;
  personDays: number;
  commits: number;
  pullRequests: number;
  linesAdded: number;
  sessions: number;
  editsAccepted: number;
  editsRejected: number;
  costPerActiveDay: number | null;
  costPerCommit: number | null;
  costPerPullRequest: number | null;
  acceptanceRate: number | null;
}

export interface Outcomes {
  overall: Omit<OutcomeRow, 'tool'> | null;
  byTool: (OutcomeRow | { tool: string; suppressed: true; reason: string })[];
}

export interface TeamRow {
  team: string;
  function: string | null;
  headcount: number;
  row: PolicedRow;
  /** Active people over headcount (null when suppressed). */
  share: number | null;
}

export interface UnattributedRow {
  identity: string;
  tokens: number;
  cost: number;
  requests: number;
  activeDays: number;
  tools: number;
}

export interface Unattributed {
  total: { identities: number; tokens: number; cost: number; requests: number } | null;
  suppressedReason?: string;
  /** Individual identities: only for viewers who may see individuals. */
  identities: UnattributedRow[] | null;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

export class InsightsService {
  constructor(
    private readonly store: Store,
    private readonly query: QueryService,
  ) {}

  private scope(viewer: Viewer, q: PanelQuery, groupBy: Dimension[]): Promise<Scope> {
    return this.query.scopeFor(viewer, { from: q.from, to: q.to, filters: q.filters }, groupBy);
  }

  private async aggregate(viewer: Viewer, q: PanelQuery & { groupBy?: Dimension[]; bucket?: Bucket }): Promise<PolicedRow[]> {
    const scope = await this.scope(viewer, q, q.groupBy ?? []);
    const rows = await this.store.aggregate({ from: q.from, to: q.to, groupBy: q.groupBy, bucket: q.bucket, filters: scope.filters });
    return applyPolicy(scope, rows, [...(q.bucket ? (['bucket'] as const) : []), ...(q.groupBy ?? [])]);
  }

  /**
   * Totals for several periods, each policed as its own question, read from the
   * rollups in one scan (periods asked twice are read once). With `daily`, also
   * the first period's daily series from the same scan, policed as that
   * period's question by day (null when it could not be read with them).
   */
  private async totals(
    viewer: Viewer,
    periods: { from: number; to: number }[],
    filters: Filters | undefined,
    daily = false,
  ): Promise<{ totals: PolicedRow[][]; daily: PolicedRow[] | null }> {
    const ids = periods.map((p) => `${p.from}:${p.to}`);
    const unique = periods.filter((_, i) => ids.indexOf(ids[i]!) === i);
    const scopes = await Promise.all(unique.map((p) => this.scope(viewer, { ...p, filters }, [])));
    const same = scopes.every((s) => JSON.stringify(s.filters) === JSON.stringify(scopes[0]!.filters));
    const read = same
      ? await this.store.aggregateWindows({ windows: unique, filters: scopes[0]!.filters, daily })
      : { windows: await Promise.all(unique.map(async (p, k) => (await this.store.aggregate({ ...p, filters: scopes[k]!.filters }))[0]!)), daily: null };
    const policed = unique.map((_, k) => applyPolicy(scopes[k]!, [read.windows[k]!], []));
    return {
      totals: ids.map((id) => policed[unique.findIndex((_, k) => `${unique[k]!.from}:${unique[k]!.to}` === id)]!),
      daily: daily && read.daily ? applyPolicy(scopes[0]!, read.daily, ['bucket']) : null,
    };
  }

  /** Several groupings of one period, each policed as its own question, read from the rollups in one scan. */
  private async groupings(viewer: Viewer, q: PanelQuery, groupings: Dimension[][]): Promise<PolicedRow[][]> {
    const scopes = await Promise.all(groupings.map((g) => this.scope(viewer, q, g)));
    const same = scopes.every((s) => JSON.stringify(s.filters) === JSON.stringify(scopes[0]!.filters));
    const rows = same
      ? await this.store.aggregateSets({ from: q.from, to: q.to, groupings, filters: scopes[0]!.filters })
      : await Promise.all(groupings.map((g, k) => this.store.aggregate({ from: q.from, to: q.to, groupBy: g, filters: scopes[k]!.filters })));
    return groupings.map((g, k) => applyPolicy(scopes[k]!, rows[k]!, g));
  }

  /** Derived rows (counts of people): one sibling set unless axes say otherwise. */
  private police(scope: Scope, rows: AggregateRow[], axes: (Dimension | 'bucket')[] = []): PolicedRow[] {
    return applyPolicy(scope, rows, axes);
  }

  /** People in the directory matching the filters (function and team narrow headcount; tool and model do not). */
  private async headcount(filters?: Filters): Promise<HeadcountPerson[]> {
    const people = await this.store.headcountPeople();
    return people.filter(
      (p) =>
        p.status === 'active' &&
        (!filters?.function?.length || (p.function !== null && filters.function.includes(p.function))) &&
        (!filters?.team?.length || (p.team !== null && filters.team.includes(p.team))) &&
        (!filters?.manager?.length || (p.managerEmail !== null && filters.manager.includes(p.managerEmail))) &&
        (!filters?.person?.length || filters.person.includes(p.email)),
    );
  }

  /** Active people (day, week, month ending at `to`), and totals for the range against the period before it. */
  async overview(viewer: Viewer, q: PanelQuery): Promise<Overview> {
    const to = dayCeil(q.to);
    const from = dayFloor(q.from);
    const len = to - from;
    const windows: [ActiveWindow['window'], number][] = [['day', 1], ['week', 7], ['month', 28]];
    const periods = [
      { from, to },
      { from: from - len, to: from },
      ...windows.flatMap(([, d]) => [
        { from: to - d * DAY_MS, to },
        { from: to - 2 * d * DAY_MS, to: to - d * DAY_MS },
      ]),
    ];
    // The daily series is the range's own question by day: read with the totals when the scopes allow.
    const { totals: [current, previous, ...actives], daily } = await this.totals(viewer, periods, q.filters, true);
    const series = daily ?? (await this.aggregate(viewer, { from, to, bucket: 'day', filters: q.filters }));
    const people = (r: PolicedRow | undefined) => (r && !r.suppressed ? r.people : null);
    return {
      totals: { current: current[0]!, previous: previous[0]! },
      active: windows.map(([window, days], i) => ({ window, days, current: people(actives[2 * i]![0]), previous: people(actives[2 * i + 1]![0]) })),
      series,
    };
  }

  /** Share of each function's headcount active in each ISO week. */
  async adoption(viewer: Viewer, q: PanelQuery): Promise<Adoption> {
    const from = weekStart(q.from);
    const to = dayCeil(q.to);
    const scope = await this.scope(viewer, { from, to, filters: q.filters }, ['function']);
    const [weekly, overall, people] = await Promise.all([
      // Only people are counted here: sums are not read.
      this.store.aggregate({ from, to, bucket: 'week', groupBy: ['function'], filters: scope.filters, peopleOnly: true }),
      this.store.aggregate({ from, to, groupBy: ['function'], filters: scope.filters, peopleOnly: true }),
      this.headcount(scope.filters),
    ]);
    const heads = new Map<string, number>();
    for (const p of people) if (p.function) heads.set(p.function, (heads.get(p.function) ?? 0) + 1);
    const fns = [...heads.keys()].sort((a, b) => a.localeCompare(b));
    // Every function appears every week (a week with no one active is a real zero, not a gap).
    const weeks: number[] = [];
    for (let w = from; w < to; w += 7 * DAY_MS) weeks.push(w);
    const activeOf = (rows: AggregateRow[], week?: number) => {
      const m = new Map<string, number>();
      for (const r of rows) if ((week === undefined || r.bucket === week) && r.keys.function) m.set(r.keys.function, r.people);
      return m;
    };
    const cells: AdoptionCell[] = [];
    for (const week of weeks) {
      const act = activeOf(weekly, week);
      const policed = this.police(scope, fns.map((f) => countRow({ function: f }, act.get(f) ?? 0, week)));
      policed.forEach((r, i) => {
        const f = fns[i]!;
        const hc = heads.get(f)!;
        cells.push(r.suppressed
          ? { week, function: f, headcount: hc, active: null, share: null, suppressed: true }
          : { week, function: f, headcount: hc, active: r.people, share: ratio(r.people, hc), suppressed: false });
      });
    }
    const act = activeOf(overall);
    const policed = this.police(scope, fns.map((f) => countRow({ function: f }, act.get(f) ?? 0)));
    return {
      weeks,
      functions: policed.map((r, i) => {
        const f = fns[i]!;
        const hc = heads.get(f)!;
        return r.suppressed
          ? { function: f, headcount: hc, activeInRange: null, share: null, suppressed: true }
          : { function: f, headcount: hc, activeInRange: r.people, share: ratio(r.people, hc), suppressed: false };
      }),
      cells,
    };
  }

  /**
   * How usage is spread. Cohorts are by frequency, not volume: active days per
   * week over the range (none 0, light under 1, moderate 1 to 3, heavy over 3).
   */
  async distribution(viewer: Viewer, q: PanelQuery): Promise<Distribution> {
    const from = dayFloor(q.from);
    const to = dayCeil(q.to);
    const scope = await this.scope(viewer, { from, to, filters: q.filters }, ['function']);
    const recentFrom = to - 14 * DAY_MS;
    const [acts, people, firstSeen] = await Promise.all([
      this.store.personActivity({ from, to, filters: scope.filters }),
      this.headcount(scope.filters),
      this.store.personFirstSeen(),
    ]);
    // Active in the last 14 days: when the range covers them, that is a last active day in them (no second read).
    const recent = from <= recentFrom ? acts.filter((a) => a.lastDay >= recentFrom) : await this.store.personActivity({ from: recentFrom, to, filters: scope.filters });
    const weeks = Math.max(1, (to - from) / (7 * DAY_MS));
    const cohortOf = (a: PersonActivity | undefined): Cohort => {
      if (!a || a.activeDays === 0) return 'none';
      const perWeek = a.activeDays / weeks;
      return perWeek < 1 ? 'light' : perWeek <= 3 ? 'moderate' : 'heavy';
    };
    const byId = new Map(acts.filter((a) => a.attributed).map((a) => [a.id, a]));
    const recentIds = new Set(recent.filter((a) => a.attributed).map((a) => a.id));
    const fns = [...new Set(people.map((p) => p.function).filter((f): f is string => !!f))].sort((a, b) => a.localeCompare(b));
    type Counts = Record<Cohort | 'notStarted' | 'idle14', number>;
    const blank = (): Counts => ({ none: 0, light: 0, moderate: 0, heavy: 0, notStarted: 0, idle14: 0 });
    const counts = new Map(fns.map((f) => [f, blank()]));
    const all = blank();
    const headcountOf = new Map<string, number>();
    for (const p of people) {
      if (p.function !== null) headcountOf.set(p.function, (headcountOf.get(p.function) ?? 0) + 1);
      const c = counts.get(p.function ?? '');
      const first = firstSeen.get(p.id);
      const started = first !== undefined && first < to;
      const idle = started && first! < to - 14 * DAY_MS && !recentIds.has(p.id);
      for (const into of c ? [c, all] : [all]) {
        into[cohortOf(byId.get(p.id))]++;
        if (!started) into.notStarted++;
        if (idle) into.idle14++;
      }
    }
    // Each count is a group of people. The four cohorts partition a function's headcount, so they are
    // siblings (complementary suppression); "not started" and "idle" are single counts, policed alone.
    const policeCounts = (key: string, c: Counts): (number | null)[] => {
      const keys = { function: key };
      const cohorts = this.police(scope, COHORTS.map((k) => countRow(keys, c[k], 0)));
      const single = (n: number, b: number) => this.police(scope, [countRow(keys, n, b)])[0]!;
      return [...cohorts, single(c.notStarted, 1), single(c.idle14, 2)].map((r) => (r.suppressed ? null : r.people));
    };
    const fnRows = fns.map((f) => {
      const c = counts.get(f)!;
      const hc = headcountOf.get(f) ?? 0;
      // A function smaller than the minimum group size shows nothing at all.
      const tooSmall = hc < scope.k && !scope.individual && !scope.self;
      const v = tooSmall ? [null, null, null, null, null, null] : policeCounts(f, c);
      return {
        function: f,
        headcount: hc,
        cohorts: { none: v[0]!, light: v[1]!, moderate: v[2]!, heavy: v[3]! },
        notStarted: v[4]!,
        idle14: v[5]!,
        suppressed: tooSmall,
      };
    });
    const tv = policeCounts('(all)', all);
    // Top 10%: of attributed active people, by tokens and by cost.
    const active = acts.filter((a) => a.attributed && a.tokens > 0);
    const activeRow = this.police(scope, [countRow({}, active.length)])[0]!;
    const topShare = (metric: 'tokens' | 'cost') => {
      if (activeRow.suppressed || active.length === 0) return null;
      const sorted = active.map((a) => a[metric]).sort((x, y) => y - x);
      const n = Math.max(1, Math.ceil(sorted.length * 0.1));
      const total = sorted.reduce((s, x) => s + x, 0);
      return total > 0 ? sorted.slice(0, n).reduce((s, x) => s + x, 0) / total : null;
    };
    return {
      activePeople: activeRow.suppressed ? null : active.length,
      headcount: people.length,
      top10Share: topShare('tokens'),
      top10CostShare: topShare('cost'),
      cohortRule: 'active days per week over the range: none 0, light under 1, moderate 1 to 3, heavy over 3',
      byFunction: fnRows,
      totals: { none: tv[0]!, light: tv[1]!, moderate: tv[2]!, heavy: tv[3]!, notStarted: tv[4]!, idle14: tv[5]! },
    };
  }

  /** Spend by team, tool, model and vendor, and the month-end forecast for the month the range ends in. */
  async spend(viewer: Viewer, q: PanelQuery, now = Date.now()): Promise<Spend> {
    const from = dayFloor(q.from);
    const to = dayCeil(q.to);
    const byCost = (rows: PolicedRow[]) =>
      rows.sort((a, b) => (a.suppressed ? 1 : 0) - (b.suppressed ? 1 : 0) || (b.suppressed ? 0 : b.cost) - (a.suppressed ? 0 : a.cost));
    const asOf = Math.min(to, dayCeil(now));
    const monthStart = Date.UTC(new Date(asOf - 1).getUTCFullYear(), new Date(asOf - 1).getUTCMonth(), 1);
    const [[total, byTeam, byTool, byModel, byVendor], daily] = await Promise.all([
      this.groupings(viewer, { from, to, filters: q.filters }, [[], ['team'], ['tool'], ['model'], ['provider']]),
      this.aggregate(viewer, { from: Math.min(monthStart, asOf - 28 * DAY_MS), to: asOf, bucket: 'day', filters: q.filters }),
    ]);
    [byTeam, byTool, byModel, byVendor].forEach((rows) => byCost(rows!));
    const visible = daily.filter((r): r is AggregateRow & { suppressed?: false } => !r.suppressed);
    const forecast = visible.length === daily.length ? forecastMonth(visible.map((r) => ({ day: r.bucket!, cost: r.cost })), asOf) : null;
    return { total: total![0]!, byTeam: byTeam!, byTool: byTool!, byModel: byModel!, byVendor: byVendor!, forecast };
  }

  /** Cost beside what sources report as outcomes: per active person-day, per commit, per pull request. */
  async outcomes(viewer: Viewer, q: PanelQuery): Promise<Outcomes> {
    const from = dayFloor(q.from);
    const to = dayCeil(q.to);
    const scope = await this.scope(viewer, { from, to, filters: q.filters }, ['tool']);
    const [byTool, daily] = await Promise.all([
      this.store.aggregate({ from, to, groupBy: ['tool'], filters: scope.filters }),
      // Distinct people per day per tool: summed, they are active person-days.
      this.store.aggregate({ from, to, groupBy: ['tool'], bucket: 'day', filters: scope.filters, peopleOnly: true }),
    ]);
    const personDays = new Map<string, number>();
    for (const r of daily) personDays.set(r.keys.tool ?? '', (personDays.get(r.keys.tool ?? '') ?? 0) + r.people);
    const policed = this.police(scope, byTool, ['tool']);
    const rows = policed.map((r) => {
      const tool = r.keys.tool ?? '(unknown)';
      if (r.suppressed) return { tool, suppressed: true as const, reason: r.reason };
      return outcomeRow(tool, r, personDays.get(r.keys.tool ?? '') ?? 0);
    });
    rows.sort((a, b) => ('cost' in b ? b.cost : -1) - ('cost' in a ? a.cost : -1));
    const shown = rows.filter((r): r is OutcomeRow => 'cost' in r);
    const sumOf = (k: keyof Omit<OutcomeRow, 'tool'>, only?: (r: OutcomeRow) => boolean) =>
      shown.filter((r) => !only || only(r)).reduce((s, r) => s + (r[k] ?? 0), 0);
    // Per commit and per PR only over tools that report them, so chat spend does not inflate coding outcomes.
    const overall = shown.length
      ? {
          cost: sumOf('cost'),
          personDays: sumOf('personDays'),
          commits: sumOf('commits'),
          pullRequests: sumOf('pullRequests'),
          linesAdded: sumOf('linesAdded'),
          sessions: sumOf('sessions'),
          editsAccepted: sumOf('editsAccepted'),
          editsRejected: sumOf('editsRejected'),
          costPerActiveDay: ratio(sumOf('cost'), sumOf('personDays')),
          costPerCommit: ratio(sumOf('cost', (r) => r.commits > 0), sumOf('commits')),
          costPerPullRequest: ratio(sumOf('cost', (r) => r.pullRequests > 0), sumOf('pullRequests')),
          acceptanceRate: ratio(sumOf('editsAccepted'), sumOf('editsAccepted') + sumOf('editsRejected')),
        }
      : null;
    return { overall, byTool: rows };
  }

  /** Every team with headcount, usage and the share of its people who were active. */
  async teams(viewer: Viewer, q: PanelQuery): Promise<TeamRow[]> {
    const from = dayFloor(q.from);
    const to = dayCeil(q.to);
    const scope = await this.scope(viewer, { from, to, filters: q.filters }, ['team']);
    const [rows, people] = await Promise.all([this.aggregate(viewer, { from, to, groupBy: ['team'], filters: q.filters }), this.headcount(scope.filters)]);
    const heads = new Map<string, { n: number; fn: string | null }>();
    for (const p of people) if (p.team) heads.set(p.team, { n: (heads.get(p.team)?.n ?? 0) + 1, fn: p.function });
    const byTeam = new Map(rows.map((r) => [r.keys.team ?? null, r]));
    const out: TeamRow[] = [];
    for (const [team, h] of heads) {
      const row = byTeam.get(team) ?? { ...ZERO, keys: { team } };
      out.push({ team, function: h.fn, headcount: h.n, row, share: row.suppressed ? null : ratio(row.people, h.n) });
    }
    return out.sort((a, b) => a.team.localeCompare(b.team));
  }

  /** Usage that could not be matched to a person in the directory. */
  async unattributed(viewer: Viewer, q: PanelQuery): Promise<Unattributed> {
    const from = dayFloor(q.from);
    const to = dayCeil(q.to);
    // Unattributed identities are grouped by identity: the same rule as any individual question.
    const scope = await this.scope(viewer, { from, to, filters: q.filters }, []);
    const individuals = scope.individual;
    const acts = (await this.store.personActivity({ from, to, filters: scope.filters, unattributedOnly: true })).filter((a) => !a.attributed && !a.service);
    const sum = (k: 'tokens' | 'cost' | 'requests') => acts.reduce((s, a) => s + a[k], 0);
    const row = { ...countRow({ person: null }, acts.length), tokens: sum('tokens'), cost: sum('cost'), requests: sum('requests') };
    const policed = this.police(scope, [row])[0]!;
    return {
      total: policed.suppressed ? null : { identities: acts.length, tokens: row.tokens, cost: row.cost, requests: row.requests },
      ...(policed.suppressed ? { suppressedReason: `fewer than ${scope.k} unattributed identities` } : {}),
      identities: individuals
        ? acts
            .map((a) => ({ identity: a.key, tokens: a.tokens, cost: a.cost, requests: a.requests, activeDays: a.activeDays, tools: a.tools }))
            .sort((a, b) => b.tokens - a.tokens)
        : null,
    };
  }

  async leaderboardConfig(): Promise<LeaderboardConfig> {
    const raw = await this.store.getMeta('leaderboard.config');
    if (!raw) return DEFAULT_LEADERBOARD;
    const parsed = LeaderboardConfigSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : DEFAULT_LEADERBOARD;
  }

  async setLeaderboardConfig(viewer: Viewer, config: LeaderboardConfig): Promise<LeaderboardConfig> {
    if (viewer.role !== 'admin') throw new PolicyError('only an admin may change the leaderboard settings');
    await this.store.setMeta('leaderboard.config', JSON.stringify(config));
    return config;
  }

  /**
   * The leaderboard for this viewer: one implementation (rankLeaderboard in
   * ./leaderboard.ts) with the usage and context metrics, the admin's
   * switches, the privacy policy's switches and opt-ins.
   */
  async leaderboard(viewer: Viewer, q: LeaderboardQuery): Promise<Leaderboard> {
    const context = ContextRepo.forStore(this.store);
    return rankLeaderboard({ store: this.store, query: this.query, config: () => this.leaderboardConfig(), contextCounts: (f, t) => context.authorCounts(f, t) }, viewer, q);
  }

  async dimensions() {
    return this.store.dimensionValues();
  }
}

function outcomeRow(tool: string, r: Totals, personDays: number): OutcomeRow {
  return {
    tool,
    cost: r.cost,
    personDays,
    commits: r.commits,
    pullRequests: r.pullRequests,
    linesAdded: r.linesAdded,
    sessions: r.sessions,
    editsAccepted: r.editsAccepted,
    editsRejected: r.editsRejected,
    costPerActiveDay: ratio(r.cost, personDays),
    costPerCommit: r.commits > 0 ? r.cost / r.commits : null,
    costPerPullRequest: r.pullRequests > 0 ? r.cost / r.pullRequests : null,
    acceptanceRate: ratio(r.editsAccepted, r.editsAccepted + r.editsRejected),
  };
}

export interface PersonProfile {
  email: string;
  name: string | null;
  team: string | null;
  function: string | null;
  title: string | null;
  activity: Omit<PersonActivity, 'id' | 'key' | 'attributed' | 'service'> | null;
}

/** One person's directory entry and activity: the same rule as any person question (self or a role that may see individuals). */
export async function personProfile(store: Store, query: QueryService, viewer: Viewer, email: string, q: PanelQuery): Promise<PersonProfile | null> {
  const asked = { ...q.filters, person: [email.toLowerCase()] };
  const { filters } = await query.scopeFor(viewer, { from: q.from, to: q.to, filters: asked }, []);
  const p = (await store.listPeople()).find((x) => x.email === email.toLowerCase());
  const acts = await store.personActivity({ from: dayFloor(q.from), to: dayCeil(q.to), filters });
  if (!p && acts.length === 0) return null;
  const a = acts[0];
  return {
    email: email.toLowerCase(),
    name: p?.name ?? null,
    team: p?.team ?? null,
    function: p?.function ?? null,
    title: p?.title ?? null,
    activity: a ? { team: a.team, function: a.function, activeDays: a.activeDays, lastDay: a.lastDay, tokens: a.tokens, input: a.input, cacheRead: a.cacheRead, cost: a.cost, requests: a.requests, commits: a.commits, pullRequests: a.pullRequests, tools: a.tools, models: a.models } : null,
  };
}
