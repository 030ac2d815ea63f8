import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageEventSchema } from '../../src/domain/event.js';
import { parseDirectoryCsv } from '../../src/directory/csv.js';
import { importDirectory } from '../../src/directory/import.js';
import { event, makeApp, send } from './support.js';

const FIX = path.join(import.meta.dirname, '../fixtures/directory');
const read = (f: string) => fs.readFileSync(path.join(FIX, f));

describe('directory CSV', () => {
  it('reports bad rows with their line numbers and keeps the good ones', () => {
    const r = parseDirectoryCsv(read('people.csv'));
    expect(r.people.map((p) => p.email)).toEqual(['cto@example.com', 'ana@example.com', 'ben@example.com', 'eve@example.com', 'ana@example.com']);
    expect(r.errors).toEqual([
      { line: 5, field: 'email', reason: 'must be an email address' },
      { line: 6, field: 'start_date', reason: 'is not a real date' },
      { line: 7, field: 'status', reason: 'must be active or left (inactive)' },
      expect.objectContaining({ line: 10, field: '(row)' }),
    ]);
    const ana = r.people[1]!;
    expect(ana).toMatchObject({ team: 'Platform', parentTeam: 'Engineering', function: 'Engineering', managerEmail: 'cto@example.com', location: 'Lisbon' });
    expect(ana.aliases).toEqual([{ kind: 'email', value: 'ana.lima@example.com' }, { kind: 'accountId', value: 'acc_ana' }]);
    expect(r.people[3]).toMatchObject({ status: 'inactive', location: 'Paris, FR' });
  });

  it('a dry run reports the changes and writes nothing; the import applies them', async () => {
    const { store } = makeApp();
    const parsed = parseDirectoryCsv(read('people.csv'));
    const dry = await importDirectory(store, parsed, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, created: 4, updated: 0, teamsCreated: ['Analytics', 'Engineering', 'Payments', 'Platform'] });
    expect(dry.warnings).toEqual([{ line: 9, field: 'email', reason: 'duplicate of line 3; this row is skipped' }]);
    expect(await store.countPeople()).toBe(0);

    const done = await importDirectory(store, parsed);
    expect(done.created).toBe(4);
    const ana = (await store.getPerson({ email: 'ana@example.com' }))!;
    expect(ana).toMatchObject({ name: 'Ana Lima', team: 'Platform', managerEmail: 'cto@example.com', status: 'active' });
    expect((await store.getPerson({ email: 'eve@example.com' }))!.status).toBe('inactive');
    const teams = await store.listTeams();
    const eng = teams.find((t) => t.name === 'Engineering')!;
    expect(teams.find((t) => t.name === 'Platform')!.parentId).toBe(eng.id);

    const again = await importDirectory(store, parseDirectoryCsv(read('people.csv')), { dryRun: true });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 4, changes: [] });

    const upd = await importDirectory(store, parseDirectoryCsv(read('people-update.csv')), { dryRun: true });
    expect(upd.changes).toEqual([
      { line: 2, email: 'ana@example.com', action: 'update', changes: { title: { from: 'Staff Engineer', to: 'Principal Engineer' }, team: { from: 'Platform', to: 'Payments' } } },
    ]);
    expect(upd).toMatchObject({ updated: 1, unchanged: 1, moved: 1 });
  });

  it('a team move applies from its effective date; earlier usage stays with the old team', async () => {
    const { store, deps } = makeApp();
    await importDirectory(store, parseDirectoryCsv(read('people.csv')));
    const events = ['2026-05-10T10:00:00Z', '2026-05-20T10:00:00Z', '2026-06-10T10:00:00Z'].map((t) => UsageEventSchema.parse(event(t)));
    await deps.ingestor.ingestEvents(events);
    const byTeam = async () => {
      const rows = await store.aggregate({ from: Date.parse('2026-05-01'), to: Date.parse('2026-07-01'), groupBy: ['team', 'function'] });
      return Object.fromEntries(rows.map((r) => [`${r.keys.team}/${r.keys.function}`, r.events]));
    };
    expect(await byTeam()).toEqual({ 'Platform/Engineering': 3 });
    // people-update.csv moves Ana to Payments from 2026-06-01 (team_since).
    const r = await importDirectory(store, parseDirectoryCsv(read('people-update.csv')), { effectiveFrom: Date.parse('2026-11-01') });
    expect(r.moved).toBe(1);
    expect(await byTeam()).toEqual({ 'Platform/Engineering': 2, 'Payments/Engineering': 1 });
    // The hourly rollups agree with the daily ones.
    const hourly = await store.aggregate({ from: Date.parse('2026-05-01T01:00:00Z'), to: Date.parse('2026-07-01'), groupBy: ['team'] });
    expect(Object.fromEntries(hourly.map((x) => [x.keys.team, x.events]))).toEqual({ Platform: 2, Payments: 1 });
    const ana = (await store.getPerson({ email: 'ana@example.com' }))!;
    expect((await store.teamHistory(ana.id)).map((m) => [m.team, m.validFrom, m.validTo])).toEqual([
      ['Platform', 0, Date.parse('2026-06-01')],
      ['Payments', Date.parse('2026-06-01'), null],
    ]);
    // A retroactive move takes all of history along.
    await store.moveToTeam([ana.id], (await store.upsertTeam({ name: 'Search' })).id, 0);
    expect(await byTeam()).toEqual({ 'Search/Engineering': 3 });
  });

  it('imports through the HTTP API (CSV and JSON), admin only, with row errors', async () => {
    const { app, store } = makeApp();
    const csv = read('people.csv').toString();
    const denied = await send(app, '/api/v1/directory/import', { body: csv, headers: { 'content-type': 'text/csv', authorization: '' } });
    expect(denied.status).toBe(401);
    const dry = await send(app, '/api/v1/directory/import?dryRun=true', { body: csv, headers: { 'content-type': 'text/csv' } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, rows: 9, created: 4 });
    expect(dry.body.errors).toHaveLength(4);
    expect(await store.countPeople()).toBe(0);
    const bad = await send(app, '/api/v1/directory/import?effectiveFrom=yesterday', { body: csv, headers: { 'content-type': 'text/csv' } });
    expect(bad).toMatchObject({ status: 400, body: { field: 'effectiveFrom' } });
    const j = await send(app, '/api/v1/directory/import', {
      body: { people: [{ email: 'Zed@Example.com', name: 'Zed', team: 'Platform', aliases: [{ kind: 'apiKeyId', value: 'k1' }] }, { email: 'nope' }] },
    });
    expect(j.body).toMatchObject({ created: 1, errors: [{ line: 1, field: 'people[1].email' }] });
    expect((await store.getPerson({ email: 'zed@example.com' }))!.aliases).toEqual([{ kind: 'apiKeyId', value: 'k1' }]);
    const teams = await send(app, '/api/v1/directory/teams');
    expect(teams.body.teams.find((t: { name: string }) => t.name === 'Platform')).toMatchObject({ people: 1 });
  });
});
