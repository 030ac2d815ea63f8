/**
 * The privacy policy: the ONE place that decides what a viewer may ask and
 * what an answer may show. The query layer (./service.ts) calls it for every
 * read of people's data; the API, the dashboard, exports and digests all read
 * through the query layer, so they all get the same rules.
 *
 * Rules (anchored on Microsoft Viva Insights / Glint):
 *  - Scope by role: a member sees only their own data; a manager only their
 *    reports (direct and indirect); analysts and admins see the organisation.
 *    Ingest keys and anonymous callers read nothing.
 *  - Minimum group size k (never below 5; managers get a higher default, 10):
 *    a group of fewer than k people is shown as suppressed, never as zero.
 *  - Complementary suppression: along every axis of an answer (each grouped
 *    dimension and the time bucket), the suppressed siblings together must be
 *    at least two rows and at least k people, so no hidden value can be
 *    recovered by subtracting visible ones from a total.
 *  - Filter suppression: filters that isolate fewer than k people are refused,
 *    and so is a filter whose difference from the broader group (the same
 *    query without it, or one value of a list) is fewer than k people — this
 *    covers overlapping teams (team x manager x function) and differencing.
 *  - Individual data (grouping or filtering by person) is visible only to its
 *    owner, unless the policy lists the viewer's role in `individualViewers`
 *    (managers then only for their reports). Leaderboards show only people
 *    who opted in, pseudonymous (keyed HMAC) unless named rankings are on,
 *    and never for countries where the policy switches them off.
 *  - Excluded functions and people are removed from every answer.
 */
import { z } from 'zod';
import type { AggregateRow, Dimension, Filters } from '../store/types.js';

export type Role = 'admin' | 'analyst' | 'manager' | 'member' | 'ingest' | 'anonymous';
export const HUMAN_ROLES = ['admin', 'analyst', 'manager', 'member'] as const;
export type HumanRole = (typeof HUMAN_ROLES)[number];

export interface Viewer {
  role: Role;
  /** The signed-in person's email, if any. */
  email?: string;
  /** Display name for the audit log. */
  name?: string;
  accountId?: number;
  /** How the viewer authenticated. */
  via?: 'session' | 'api-token' | 'admin-token' | 'ingest-key' | 'system';
  /** API tokens: the permissions granted (a subset of the role's). */
  scopes?: readonly string[];
  /** Ingest keys: the sources the key may write (null = any). */
  sources?: readonly string[] | null;
  tokenId?: number;
  sessionHash?: string;
  csrf?: string;
}

export const ANONYMOUS: Viewer = Object.freeze({ role: 'anonymous' }) as Viewer;

/** The smallest k any policy may set. */
export const MIN_GROUP_FLOOR = 5;

export const PrivacyPolicySchema = z
  .object({
    minGroupSize: z.number().int().min(MIN_GROUP_FLOOR, `must be at least ${MIN_GROUP_FLOOR}`).default(5),
    managerMinGroupSize: z.number().int().min(MIN_GROUP_FLOOR, `must be at least ${MIN_GROUP_FLOOR}`).default(10),
    individualViewers: z.array(z.enum(['admin', 'analyst', 'manager'])).default([]),
    leaderboards: z
      .object({
        enabled: z.boolean().default(true),
        /** Individual entries (opt-in only); off by default. */
        individual: z.boolean().default(false),
        /** Show names instead of keyed pseudonyms. */
        named: z.boolean().default(false),
        /** How people appear where no country rule applies: only after opting in, or never. */
        defaultMode: z.enum(['opt-in', 'off']).default('opt-in'),
        /**
         * Per ISO country code: `opt-in` (only after opting in), `opt-out` (listed
         * unless they opted out; where a works agreement allows it) or `off`.
         */
        countries: z.record(z.string().length(2).toUpperCase(), z.enum(['opt-in', 'opt-out', 'off'])).default({}),
      })
      .default({ enabled: true, individual: false, named: false, defaultMode: 'opt-in', countries: {} }),
    exclude: z
      .object({ functions: z.array(z.string().min(1)).default([]), people: z.array(z.email()).default([]) })
      .default({ functions: [], people: [] }),
    retention: z
      .object({
        rawEventDays: z.number().int().min(1).default(90),
        checkinDays: z.number().int().min(1).default(365),
      })
      .default({ rawEventDays: 90, checkinDays: 365 }),
  })
  .refine((p) => p.managerMinGroupSize >= p.minGroupSize, { message: 'must be at least minGroupSize', path: ['managerMinGroupSize'] });

export type PrivacyPolicy = z.infer<typeof PrivacyPolicySchema>;

export const DEFAULT_POLICY: PrivacyPolicy = PrivacyPolicySchema.parse({});

export class PolicyError extends Error {
  constructor(
    message: string,
    readonly status: 403 | 400 = 403,
  ) {
    super(message);
  }
}

const INDIVIDUAL_DIMS: Dimension[] = ['person', 'identity'];
/** Filters that narrow the population of people (all of them do: a tool filter narrows to its users). */
const POPULATION_FILTERS = ['team', 'function', 'manager', 'tool', 'model', 'source', 'provider'] as const;

/** k for this viewer: managers see their own reports, so they get the higher threshold. */
export function minGroupFor(viewer: Viewer, policy: PrivacyPolicy): number {
  return Math.max(MIN_GROUP_FLOOR, viewer.role === 'manager' ? policy.managerMinGroupSize : policy.minGroupSize);
}

export function maySeeIndividuals(viewer: Viewer, policy: PrivacyPolicy = DEFAULT_POLICY): boolean {
  return (policy.individualViewers as string[]).includes(viewer.role);
}

/** True when the filters restrict the query to the viewer's own data. */
export function isSelfQuery(viewer: Viewer, filters: Filters | undefined): boolean {
  return !!viewer.email && !!filters?.person && filters.person.length === 1 && filters.person[0] === viewer.email;
}

/** What the policy decided about one question. */
export interface Scope {
  /** Filters to run: the asker's, narrowed to what the viewer may see, plus exclusions. */
  filters: Filters;
  /** Filters the policy imposed (not removable by the asker); used for differencing checks. */
  imposed: Filters;
  /** The answer is the viewer's own data: shown unsuppressed. */
  self: boolean;
  /** The viewer may see individuals here: shown unsuppressed, and audited. */
  individual: boolean;
  k: number;
}

/**
 * Decide who and what a question may cover, or refuse it. `reports` are the
 * emails of the viewer's reports (needed for managers only).
 */
export function scopeQuery(viewer: Viewer, policy: PrivacyPolicy, groupBy: Dimension[], asked: Filters | undefined, reports?: readonly string[]): Scope {
  const k = minGroupFor(viewer, policy);
  const user: Filters = { ...(asked ?? {}) };
  const exclusions: Filters = {
    ...(policy.exclude.functions.length ? { excludeFunction: policy.exclude.functions } : {}),
    ...(policy.exclude.people.length ? { excludePerson: policy.exclude.people.map((e) => e.toLowerCase()) } : {}),
  };
  if (viewer.role === 'anonymous' || viewer.role === 'ingest') throw new PolicyError(`your role (${viewer.role}) may not read usage`);

  if (isSelfQuery(viewer, user)) return { filters: { ...user, ...exclusions }, imposed: {}, self: true, individual: false, k };

  if (viewer.role === 'member') {
    if (user.person?.length) throw new PolicyError('members may only see their own data');
    if (!viewer.email) throw new PolicyError('this account is not linked to a person');
    const imposed = { person: [viewer.email] };
    return { filters: { ...user, ...imposed, ...exclusions }, imposed, self: true, individual: false, k };
  }

  const individual = maySeeIndividuals(viewer, policy);
  let imposed: Filters = {};
  if (viewer.role === 'manager') {
    const mine = new Set(reports ?? []);
    if (mine.size === 0) throw new PolicyError('you have no reports in the directory, so there is no team data to show');
    for (const m of user.manager ?? []) {
      if (m !== viewer.email && !mine.has(m)) throw new PolicyError(`manager ${m} is outside your reporting line`, 403);
    }
    for (const p of user.person ?? []) {
      if (!mine.has(p)) throw new PolicyError(`person ${p} is outside your reporting line`, 403);
    }
    imposed = { person: [...mine] };
  }
  if (!individual) {
    const dim = groupBy.find((d) => INDIVIDUAL_DIMS.includes(d));
    if (dim) throw new PolicyError(`grouping by ${dim} shows individuals; your role (${viewer.role}) may only see groups of at least ${k} people`);
    if (user.person?.length) throw new PolicyError(`filtering by person shows individuals; your role (${viewer.role}) may only see your own data`);
  }
  const filters: Filters = { ...user, ...exclusions };
  if (imposed.person) filters.person = user.person?.length ? user.person : imposed.person;
  return { filters, imposed, self: false, individual, k };
}

/** True when the scoped question names individuals (to be audited as a person-level view). */
export function isIndividualView(scope: Scope, groupBy: Dimension[], asked: Filters | undefined): boolean {
  return scope.individual && (groupBy.some((d) => INDIVIDUAL_DIMS.includes(d)) || !!asked?.person?.length);
}

/**
 * Filter suppression and differencing: refuse filters that isolate fewer than
 * k people, directly or as the difference from a broader group (the same
 * question without one filter, or one value of a list). `countPeople` counts
 * distinct people over the same period for several filter sets at once.
 */
export async function checkIsolation(scope: Scope, asked: Filters | undefined, countPeople: (sets: Filters[]) => Promise<number[]>): Promise<void> {
  if (scope.self || scope.individual || !asked) return;
  const dims = POPULATION_FILTERS.filter((d) => asked[d]?.length);
  if (dims.length === 0) return;
  const k = scope.k;
  const broader = dims.map((d) => {
    const f: Filters = { ...scope.filters };
    delete f[d];
    return f;
  });
  const singles = dims.flatMap((d) => (asked[d]!.length > 1 ? asked[d]!.map((v) => ({ d, v, f: { ...scope.filters, [d]: [v] } as Filters })) : []));
  const [n, ...rest] = await countPeople([scope.filters, ...broader, ...singles.map((s) => s.f)]);
  const small = (x: number) => x > 0 && x < k;
  if (small(n!)) throw new PolicyError(`these filters match fewer than ${k} people; widen them`);
  dims.forEach((d, i) => {
    if (small(rest[i]! - n!)) throw new PolicyError(`the ${d} filter differs from the group without it by fewer than ${k} people (differencing); widen it`);
  });
  singles.forEach((s, i) => {
    if (small(rest[dims.length + i]!)) throw new PolicyError(`${s.d} "${s.v}" matches fewer than ${k} people; it may not be combined into a list to get around the minimum`);
  });
}

export type PolicedRow = (AggregateRow & { suppressed?: false }) | SuppressedRow;
export interface SuppressedRow {
  suppressed: true;
  bucket?: number;
  keys: AggregateRow['keys'];
  reason: string;
}

function suppress(r: AggregateRow, reason: string): SuppressedRow {
  // Two literals, not a spread of a conditional object: V8 builds those many times slower.
  return r.bucket !== undefined ? { suppressed: true, bucket: r.bucket, keys: r.keys, reason } : { suppressed: true, keys: r.keys, reason };
}

/**
 * Suppress small groups, then apply complementary suppression along every
 * axis until nothing changes. Axes are the grouped dimensions plus the time
 * bucket; rows are siblings along an axis when all their other coordinates match.
 */
export function applyPolicy(scope: Pick<Scope, 'self' | 'individual' | 'k'>, rows: AggregateRow[], axes: (Dimension | 'bucket')[]): PolicedRow[] {
  if (scope.self || scope.individual) return rows;
  const k = scope.k;
  const hide = new Set<number>();
  const small = new Set<number>();
  rows.forEach((r, i) => {
    if (r.events > 0 && r.people < k) (hide.add(i), small.add(i));
  });
  // Sibling sets along each axis (an ungrouped answer is one set of one row).
  const sets: number[][] = [];
  const axesOrAll = axes.length ? axes : ['bucket' as const];
  for (const axis of axesOrAll) {
    const byRest = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const coord = JSON.stringify([axes.filter((a) => a !== axis).map((a) => (a === 'bucket' ? r.bucket : r.keys[a]))]);
      const s = byRest.get(coord);
      if (s) s.push(i);
      else byRest.set(coord, [i]);
    });
    sets.push(...byRest.values());
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const set of sets) {
      const hidden = set.filter((i) => hide.has(i));
      if (hidden.length === 0 || hidden.length === set.length) continue;
      const hiddenPeople = hidden.reduce((s, i) => s + rows[i]!.people, 0);
      if (hidden.length >= 2 && hiddenPeople >= k) continue;
      const next = set.filter((i) => !hide.has(i)).sort((a, b) => rows[a]!.people - rows[b]!.people || rows[a]!.tokens - rows[b]!.tokens)[0]!;
      hide.add(next);
      changed = true;
    }
  }
  return rows.map((r, i) => (hide.has(i) ? suppress(r, small.has(i) ? `fewer than ${k} people` : 'hidden so a smaller group cannot be recovered by subtraction') : r));
}

/** May this person appear on an individual leaderboard? Their country decides whether silence means no or yes. */
export function leaderboardEligible(policy: PrivacyPolicy, choice: { leaderboardOptIn: boolean | null; country: string | null }): boolean {
  const lb = policy.leaderboards;
  if (!lb.enabled || !lb.individual) return false;
  const mode = (choice.country && lb.countries[choice.country.toUpperCase()]) || lb.defaultMode;
  if (mode === 'off') return false;
  return mode === 'opt-out' ? choice.leaderboardOptIn !== false : choice.leaderboardOptIn === true;
}
