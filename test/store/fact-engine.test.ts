/**
 * The in-memory fact engine (src/store/facts) against the SQL it stands in
 * for, on the same connection: every answer equal, rows in the same order,
 * after every kind of write, whatever the path — and only the days a write
 * touched are read again. A second connection's writes are seen (data_version).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { activePeople, aggregate, aggregateSets, aggregateWindows } from '../../src/store/sql/aggregate.js';
import { headcountPeople, personActivity, personFirstSeen } from '../../src/store/sql/activity.js';
import type { Dimension, Filters } from '../../src/store/types.js';
import { ev, MIXED_D0, MIXED_PEOPLE, mixedUsage, prep } from '../support/events.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const d0 = MIXED_D0;
const to = d0 + 21 * DAY;
const batch = mixedUsage;

const dims: Dimension[][] = [[], ['person'], ['team'], ['function'], ['manager'], ['identity'], ['tool'], ['model'], ['source'], ['provider'], ['team', 'tool'], ['function', 'model', 'source']];
const filterSets = (team = 'Platform'): (Filters | undefined)[] => [
  undefined,
  { team: [team] },
  { function: ['Engineering'], tool: ['Codex'] },
  { manager: ['boss@example.com'] },
  { person: ['p1@example.com', 'p4@example.com'] },
  { excludePerson: ['p2@example.com'], excludeFunction: ['Sales'] },
  { excludeFunction: [''], model: ['gpt-5', 'nope'] },
];

const files: SqliteStore[] = [];
const open = (file: string) => {
  const s = new SqliteStore({ file });
  files.push(s);
  return s;
};
afterEach(async () => {
  for (const s of files.splice(0)) await s.close();
});
const newFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tb-facts-')), 'db.sqlite');

/** Every whole-day question through the store (the engine), and the same through SQL on its connection: equal, in order. */
async function same(store: SqliteStore, step: string, team?: string): Promise<void> {
  const db = store.kysely;
  const all = filterSets(team);
  const days = { from: d0, to };
  for (const filters of all) {
    const at = `${step}: ${JSON.stringify(filters)}`;
    for (const groupBy of dims) {
      expect(await store.aggregate({ ...days, groupBy, filters }), `${at} ${groupBy}`).toEqual(await aggregate(db, 'sqlite', { ...days, groupBy, filters }));
    }
    for (const bucket of ['day', 'week', 'month'] as const) {
      for (const groupBy of [[], ['tool'], ['function']] as Dimension[][]) {
        const spec = { ...days, bucket, groupBy, filters };
        expect(await store.aggregate(spec), `${at} ${bucket} ${groupBy}`).toEqual(await aggregate(db, 'sqlite', spec));
        expect(await store.aggregate({ ...spec, peopleOnly: true }), `${at} ${bucket} people`).toEqual(await aggregate(db, 'sqlite', { ...spec, peopleOnly: true }));
      }
    }
    expect(await store.aggregateSets({ ...days, groupings: dims, filters }), `${at} sets`).toEqual(await aggregateSets(db, { ...days, groupings: dims, filters }));
    const windows = [days, { from: d0 + 7 * DAY, to }, { from: to - DAY, to }, { from: d0 - 14 * DAY, to: d0 }, { from: to + 5 * DAY, to: to + 6 * DAY }];
    expect(await store.aggregateWindows({ windows, filters, daily: true }), `${at} windows`).toEqual(await aggregateWindows(db, { windows, filters, daily: true }));
    for (const unattributedOnly of [false, true]) {
      expect(await store.personActivity({ ...days, filters, unattributedOnly }), `${at} activity`).toEqual(await personActivity(db, { ...days, filters, unattributedOnly }));
    }
  }
  const sets = all.map((f) => f ?? {});
  expect(await store.activePeople({ ...days, sets }), `${step}: people`).toEqual(await activePeople(db, { ...days, sets }));
  expect(await store.headcountPeople(), `${step}: headcount`).toEqual(await headcountPeople(db));
  expect(await store.personFirstSeen(), `${step}: first seen`).toEqual(await personFirstSeen(db));
  expect((await store.aggregate(days))[0]!.events, step).toBeGreaterThan(0);
}

/** Day loads by `act` (the engine reads again only what changed). */
async function loadsOf(store: SqliteStore, act: () => Promise<unknown>): Promise<number> {
  const before = store.facts!.cache.stats().loads;
  await act();
  return store.facts!.cache.stats().loads - before;
}

describe('fact engine', () => {
  it('answers every whole-day question exactly as SQL, after every kind of write, reading again only the days that changed', async () => {
    const store = open(newFile());
    expect(store.facts).not.toBeNull();
    await store.ingest(batch(0, 200));
    await same(store, 'unattributed');
    // A later batch lands on days already in memory.
    await store.ingest(batch(200, 60));
    await same(store, 'ingest');
    // One late event into an old day: that day (and only it) is read again.
    const lateDay = d0 + 3 * DAY;
    await store.ingest(batch(900, 1, () => lateDay + 5 * HOUR));
    expect(await loadsOf(store, () => store.aggregate({ from: d0, to }))).toBe(1);
    await same(store, 'late event');
    await store.upsertPeople(MIXED_PEOPLE);
    await same(store, 'directory import');
    const people = await store.listPeople();
    const id = (email: string) => people.find((p) => p.email === email)!.id;
    await store.moveToTeam([id('p3@example.com')], (await store.upsertTeam({ name: 'Sales West' })).id, d0 + 10 * DAY);
    await same(store, 'team move');
    await store.setPersonStatus(id('p4@example.com'), 'inactive');
    await same(store, 'person left (headcount)');
    await store.renameTeam((await store.listTeams()).find((t) => t.name === 'Platform')!.id, 'Platform Core');
    await same(store, 'team rename (headcount)', 'Platform Core');
    // An event before anyone's first: p1 was seen earlier than we knew (first active day).
    await store.ingest([prep(ev({ n: 950, time: d0 + HOUR, identity: { email: 'p1@example.com' } }))]);
    await same(store, 'first active day moved');
    const bot = (await store.unattributedUsage(d0, to)).find((u) => u.canonical.includes('bot-0'))!;
    await store.assignIdentity((await store.getIdentity({ canonical: bot.canonical }))!.id, { service: 'ci-bot' });
    await same(store, 'identity assigned to a service');
    await store.recomputeCosts(d0, to, { priceMicros: (e) => (e.model === 'gpt-5' ? null : e.tokens.input * 3 + e.tokens.output) });
    await same(store, 'cost recompute');
    await store.governance.erasePerson('p2@example.com');
    await same(store, 'erasure');
    // Paths nobody wrote yet: any update or delete of fact rows is seen, on that day only.
    store.db.prepare('UPDATE usage_fact_daily SET input = input + 7 WHERE day = ?').run((d0 + 2 * DAY) / 1000);
    expect(await loadsOf(store, () => store.aggregate({ from: d0, to }))).toBe(1);
    await same(store, 'fact updated');
    store.db.prepare('DELETE FROM usage_fact_daily WHERE day = ?').run((d0 + 4 * DAY) / 1000);
    expect(await loadsOf(store, () => store.aggregate({ from: d0, to }))).toBe(1);
    await same(store, 'facts deleted');
    // Nothing written: nothing read again.
    expect(await loadsOf(store, () => store.aggregate({ from: d0, to }))).toBe(0);
  });

  it('sees writes by another connection to the same file (PRAGMA data_version)', async () => {
    const file = newFile();
    const writer = open(file);
    const reader = open(file);
    await writer.ingest(batch(0, 150));
    await same(reader, 'first read');
    const before = await reader.aggregate({ from: d0, to, groupBy: ['team'] });
    await writer.ingest(batch(150, 40));
    await writer.upsertPeople([{ email: 'p1@example.com', team: 'Platform', function: 'Engineering' }]);
    // The writer rebuilds its stale facts on its next read; the reader would also do it itself.
    await writer.aggregate({ from: d0, to });
    const after = await reader.aggregate({ from: d0, to, groupBy: ['team'] });
    expect(after).not.toEqual(before);
    await same(reader, 'after another connection wrote');
    expect(await reader.headcountPeople()).toHaveLength(1);
  });

  it('stays within its row budget, evicting the least recently used days', async () => {
    const store = new SqliteStore({ file: newFile(), factEngineRows: 40 });
    files.push(store);
    await store.ingest(batch(0, 300));
    await same(store, 'small budget');
    // Days of the running question stay while it runs; the others go once over budget.
    await store.aggregate({ from: to - DAY, to });
    const { rows, days } = store.facts!.cache.stats();
    expect(rows).toBeLessThanOrEqual(40);
    expect(days).toBeGreaterThan(1);
  });

  it('a warm-up loads the latest days in the background, so the next view reads none', async () => {
    const file = newFile();
    const writer = open(file);
    await writer.ingest(batch(0, 300));
    await writer.close();
    const store = open(file);
    const first = await store.aggregate({ from: to - 3 * DAY, to, groupBy: ['team'] }); // loads 3 days
    const loadsBefore = store.facts!.cache.stats().loads;
    expect(loadsBefore).toBe(3);
    await store.warmUp(10);
    const warmed = store.facts!.cache.stats().loads - loadsBefore;
    expect(warmed).toBeGreaterThan(0);
    // The latest fact day and the 9 before it are in memory now: a view over them reads nothing.
    const latest = (store.db.prepare('SELECT max(day) FROM usage_fact_daily').pluck().get() as number) * 1000;
    expect(await loadsOf(store, () => store.aggregate({ from: latest - 9 * DAY, to: latest + DAY, groupBy: ['tool'] }))).toBe(0);
    expect(await store.aggregate({ from: to - 3 * DAY, to, groupBy: ['team'] })).toEqual(first);
    // A closed store stops warming without an error.
    await store.close();
    await expect(store.warmUp(10)).resolves.toBeUndefined();
  });
});
