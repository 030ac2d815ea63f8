/** A small organisation in an in-memory store, and signed-in callers for every role. */
import { UsageEventSchema, type UsageEventInput } from '../../src/domain/event.js';
import { SESSION_COOKIE } from '../../src/auth/guard.js';
import type { HumanRole } from '../../src/query/policy.js';
import { createApp } from '../../src/server/app.js';
import { buildDeps } from '../../src/server/start.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { PersonInput } from '../../src/store/types.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** Cheap scrypt for tests that create many passwords; the default cost is tested in auth.test.ts. */
export const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 0, 5); // a Monday
export const RANGE = `from=2026-01-05&to=2026-01-12`;

/**
 * Org: manager Mia (mia@) leads Platform (12 people, Engineering); Sales has 6
 * people; Legal has 3 (below k=5). Ann (ann@) is a member in Platform.
 */
export function orgPeople(): PersonInput[] {
  const people: PersonInput[] = [{ email: 'mia@ex.com', name: 'Mia Manager', team: 'Platform', function: 'Engineering' }];
  for (let i = 0; i < 12; i++) people.push({ email: i === 0 ? 'ann@ex.com' : `eng${i}@ex.com`, name: i === 0 ? 'Ann Member' : `Eng ${i}`, team: 'Platform', function: 'Engineering', managerEmail: 'mia@ex.com' });
  for (let i = 0; i < 6; i++) people.push({ email: `sales${i}@ex.com`, name: `Sales ${i}`, team: 'Sales', function: 'Sales', managerEmail: 'sam@ex.com' });
  for (let i = 0; i < 3; i++) people.push({ email: `legal${i}@ex.com`, name: `Legal ${i}`, team: 'Legal', function: 'Legal', managerEmail: 'sam@ex.com' });
  people.push({ email: 'sam@ex.com', name: 'Sam Other', team: 'Sales', function: 'Sales' });
  return people;
}

export function eventsFor(people: PersonInput[]): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  people.forEach((p, n) => {
    for (let d = 0; d < 5; d++) {
      out.push({
        time: new Date(T0 + d * DAY + 9 * 3_600_000 + n * 60_000).toISOString(),
        source: n % 2 ? 'claude-code' : 'codex',
        model: n % 2 ? 'claude-sonnet-4-5-20250929' : 'gpt-5',
        identity: { email: p.email },
        sessionId: `s-${p.email}-${d}`,
        tokens: { input: 1000 + n, output: 100 + d },
        key: `${p.email}-${d}`,
      });
    }
  });
  return out;
}

export async function makeOrg(opts: { clock?: () => number } = {}) {
  const store = new SqliteStore({ file: ':memory:' });
  const deps = buildDeps(store, { adminToken: ADMIN_TOKEN, governance: { scryptCost: FAST_SCRYPT, clock: opts.clock } });
  const app = createApp(deps);
  const people = orgPeople();
  await store.upsertPeople(people);
  await deps.ingestor.ingestEvents(eventsFor(people).map((e) => UsageEventSchema.parse(e)));
  const gov = deps.governance!;

  /** Headers for a signed-in session of an account with this email and role (created on first use). */
  async function session(email: string, role: HumanRole): Promise<Record<string, string>> {
    const a = (await store.governance.getAccount({ email })) ?? (await store.governance.createAccount({ email, role }, Date.now()));
    const s = await gov.auth.startSession(a, 'test');
    return { cookie: `${SESSION_COOKIE}=${s.cookie}`, 'x-csrf-token': s.csrf };
  }
  const callers = {
    anonymous: {} as Record<string, string>,
    admin: await session('root@ex.com', 'admin'),
    analyst: await session('ana@ex.com', 'analyst'),
    manager: await session('mia@ex.com', 'manager'),
    member: await session('ann@ex.com', 'member'),
    ingest: { authorization: `Bearer ${(await gov.auth.createIngestKey({ role: 'admin', via: 'admin-token' }, { name: 'test' })).key}` },
  };
  const req = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Response> =>
    app.request(path, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  return { store, deps, app, gov, session, callers, req };
}

export type Org = Awaited<ReturnType<typeof makeOrg>>;
