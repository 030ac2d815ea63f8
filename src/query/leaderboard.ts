/**
 * Leaderboards as a deliberate feature: off until an admin turns them on,
 * team-level by default, individuals only when they opted in, pseudonymous
 * names as an option, and titles and tiers earned by rules an admin can read
 * and change — the defaults reward regular practice and breadth, not volume.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AggregateRow, Filters, PersonActivity, Totals } from '../store/types.js';
import type { PolicedRow } from './policy.js';

import { LEADERBOARD_METRICS, RULE_METRICS, type LeaderboardMetric, type RuleMetric } from './leaderboard-metrics.js';

export { LEADERBOARD_METRICS, RULE_METRICS, type LeaderboardMetric, type RuleMetric };
/** Metrics that come from the context module (check-ins, experiments); empty until it lands. */
export const CONTEXT_METRICS: LeaderboardMetric[] = ['experiments', 'learnings'];


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

function subjectValues(acts: PersonActivity[], weeks: number): Record<RuleMetric, number> {
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
    // Filled by the context module when it lands (experiments shared, learnings found useful).
    experiments: 0,
    learnings: 0,
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
 * the privacy policy to each team as a group of its active people.
 */
export function leaderboardEntries(
  acts: PersonActivity[],
  q: LeaderboardQuery,
  config: LeaderboardConfig,
  police: (rows: AggregateRow[]) => PolicedRow[],
): LeaderboardEntry[] {
  if (CONTEXT_METRICS.includes(q.metric)) return [];
  const weeks = Math.max(1, (q.to - q.from) / (7 * 86_400_000));
  const subjects: Subject[] = [];
  if (q.scope === 'team') {
    const byTeam = new Map<string, PersonActivity[]>();
    for (const a of acts) if (a.team) byTeam.set(a.team, [...(byTeam.get(a.team) ?? []), a]);
    for (const [team, members] of byTeam) subjects.push({ name: team, people: members.length, values: subjectValues(members, weeks) });
  } else {
    const opted = new Set(config.optedIn);
    for (const a of acts) {
      if (!opted.has(a.key)) continue;
      subjects.push({ name: config.pseudonymous ? pseudonym(a.key) : a.key, people: 1, values: subjectValues([a], weeks) });
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
