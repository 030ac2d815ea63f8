/** Builders for usage events in tests. */
import { UsageEventSchema, type UsageEventInput } from '../../src/domain/event.js';
import { prepare } from '../../src/ingest/pipeline.js';
import { defaultPricer } from '../../src/pricing/default.js';
import type { PreparedEvent } from '../../src/store/types.js';

export const T0 = Date.UTC(2026, 5, 1, 9, 30); // Monday 2026-06-01 09:30 UTC

export function ev(over: Partial<UsageEventInput> & { n?: number } = {}): UsageEventInput {
  const { n = 0, ...rest } = over;
  return {
    key: `k-${n}`,
    time: T0 + n * 60_000,
    source: 'api',
    tool: 'test-tool',
    model: 'gpt-5',
    identity: { email: `person${n % 10}@example.com` },
    tokens: { input: 100 + n, output: 50 + n, cacheRead: 10, cacheWrite: 5, reasoning: 20 },
    requests: 1,
    ...rest,
  };
}

export function prep(e: UsageEventInput): PreparedEvent {
  return prepare(UsageEventSchema.parse(e), defaultPricer());
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The first day (UTC midnight) of the store suites' three weeks of usage. */
export const MIXED_D0 = Math.floor(T0 / DAY_MS) * DAY_MS - 20 * DAY_MS;

/**
 * Usage events `from` .. `from + count - 1` of the store suites (the fact engine and the store
 * contract compare read paths on it): from day MIXED_D0 + 1 on, two tools and two models, people
 * by email, account ids and a bot's user id, repository attributes, reported cost and activity on
 * some. `at` places event n (default: every 83 minutes).
 */
export function mixedUsage(from: number, count: number, at = (n: number) => MIXED_D0 + DAY_MS + 2 * HOUR_MS + n * 83 * 60_000): PreparedEvent[] {
  return Array.from({ length: count }, (_, k) => {
    const n = from + k;
    return prep(
      ev({
        n,
        time: at(n),
        tool: n % 3 ? 'Claude Code' : 'Codex',
        model: n % 4 ? 'claude-sonnet-4-5' : 'gpt-5',
        identity: n % 7 === 0 ? { accountId: `acct-${n % 2}` } : n % 11 === 0 ? { userId: `bot-${n % 2}` } : { email: `p${n % 9}@example.com` },
        attributes: n % 2 ? { repo: `r${n % 3}` } : undefined,
        reportedCost: n % 4 === 0 ? 0.01 : undefined,
        activity: n % 5 === 0 ? { linesAdded: 3, commits: 1, pullRequests: 1 } : undefined,
      }),
    );
  });
}

/** The directory the store suites import over that usage: two teams, a manager, an alias, someone without a function. */
export const MIXED_PEOPLE = [
  { email: 'boss@example.com', team: 'Platform', function: 'Engineering' },
  { email: 'p1@example.com', team: 'Platform', function: 'Engineering', managerEmail: 'boss@example.com', aliases: [{ kind: 'accountId' as const, value: 'acct-1' }] },
  { email: 'p2@example.com', team: 'Sales West', function: 'Sales', managerEmail: 'boss@example.com' },
  { email: 'p3@example.com', team: 'Platform', function: 'Engineering' },
  { email: 'p4@example.com', team: 'Platform', function: null },
];
