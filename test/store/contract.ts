/**
 * The store contract: every Store implementation (SQLite now, PostgreSQL next)
 * must pass this suite. Call `storeContract(name, open)` from a test file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AggregateRow, Dimension, Filters, Store } from '../../src/store/types.js';
import { ev, MIXED_D0, MIXED_PEOPLE, mixedUsage, prep, T0 } from '../support/events.js';

const DAY = 86_400_000;

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const range = { from: T0 - 30 * DAY, to: T0 + 30 * DAY };

    it('stores a batch and reports accepted counts', async () => {
      const r = await store.ingest([0, 1, 2].map((n) => prep(ev({ n }))));
      expect(r).toEqual({ accepted: 3, duplicates: 0 });
      const [t] = await store.aggregate(range);
      expect(t!.events).toBe(3);
      expect(t!.input).toBe(100 + 101 + 102);
      expect(t!.output).toBe(50 + 51 + 52);
      expect(t!.tokens).toBe(t!.input + t!.output + t!.cacheRead + t!.cacheWrite);
    });

    it('counts the same event once, within a batch and across batches', async () => {
      const a = prep(ev({ n: 1 }));
      expect(await store.ingest([a, prep(ev({ n: 1 }))])).toEqual({ accepted: 1, duplicates: 1 });
      expect(await store.ingest([prep(ev({ n: 1 })), prep(ev({ n: 2 }))])).toEqual({ accepted: 1, duplicates: 1 });
      const [t] = await store.aggregate(range);
      expect(t!.events).toBe(2);
      expect((await store.rawTotals()).events).toBe(2);
    });

    it('derives a key from content when none is sent, so resends are duplicates', async () => {
      const e = ev({ n: 3, key: undefined });
      expect(await store.ingest([prep(e)])).toEqual({ accepted: 1, duplicates: 0 });
      expect(await store.ingest([prep(e)])).toEqual({ accepted: 0, duplicates: 1 });
      const other = ev({ n: 3, key: undefined, tokens: { input: 1, output: 1 } });
      expect(await store.ingest([prep(other)])).toEqual({ accepted: 1, duplicates: 0 });
    });

    it('treats equal keys from different sources as different events', async () => {
      const r = await store.ingest([prep(ev({ n: 1, source: 'codex' })), prep(ev({ n: 1, source: 'claude-code' }))]);
      expect(r.accepted).toBe(2);
    });

    it('keeps hourly and daily rollups equal to the raw sums', async () => {
      const events = [];
      for (let n = 0; n < 500; n++) {
        events.push(
          prep(
            ev({
              n,
              time: T0 + n * 37 * 60_000,
              model: n % 3 ? 'claude-sonnet-4-5' : 'gpt-5',
              tool: n % 2 ? 'Claude Code' : 'Codex',
              reportedCost: n % 4 === 0 ? 0.0125 : undefined,
              activity: n % 5 === 0 ? { linesAdded: 10, commits: 1 } : undefined,
            }),
          ),
        );
      }
      await store.ingest(events.slice(0, 250));
      await store.ingest(events.slice(200)); // 50 duplicates
      const raw = await store.rawTotals();
      expect(raw.events).toBe(500);
      const wide = { from: T0 - DAY, to: T0 + 30 * DAY };
      const [hourly] = await store.aggregate(wide); // 09:30 start is not day aligned: read from the hourly rollup
      const [daily] = await store.aggregate({ from: Math.floor(wide.from / DAY) * DAY, to: Math.ceil(wide.to / DAY) * DAY });
      for (const t of [hourly!, daily!]) {
        expect(t.events).toBe(raw.events);
        expect(t.requests).toBe(raw.requests);
        expect(t.input).toBe(raw.input);
        expect(t.output).toBe(raw.output);
        expect(t.cacheRead).toBe(raw.cacheRead);
        expect(t.cacheWrite).toBe(raw.cacheWrite);
        expect(t.reasoning).toBe(raw.reasoning);
        expect(Math.round(t.costReported * 1e6)).toBe(raw.costReportedMicros);
        expect(Math.round(t.costComputed * 1e6)).toBe(raw.costComputedMicros);
        expect(t.linesAdded).toBe(100 * 10);
        expect(t.commits).toBe(100);
      }
      // Grouped sums add up to the total.
      const byModel = await store.aggregate({ ...range, groupBy: ['model', 'tool'] });
      expect(byModel.reduce((s, r) => s + r.input, 0)).toBe(raw.input);
      const byDay = await store.aggregate({ ...range, bucket: 'day' });
      expect(byDay.reduce((s, r) => s + r.output, 0)).toBe(raw.output);
    });

    it('answers several periods in one scan exactly as one aggregate per period, before and after re-attribution', async () => {
      const events = [];
      for (let n = 0; n < 300; n++) {
        events.push(
          prep(
            ev({
              n,
              time: T0 - 20 * DAY + n * 97 * 60_000,
              tool: n % 3 ? 'Claude Code' : 'Codex',
              identity: n % 7 === 0 ? { accountId: `acct-${n % 2}` } : { email: `p${n % 9}@example.com` },
              reportedCost: n % 4 === 0 ? 0.01 : undefined,
              activity: n % 5 === 0 ? { linesAdded: 3, commits: 1, pullRequests: 1 } : undefined,
            }),
          ),
        );
      }
      await store.ingest(events);
      const d0 = Math.floor(T0 / DAY) * DAY;
      const windows = [
        { from: d0 - 14 * DAY, to: d0 + DAY },
        { from: d0 - 28 * DAY, to: d0 - 14 * DAY },
        { from: d0, to: d0 + DAY },
        { from: d0 - 7 * DAY, to: d0 },
        { from: d0 + 40 * DAY, to: d0 + 41 * DAY }, // nothing: a zero row, like aggregate()
      ];
      const sorted = (rows: AggregateRow[]) => rows.slice().sort((a, b) => JSON.stringify(a.keys).localeCompare(JSON.stringify(b.keys)));
      const groupings: Dimension[][] = [[], ['team'], ['function'], ['tool'], ['model'], ['provider'], ['person'], ['manager'], ['identity'], ['source'], ['team', 'tool']];
      const checkSets = async (filters?: Filters) => {
        const p = { from: d0 - 21 * DAY, to: d0 + DAY };
        const sets = await store.aggregateSets({ ...p, groupings, filters });
        const each = await Promise.all(groupings.map((groupBy) => store.aggregate({ ...p, groupBy, filters })));
        expect(sets.map(sorted)).toEqual(each.map(sorted));
        expect(sets[0]![0]!.events).toBeGreaterThan(0);
      };
      const check = async (filters?: Filters) => {
        const one = await store.aggregateWindows({ windows, filters, daily: true });
        const each = await Promise.all(windows.map(async (w) => (await store.aggregate({ ...w, filters }))[0]!));
        expect(one.windows).toEqual(each);
        expect(one.windows[0]!.people).toBeGreaterThan(0);
        expect(one.daily).toEqual(await store.aggregate({ ...windows[0]!, bucket: 'day', filters }));
        expect((await store.aggregateWindows({ windows, filters })).daily).toBeNull();
      };
      await check();
      await check({ tool: ['Codex'] });
      await checkSets();
      // Not day aligned: read from the hourly rollup, like aggregate().
      const hourly = [{ from: T0 - 3 * DAY + 3_600_000, to: T0 }, { from: T0 - 10 * DAY, to: T0 - 3 * DAY + 3_600_000 }];
      expect(await store.aggregateWindows({ windows: hourly, daily: true })).toEqual({
        windows: await Promise.all(hourly.map(async (w) => (await store.aggregate(w))[0]!)),
        daily: null,
      });

      await store.upsertPeople([
        { email: 'p1@example.com', team: 'Platform', function: 'Engineering', aliases: [{ kind: 'accountId', value: 'acct-1' }] },
        { email: 'p2@example.com', team: 'Sales West', function: 'Sales' },
        { email: 'p3@example.com', team: 'Platform', function: 'Engineering' },
      ]);
      await check();
      await check({ function: ['Engineering'] });
      await check({ team: ['Sales West'], excludePerson: ['p3@example.com'] });
      await check({ excludeFunction: ['Sales'] });
      await check({ person: ['p1@example.com'] });
      await checkSets();
      await checkSets({ function: ['Engineering'] });
      await checkSets({ tool: ['Claude Code'], excludePerson: ['p2@example.com'] });
      // A team move part-way through the period splits the mover's usage between both teams, as aggregate() does.
      await store.upsertPeople([{ email: 'p3@example.com', team: 'Sales West', function: 'Sales' }], { effectiveFrom: T0 - 5 * DAY });
      await checkSets();
      expect(await store.aggregateWindows({ windows: [] })).toEqual({ windows: [], daily: null });
    });

    it('answers whole days (the daily fact) exactly as the joined hourly rollups, after every directory, pricing and erasure change', async () => {
      // Usage from day d0 + 1 on: a period from d0 read from its second hour on holds the same events, but is
      // not day aligned, so it is answered from the hourly rollups joined to the directory at query time.
      const d0 = MIXED_D0;
      const HOUR = 3_600_000;
      const batch = mixedUsage;
      const to = d0 + 21 * DAY;
      const days = { from: d0, to };
      const hours = { from: d0 + HOUR, to };
      const sorted = (rows: AggregateRow[]) => rows.slice().sort((a, b) => JSON.stringify([a.bucket, a.keys]).localeCompare(JSON.stringify([b.bucket, b.keys])));
      const dims: Dimension[][] = [[], ['person'], ['team'], ['function'], ['manager'], ['identity'], ['tool'], ['model'], ['source'], ['provider'], ['team', 'tool']];
      const filterSets: (Filters | undefined)[] = [
        undefined,
        { team: ['Platform'] },
        { function: ['Engineering'], tool: ['Codex'] },
        { manager: ['boss@example.com'] },
        { person: ['p1@example.com', 'p4@example.com'] },
        { excludePerson: ['p2@example.com'], excludeFunction: ['Sales'] },
      ];
      const same = async (step: string) => {
        for (const filters of filterSets) {
          for (const groupBy of dims) {
            const fact = await store.aggregate({ ...days, groupBy, filters });
            const joined = await store.aggregate({ ...hours, groupBy, filters });
            expect(sorted(fact), `${step}: ${JSON.stringify({ groupBy, filters })}`).toEqual(sorted(joined));
          }
          for (const bucket of ['day', 'week'] as const) {
            expect(sorted(await store.aggregate({ ...days, bucket, groupBy: ['function'], filters })), `${step}: ${bucket}`).toEqual(
              sorted(await store.aggregate({ ...hours, bucket, groupBy: ['function'], filters })),
            );
          }
          const sets = await store.aggregateSets({ ...days, groupings: dims, filters });
          expect(sets.map(sorted), `${step}: sets`).toEqual((await store.aggregateSets({ ...hours, groupings: dims, filters })).map(sorted));
          const windows = [days, { from: d0 + 7 * DAY, to }, { from: to - DAY, to }];
          const joinedWindows = [hours, { from: d0 + 7 * DAY + HOUR, to }, { from: to - DAY + HOUR, to }];
          const read = await store.aggregateWindows({ windows, filters, daily: true });
          expect(read.windows.slice(0, 1), `${step}: windows`).toEqual((await store.aggregateWindows({ windows: joinedWindows, filters })).windows.slice(0, 1));
          expect(read.daily, `${step}: daily`).toEqual(await store.aggregate({ ...hours, bucket: 'day', filters }));
          const byId = <T extends { id: number }>(rows: T[]) => rows.slice().sort((a, b) => a.id - b.id);
          const acts = byId(await store.personActivity({ ...days, filters }));
          expect(acts, `${step}: activity`).toEqual(byId(await store.personActivity({ ...hours, filters })));
          expect(byId(await store.personActivity({ ...days, filters, unattributedOnly: true }))).toEqual(acts.filter((a) => !a.attributed && !a.service));
        }
        expect(await store.activePeople({ ...days, sets: filterSets.map((f) => f ?? {}) })).toEqual(await store.activePeople({ ...hours, sets: filterSets.map((f) => f ?? {}) }));
        const [total] = await store.aggregate(days);
        expect(total!.events, step).toBeGreaterThan(0);
      };

      await store.ingest(batch(0, 200));
      await same('unattributed');
      await store.upsertPeople(MIXED_PEOPLE);
      await same('directory import');
      await store.setPersonStatus((await store.getPerson({ email: 'p3@example.com' }))!.id, 'inactive');
      const narrow = (await store.listPeople())
        .filter((p) => p.status === 'active')
        .map((p) => ({ id: p.id, email: p.email, team: p.team, function: p.function, managerEmail: p.managerEmail, status: p.status }));
      expect(narrow).toHaveLength(4);
      expect(await store.headcountPeople()).toEqual(narrow);
      await store.ingest(batch(200, 60)); // facts of attributed identities are written at ingest
      await same('ingest after import');
      const people = await store.listPeople();
      const id = (email: string) => people.find((p) => p.email === email)!.id;
      await store.moveToTeam([id('p3@example.com')], (await store.upsertTeam({ name: 'Sales West' })).id, d0 + 10 * DAY);
      await same('team move');
      await store.upsertPeople([{ email: 'p4@example.com', team: 'Platform', function: 'Design', managerEmail: 'p1@example.com' }]);
      await same('function and manager change');
      await store.renameTeam((await store.listTeams()).find((t) => t.name === 'Platform')!.id, 'Platform Core');
      filterSets[1] = { team: ['Platform Core'] };
      await same('team rename');
      await store.renamePerson(id('p1@example.com'), 'p1.new@example.com');
      await same('email change (their key, and their report\'s manager)');
      const bot = (await store.getIdentity({ canonical: (await store.unattributedUsage(days.from, days.to)).find((u) => u.canonical.includes('bot-0'))!.canonical }))!;
      await store.assignIdentity(bot.id, { service: 'ci-bot' });
      await same('identity assigned to a service');
      await store.addIdentityRule({ kind: 'alias', field: 'accountId', match: 'acct-0', target: 'p2@example.com', priority: 10 });
      await store.reresolveIdentities();
      await same('identity rule');
      await store.recomputeCosts(days.from, days.to, { priceMicros: (e) => (e.model === 'gpt-5' ? null : e.tokens.input * 3 + e.tokens.output) });
      await same('cost recompute');
      await store.governance.erasePerson('p2@example.com');
      await same('erasure');
      await store.pruneRawBefore(to);
      await same('raw events pruned');
    });

    it('applies a batch atomically: a failing item stores nothing', async () => {
      const bad = prep(ev({ n: 2 }));
      (bad.event.tokens as { input: number }).input = Number.NaN; // bypasses validation: the store must roll back
      await expect(store.ingest([prep(ev({ n: 0 })), prep(ev({ n: 1 })), bad])).rejects.toThrow();
      expect((await store.rawTotals()).events).toBe(0);
      const [t] = await store.aggregate(range);
      expect(t!.events).toBe(0);
      // The store stays usable and dictionary rows are recreated.
      expect(await store.ingest([prep(ev({ n: 0 })), prep(ev({ n: 1 }))])).toEqual({ accepted: 2, duplicates: 0 });
      const byTool = await store.aggregate({ ...range, groupBy: ['tool'] });
      expect(byTool).toHaveLength(1);
      expect(byTool[0]!.keys.tool).toBe('test-tool');
    });

    it('groups and filters by tool, model, source and provider', async () => {
      await store.ingest([
        prep(ev({ n: 1, tool: 'Claude Code', source: 'claude-code', model: 'claude-sonnet-4-5' })),
        prep(ev({ n: 2, tool: 'Claude Code', source: 'claude-code', model: 'claude-opus-4-1' })),
        prep(ev({ n: 3, tool: 'Codex', source: 'codex', model: 'gpt-5-codex' })),
      ]);
      const byProvider = await store.aggregate({ ...range, groupBy: ['provider'] });
      expect(Object.fromEntries(byProvider.map((r) => [r.keys.provider, r.events]))).toEqual({ anthropic: 2, openai: 1 });
      const cc = await store.aggregate({ ...range, filters: { tool: ['Claude Code'] }, groupBy: ['model'] });
      expect(cc.map((r) => r.keys.model).sort()).toEqual(['claude-opus-4-1', 'claude-sonnet-4-5']);
      const none = await store.aggregate({ ...range, filters: { source: ['gemini-cli'] } });
      expect(none[0]!.events).toBe(0);
    });

    it('attributes identities to people, teams, functions and managers, and re-attributes history', async () => {
      await store.ingest([
        prep(ev({ n: 1, identity: { email: 'ana@example.com' } })),
        prep(ev({ n: 2, identity: { accountId: 'acct-42' } })),
        prep(ev({ n: 3, identity: { email: 'ben@example.com' } })),
      ]);
      let byFn = await store.aggregate({ ...range, groupBy: ['function'] });
      expect(byFn).toHaveLength(1);
      expect(byFn[0]!.keys.function).toBeNull();
      expect(byFn[0]!.people).toBe(3);

      await store.upsertPeople([
        { email: 'boss@example.com', team: 'Platform', function: 'Engineering' },
        { email: 'Ana@Example.com', name: 'Ana', team: 'Platform', function: 'Engineering', managerEmail: 'boss@example.com', aliases: [{ kind: 'accountId', value: 'acct-42' }] },
        { email: 'ben@example.com', team: 'Sales West', function: 'Sales', managerEmail: 'boss@example.com' },
      ]);
      expect(await store.countPeople()).toBe(3);
      byFn = await store.aggregate({ ...range, groupBy: ['function'] });
      expect(Object.fromEntries(byFn.map((r) => [r.keys.function, [r.events, r.people]]))).toEqual({ Engineering: [2, 1], Sales: [1, 1] });
      const byMgr = await store.aggregate({ ...range, groupBy: ['manager'] });
      expect(byMgr).toHaveLength(1);
      expect(byMgr[0]!.keys.manager).toBe('boss@example.com');
      expect(byMgr[0]!.people).toBe(2);
      const ana = await store.aggregate({ ...range, filters: { person: ['ana@example.com'] } });
      expect(ana[0]!.events).toBe(2);
      const team = await store.aggregate({ ...range, filters: { team: ['Platform'] } });
      expect(team[0]!.events).toBe(2);

      // New events for a known alias are attributed at once.
      await store.ingest([prep(ev({ n: 4, identity: { accountId: 'acct-42' } }))]);
      const ana2 = await store.aggregate({ ...range, filters: { person: ['ana@example.com'] } });
      expect(ana2[0]!.events).toBe(3);
    });

    it('counts distinct sessions once', async () => {
      await store.ingest([
        prep(ev({ n: 1, sessionId: 's1' })),
        prep(ev({ n: 2, sessionId: 's1' })),
        prep(ev({ n: 3, sessionId: 's2' })),
      ]);
      await store.ingest([prep(ev({ n: 4, sessionId: 's1' }))]);
      const [t] = await store.aggregate(range);
      expect(t!.sessions).toBe(2);
    });

    it('buckets by hour, day, ISO week and month in UTC', async () => {
      const sun = Date.UTC(2026, 4, 31, 23, 59); // Sunday
      const mon = Date.UTC(2026, 5, 1, 0, 1); // Monday, new month
      await store.ingest([prep(ev({ n: 1, time: sun })), prep(ev({ n: 2, time: mon }))]);
      const weeks = await store.aggregate({ ...range, bucket: 'week' });
      expect(weeks.map((r) => new Date(r.bucket!).toISOString().slice(0, 10))).toEqual(['2026-05-25', '2026-06-01']);
      const months = await store.aggregate({ ...range, bucket: 'month' });
      expect(months.map((r) => new Date(r.bucket!).toISOString().slice(0, 10))).toEqual(['2026-05-01', '2026-06-01']);
      const hours = await store.aggregate({ ...range, bucket: 'hour' });
      expect(hours.map((r) => new Date(r.bucket!).toISOString())).toEqual(['2026-05-31T23:00:00.000Z', '2026-06-01T00:00:00.000Z']);
      // The range end is exclusive.
      const upToMidnight = await store.aggregate({ from: range.from, to: Date.UTC(2026, 5, 1) });
      expect(upToMidnight[0]!.events).toBe(1);
    });

    it('prunes raw events but keeps the rollups', async () => {
      await store.ingest([prep(ev({ n: 1, time: T0 - 10 * DAY })), prep(ev({ n: 2, time: T0 }))]);
      expect(await store.pruneRawBefore(T0 - DAY)).toBe(1);
      expect((await store.rawTotals()).events).toBe(1);
      const [t] = await store.aggregate(range);
      expect(t!.events).toBe(2);
    });

    it('counts distinct active people under several filter sets in one call, with exclusions', async () => {
      await store.upsertPeople([
        { email: 'person0@example.com', team: 'A', function: 'Eng' },
        { email: 'person1@example.com', team: 'A', function: 'Eng' },
        { email: 'person2@example.com', team: 'B', function: 'Sales' },
      ]);
      // person0-9 active; person1 also on another model.
      await store.ingest([...Array.from({ length: 10 }, (_, n) => prep(ev({ n }))), prep(ev({ n: 11, model: 'claude-sonnet-4-5' }))]);
      const counts = await store.activePeople({
        ...range,
        sets: [{}, { team: ['A'] }, { function: ['Sales'] }, { team: ['A'], model: ['claude-sonnet-4-5'] }, { excludeFunction: ['Eng'] }, { excludePerson: ['person2@example.com'] }, { team: ['nope'] }],
      });
      expect(counts).toEqual([10, 2, 1, 1, 8, 9, 0]);
      expect(await store.activePeople({ ...range, sets: [] })).toEqual([]);
    });

    it('keeps ingest keys as hashes and meta values', async () => {
      await store.addIngestKey('ci', 'a'.repeat(64));
      expect(await store.hasIngestKey('a'.repeat(64))).toBe(true);
      expect(await store.hasIngestKey('b'.repeat(64))).toBe(false);
      expect(await store.getMeta('x')).toBeNull();
      await store.setMeta('x', '1');
      await store.setMeta('x', '2');
      expect(await store.getMeta('x')).toBe('2');
    });
  });
}
