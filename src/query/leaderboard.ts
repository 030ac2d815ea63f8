/**
 * Leaderboards as a deliberate feature: off until an admin turns them on,
 * team-level by default, individuals only when they opted in, pseudonymous
 * names as an option, and titles and tiers earned by rules an admin can read
 * and change — the defaults reward regular practice and breadth, not volume.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AggregateRow, Filters, PersonActivity, Store, Totals } from '../store/types.js';
import { applyPolicy, leaderboardEligible, type PolicedRow, type Viewer } from './policy.js';
import type { QueryService } from './service.js';

import { LEADERBOARD_METRICS, RULE_METRICS, type LeaderboardMetric, type RuleMetric } from './leaderboard-metrics.js';

export { LEADERBOARD_METRICS, RULE_METRICS, type LeaderboardMetric, type RuleMetric };
/** Metrics that come from the context module (check-ins, experiments). */
export const CONTEXT_METRICS: LeaderboardMetric[] = ['experiments', 'learnings'];

/**
 * Per person (email): experiments they shared and "useful" marks others gave
 * their shared entries, in the window. Only team- or organisation-visible
 * entries are counted (src/context/repo.ts `authorCounts`), so a private
 * entry never shows through a number.
 */
export type ContextCounts = ReadonlyMap<string, { experiments: number; learnings: number }>;


const TitleSchema = z.object({
  name: z.string().min(1).max(60),
  description: z.string().max(200).default(''),
  metric: z.enum(RULE_METRICS),
  min: z.number().nonnegative(),
  enabled: z.boolean().default(true),
});

export const LeaderboardConfigSchema = z.object({
  enabled: z.boolean(),
  allowIndividuals: z.boolean(),
  pseudonymous: z.boolean(),
  /** Emails of people who opted in to individual leaderboards (until governance stores it per account). */
  optedIn: z.array(z.string().email().toLowerCase()).max(100_000),
  metrics: z.array(z.enum(LEADERBOARD_METRICS)).min(1),
  titles: z.array(TitleSchema).max(50),
  tiers: z.object({
    metric: z.enum(RULE_METRICS),
    levels: z.array(z.object({ name: z.string().min(1).max(40), min: z.number().nonnegative() })).max(10),
  }),
});
export type LeaderboardConfig = z.infer<typeof LeaderboardConfigSchema>;
export type TitleRule = z.infer<typeof TitleSchema>;

export const DEFAULT_LEADERBOARD: LeaderboardConfig = {
  enabled: false,
  allowIndividuals: false,
  pseudonymous: true,
  optedIn: [],
  metrics: ['activeDays', 'tools', 'experiments', 'learnings', 'tokens', 'cost'],
  titles: [
    { name: 'Explorer', description: 'tried three or more different tools', metric: 'tools', min: 3, enabled: true },
    { name: 'Model Connoisseur', description: 'used four or more models', metric: 'models', min: 4, enabled: true },
    { name: 'Cache Wizard', description: 'at least 80% of input read from cache (cheap, efficient context)', metric: 'cacheShare', min: 0.8, enabled: true },
    { name: 'Steady Practitioner', description: 'active three or more days a week', metric: 'activeDaysPerWeek', min: 3, enabled: true },
    { name: 'Learning Sharer', description: 'shared three or more learnings others found useful', metric: 'learnings', min: 3, enabled: true },
    { name: 'Token Legend', description: 'a billion tokens in the window (volume: off by default, it rewards spend)', metric: 'tokens', min: 1e9, enabled: false },
  ],
  tiers: {
    metric: 'activeDaysPerWeek',
    levels: [
      { name: 'Bronze', min: 0.5 },
      { name: 'Silver', min: 1 },
      { name: 'Gold', min: 2 },
      { name: 'Platinum', min: 3 },
      { name: 'Emerald', min: 4 },
    ],
  },
};

export interface LeaderboardQuery {
  from: number;
  to: number;
  filters?: Filters;
  scope: 'team' | 'person';
  metric: LeaderboardMetric;
}

export type LeaderboardEntry =
  | { rank: number; name: string; people: number; value: number; titles: string[]; tier: string | null; context: null; suppressed?: false }
  | { rank: null; name: string; suppressed: true; reason: string };

export interface Leaderboard {
  enabled: boolean;
  scope: 'team' | 'person';
  metric: LeaderboardMetric;
  entries: LeaderboardEntry[];
  config: LeaderboardConfig;
  note?: string;
}

const ADJECTIVES = ['Curious', 'Patient', 'Bold', 'Quiet', 'Swift', 'Careful', 'Bright', 'Steady', 'Clever', 'Kind', 'Brave', 'Calm'];
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Badger', 'Falcon', 'Marten', 'Ibis', 'Fox', 'Puffin', 'Gecko', 'Bison', 'Wren'];

/** A stable pseudonym: the same person gets the same name, which reveals nothing about them. */
export function pseudonym(email: string, salt = 'tokenboard'): string {
  const h = createHash('sha256').update(salt).update('\0').update(email).digest();
  return `${ADJECTIVES[h[0]! % ADJECTIVES.length]} ${ANIMALS[h[1]! % ANIMALS.length]} ${(h.readUInt16BE(2) % 90) + 10}`;
}

interface Subject {
  name: string;
  people: number;
  values: Record<RuleMetric, number>;
}

function subjectValues(acts: PersonActivity[], weeks: number, context: ContextCounts): Record<RuleMetric, number> {
  const n = Math.max(1, acts.length);
  const sum = (f: (a: PersonActivity) => number) => acts.reduce((s, a) => s + f(a), 0);
  const input = sum((a) => a.input + a.cacheRead);
  return {
    activeDaysPerWeek: sum((a) => a.activeDays) / n / weeks,
    tools: sum((a) => a.tools) / n,
    models: sum((a) => a.models) / n,
    cacheShare: input > 0 ? sum((a) => a.cacheRead) / input : 0,
    tokens: sum((a) => a.tokens) / n,
    cost: sum((a) => a.cost) / n,
    experiments: sum((a) => context.get(a.key)?.experiments ?? 0) / n,
    learnings: sum((a) => context.get(a.key)?.learnings ?? 0) / n,
  };
}

const metricValue = (m: LeaderboardMetric, v: Record<RuleMetric, number>, weeks: number) =>
  m === 'activeDays' ? v.activeDaysPerWeek * weeks : v[m];

export function titlesFor(values: Record<RuleMetric, number>, config: LeaderboardConfig): { titles: string[]; tier: string | null } {
  const titles = config.titles.filter((t) => t.enabled && values[t.metric] >= t.min && t.min > 0).map((t) => t.name);
  let tier: string | null = null;
  for (const l of [...config.tiers.levels].sort((a, b) => a.min - b.min)) if (values[config.tiers.metric] >= l.min) tier = l.name;
  return { titles, tier };
}

/**
 * Rank teams (values per active person) or opted-in people. `police` applies
 * the privacy policy to each team as a group of its active people. `context`
 * carries experiments shared and learnings found useful per person; without
 * it those metrics cannot be ranked (and title rules on them see zero).
 */
export function leaderboardEntries(
  acts: PersonActivity[],
  q: LeaderboardQuery,
  config: LeaderboardConfig,
  police: (rows: AggregateRow[]) => PolicedRow[],
  context?: ContextCounts,
): LeaderboardEntry[] {
  if (!context && CONTEXT_METRICS.includes(q.metric)) return [];
  const counts: ContextCounts = context ?? new Map();
  const weeks = Math.max(1, (q.to - q.from) / (7 * 86_400_000));
  const subjects: Subject[] = [];
  if (q.scope === 'team') {
    const byTeam = new Map<string, PersonActivity[]>();
    for (const a of acts) if (a.team) byTeam.set(a.team, [...(byTeam.get(a.team) ?? []), a]);
    for (const [team, members] of byTeam) subjects.push({ name: team, people: members.length, values: subjectValues(members, weeks, counts) });
  } else {
    const opted = new Set(config.optedIn);
    for (const a of acts) {
      if (!opted.has(a.key)) continue;
      subjects.push({ name: config.pseudonymous ? pseudonym(a.key) : a.key, people: 1, values: subjectValues([a], weeks, counts) });
    }
  }
  const zero = { tokens: 0 } as Totals;
  const policed = police(subjects.map((s) => ({ ...zero, keys: { team: s.name }, people: s.people, events: s.people }) as AggregateRow));
  const shown: LeaderboardEntry[] = [];
  const hidden: LeaderboardEntry[] = [];
  subjects.forEach((s, i) => {
    const p = policed[i]!;
    if (p.suppressed) hidden.push({ rank: null, name: s.name, suppressed: true, reason: p.reason });
    else shown.push({ rank: 0, name: s.name, people: s.people, value: metricValue(q.metric, s.values, weeks), ...titlesFor(s.values, config), context: null });
  });
  shown.sort((a, b) => (b as { value: number }).value - (a as { value: number }).value);
  shown.forEach((e, i) => ((e as { rank: number }).rank = i + 1));
  return [...shown, ...hidden];
}

const DAY_MS = 86_400_000;

/** What a leaderboard is read from. */
export interface LeaderboardSources {
  store: Store;
  query: QueryService;
  /** The admin's settings (InsightsService.leaderboardConfig). */
  config: () => Promise<LeaderboardConfig>;
  /** Per person context counts in [from, to) (ContextRepo.authorCounts). */
  contextCounts: (from: number, to: number) => Promise<ContextCounts>;
}

/**
 * A leaderboard for the viewer. Off unless an admin turned it on and the
 * privacy policy allows leaderboards (individual ones only where the policy
 * allows individuals). The
 * question is scoped by the privacy policy exactly like any usage question
 * (`QueryService.scopeFor`): team scope ranks teams per active person, each
 * team policed as a group of its active people (minimum group size,
 * complementary suppression); person scope needs a viewer who may see
 * individuals and lists only people who opted in (their own privacy choice,
 * country rules applied, or the admin's list), pseudonymous unless named.
 * Every metric, the context ones included, goes through this one path, and
 * title and tier rules see all of them.
 */
export async function rankLeaderboard(src: LeaderboardSources, viewer: Viewer, q: LeaderboardQuery): Promise<Leaderboard> {
  const [config, policy] = await Promise.all([src.config(), src.query.privacy.policy()]);
  const none = (enabled: boolean, note?: string): Leaderboard => ({ enabled, scope: q.scope, metric: q.metric, entries: [], config, ...(note ? { note } : {}) });
  // The admin's switch and the privacy policy's both have to allow it.
  if (!config.enabled) return none(false);
  if (!policy.leaderboards.enabled) return none(false, 'leaderboards are switched off by the privacy policy');
  if (q.scope === 'person' && !config.allowIndividuals) return none(true, 'individual leaderboards are switched off');
  if (q.scope === 'person' && !policy.leaderboards.individual) return none(true, 'individual leaderboards are off by the privacy policy');
  const scope = await src.query.scopeFor(viewer, { from: q.from, to: q.to, filters: q.filters }, [q.scope === 'person' ? 'person' : 'team']);
  // Whole days, as the usage panels read them; context counts cover the same days.
  const from = Math.floor(q.from / DAY_MS) * DAY_MS;
  const to = Math.ceil(q.to / DAY_MS) * DAY_MS;
  const [acts, choices, counts] = await Promise.all([
    src.store.personActivity({ from, to, filters: scope.filters }),
    src.store.governance.listPrivacyChoices(),
    src.contextCounts(from, to),
  ]);
  const chosen = choices.filter((c) => leaderboardEligible(policy, c)).map((c) => c.email.toLowerCase());
  const effective = { ...config, optedIn: [...new Set([...config.optedIn, ...chosen])] };
  const entries = leaderboardEntries(acts.filter((a) => a.attributed), q, effective, (rows) => applyPolicy(scope, rows, []), counts);
  return { enabled: true, scope: q.scope, metric: q.metric, entries, config };
}
