/**
 * The aggregate query over the rollups, written once with Kysely for both the
 * SQLite and PostgreSQL stores. Attribution to people, teams, functions and
 * managers goes through identity -> person, so a directory change
 * re-attributes history without rewriting rollups: here at query time for
 * hourly questions, and in the daily fact table (fact.ts, rebuilt for the
 * identities a change touches) for whole days.
 *
 * Team and function are time-aware: they come from the team_membership span
 * that covers each rollup bucket, so a team move applies from its effective
 * date and earlier usage stays with the old team. Identities assigned to a
 * service (a CI bot) are shown as `service:NAME` and are not counted as people.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from './schema.js';
import type { AggregateRow, AggregateSpec, Dimension, Filters } from '../types.js';
import { DAY, HOUR } from '../rollup.js';

type Dialect = 'sqlite' | 'postgres';

/**
 * Where a question reads: whole days come from the daily fact table (one
 * table, attribution resolved when written: src/store/sql/fact.ts), hours from
 * the hourly rollups joined to the directory. Both give the same answers.
 */
export type Via = 'fact' | 'join';

export function dimExpr(d: Dimension, via: Via = 'join'): RawBuilder<string | null> {
  if (via === 'fact') {
    switch (d) {
      case 'person':
        return sql<string | null>`r.person_key`;
      case 'identity':
        return sql<string | null>`(select canonical from identity where id = r.identity_id)`;
      default:
        return sql<string | null>`${sql.ref(`r.${d}`)}`;
    }
  }
  switch (d) {
    case 'person':
      return sql<string | null>`coalesce(p.email, 'service:' || sv.name, i.email, i.canonical)`;
    case 'team':
      return sql<string | null>`t.name`;
    case 'function':
      return sql<string | null>`coalesce(tm.function, p.function)`;
    case 'manager':
      return sql<string | null>`m.email`;
    case 'identity':
      return sql<string | null>`i.canonical`;
    case 'tool':
    case 'model':
    case 'source':
    case 'provider':
      return sql<string | null>`s.${sql.raw(d)}`;
  }
}

function bucketExpr(col: RawBuilder<number>, bucket: AggregateSpec['bucket'], dialect: Dialect): RawBuilder<number> {
  switch (bucket) {
    case 'hour':
      return sql<number>`(${col} - (${col} % ${HOUR}))`;
    case 'day':
      return sql<number>`(${col} - (${col} % ${DAY}))`;
    case 'week':
      // ISO weeks start on Monday; 1970-01-01 was a Thursday.
      return sql<number>`(${col} - ((${col} / ${DAY} + 3) % 7) * ${DAY} - (${col} % ${DAY}))`;
    case 'month':
      return dialect === 'sqlite'
        ? sql<number>`cast(strftime('%s', ${col}, 'unixepoch', 'start of month') as integer)`
        : sql<number>`cast(extract(epoch from date_trunc('month', to_timestamp(${col}) at time zone 'UTC')) as bigint)`;
    default:
      throw new Error(`unknown bucket ${String(bucket)}`);
  }
}

const FILTER_DIMS = ['person', 'team', 'function', 'manager', 'tool', 'model', 'source', 'provider'] as const satisfies (keyof Filters)[];

/** The filters as one SQL condition (true when there are none). */
function condition(filters: Filters | undefined, via: Via): RawBuilder<boolean> {
  const conds: RawBuilder<unknown>[] = [];
  const list = (values: string[]) => sql.join(values);
  for (const d of FILTER_DIMS) {
    const values = filters?.[d];
    if (!values || values.length === 0) continue;
    if (d !== 'person') conds.push(sql`${dimExpr(d, via)} in (${list(values)})`);
    // The person's email or the identity's own email (the key of a person is their email).
    else if (via === 'join') conds.push(sql`(p.email in (${list(values)}) or i.email in (${list(values)}))`);
    else conds.push(sql`((r.person_id is not null and r.person_key in (${list(values)})) or r.identity_id in (select id from identity where email in (${list(values)})))`);
  }
  const ex = filters?.excludePerson;
  if (ex?.length) {
    conds.push(
      via === 'join'
        ? sql`coalesce(p.email, i.email, '') not in (${list(ex)})`
        : sql`(case when r.person_id is not null then r.person_key not in (${list(ex)}) else r.identity_id not in (select id from identity where coalesce(email, '') in (${list(ex)})) end)`,
    );
  }
  if (filters?.excludeFunction?.length) conds.push(sql`coalesce(${dimExpr('function', via)}, '') not in (${list(filters.excludeFunction)})`);
  return conds.length ? sql<boolean>`(${sql.join(conds, sql` and `)})` : sql<boolean>`1 = 1`;
}

/** The placement join costs an index probe per rollup row: only pay it when team or function is asked for. */
function needsPlacement(groupBy: Dimension[], filterSets: (Filters | undefined)[]): boolean {
  return groupBy.includes('team') || groupBy.includes('function') || filterSets.some((f) => !!(f?.team?.length || f?.function?.length || f?.excludeFunction?.length));
}

/**
 * The rows of a period: whole days from the fact table; otherwise hourly
 * rollups joined to people, services and streams (and team placement when asked).
 */
function rollupRows(db: Kysely<DB>, spec: { from: number; to: number; bucket?: AggregateSpec['bucket'] }, placed: boolean) {
  const fromSec = Math.floor(spec.from / 1000);
  const toSec = Math.ceil(spec.to / 1000);
  const useHourly = spec.bucket === 'hour' || fromSec % DAY !== 0 || toSec % DAY !== 0;
  const tcol = sql.ref<number>(useHourly ? 'r.hour' : 'r.day');
  const joined = joinedRows(db, useHourly ? 'usage_hourly' : 'usage_daily', tcol, fromSec, toSec, placed);
  if (useHourly) return { q: joined, tcol, via: 'join' as Via };
  // The fact table has every column the joined rows are read through (see dimExpr, condition, WHO).
  const fact = db.selectFrom('usage_fact_daily as r').where(tcol, '>=', fromSec).where(tcol, '<', toSec) as unknown as typeof joined;
  return { q: fact, tcol, via: 'fact' as Via };
}

function joinedRows(db: Kysely<DB>, table: 'usage_hourly' | 'usage_daily', tcol: RawBuilder<number>, fromSec: number, toSec: number, placed: boolean) {
  let q = db
    .selectFrom(`${table} as r` as 'usage_daily as r')
    .innerJoin('identity as i', 'i.id', 'r.identity_id')
    .innerJoin('stream as s', 's.id', 'r.stream_id')
    .leftJoin('person as p', 'p.id', 'i.person_id')
    .leftJoin('service as sv', 'sv.id', 'i.service_id')
    .leftJoin('person as m', 'm.id', 'p.manager_id')
    .where(tcol, '>=', fromSec)
    .where(tcol, '<', toSec);
  if (placed) {
    // Team and function are read through raw SQL (dimExpr), so the narrower type is enough from here on.
    q = q
      .leftJoin('team_membership as tm', (j) =>
        j
          .onRef('tm.person_id', '=', 'p.id')
          .on(tcol, '>=', sql.ref<number>('tm.valid_from'))
          .on((eb) => eb.or([eb('tm.valid_to', 'is', null), eb(tcol, '<', sql.ref<number>('tm.valid_to'))])),
      )
      .leftJoin('team as t', 't.id', 'tm.team_id') as unknown as typeof q;
  }
  return q;
}

/**
 * Distinct people (services excluded) active in a period under each of
 * several filter sets, in one scan: the privacy policy's group-size and
 * differencing checks.
 */
export async function activePeople(db: Kysely<DB>, spec: { from: number; to: number; sets: Filters[] }): Promise<number[]> {
  if (spec.sets.length === 0) return [];
  const { q, via } = rollupRows(db, spec, needsPlacement([], spec.sets));
  const conds = spec.sets.map((f) => condition(f, via));
  const cols = conds.map((c, n) => sql<number>`count(distinct case when ${c} then ${who(via)} end)`.as(`n${n}`));
  const r = (await q.where(sql<boolean>`(${sql.join(conds, sql` or `)})`).select(cols).executeTakeFirst()) as Record<string, unknown> | undefined;
  return conds.map((_, n) => Number(r?.[`n${n}`] ?? 0));
}

/**
 * The rollup rows a question reads, joined to identity, stream, person,
 * service, manager and (when `placed`) the team membership covering each
 * bucket, narrowed by the time range and filters. Shared by every query over
 * the rollups so filters mean the same everywhere.
 */
export function rollupSource(db: Kysely<DB>, spec: Pick<AggregateSpec, 'from' | 'to' | 'bucket' | 'filters'>, placed: boolean) {
  const { q, tcol, via } = rollupRows(db, spec, placed || needsPlacement([], [spec.filters]));
  return { q: q.where(condition(spec.filters, via)), tcol, via };
}

/**
 * Questions whose sums the daily cube holds (src/store/sql/fact.ts): nothing
 * grouped or filtered by person, manager or identity.
 */
function cubeable(groupBy: Dimension[], filters: Filters | undefined): boolean {
  return (
    !groupBy.some((d) => d === 'person' || d === 'manager' || d === 'identity') &&
    !(filters?.person?.length || filters?.manager?.length || filters?.excludePerson?.length)
  );
}

/** The cube rows of whole days: read like the facts (same column names), without people. */
function cubeRows(db: Kysely<DB>, spec: { from: number; to: number }) {
  const tcol = sql.ref<number>('r.day');
  const q = db
    .selectFrom('usage_cube_daily as r')
    .where(tcol, '>=', Math.floor(spec.from / 1000))
    .where(tcol, '<', Math.ceil(spec.to / 1000)) as unknown as ReturnType<typeof rollupRows>['q'];
  return { q, tcol, via: 'fact' as Via };
}

export async function aggregate(db: Kysely<DB>, dialect: Dialect, spec: AggregateSpec): Promise<AggregateRow[]> {
  const groupBy = spec.groupBy ?? [];
  const base = rollupRows(db, spec, needsPlacement(groupBy, [spec.filters]));
  if (base.via === 'fact' && !spec.peopleOnly && cubeable(groupBy, spec.filters)) {
    // Sums from the cube, distinct people from the facts: the same groups, matched by key.
    const [sums, people] = await Promise.all([
      grouped(cubeRows(db, spec), dialect, spec, 'sums'),
      grouped(base, dialect, spec, 'people'),
    ]);
    const key = (r: AggregateRow) => JSON.stringify([r.bucket ?? null, groupBy.map((d) => r.keys[d] ?? null)]);
    const count = new Map(people.map((r) => [key(r), r.people]));
    return sums.map((r) => ({ ...r, people: count.get(key(r)) ?? 0 }));
  }
  return grouped(base, dialect, spec, spec.peopleOnly ? 'people' : 'all');
}

/** One grouped read of `source`: sums and people, only sums, or only people (the rest 0). */
async function grouped(source: ReturnType<typeof rollupRows>, dialect: Dialect, spec: AggregateSpec, what: 'all' | 'sums' | 'people'): Promise<AggregateRow[]> {
  const groupBy = spec.groupBy ?? [];
  const { tcol, via } = source;
  const q = source.q.where(condition(spec.filters, via));
  const people = [sql<number>`count(distinct ${who(via)})`.as('people')];
  let sel = q.select(what === 'people' ? people : what === 'sums' ? sums() : [...sums(), ...people]);
  const groups: RawBuilder<unknown>[] = [];
  if (spec.bucket) {
    const b = bucketExpr(tcol, spec.bucket, dialect);
    sel = sel.select(b.as('bucket'));
    groups.push(b);
  }
  groupBy.forEach((d, n) => {
    const e = dimExpr(d, via);
    sel = sel.select(e.as(`k${n}`));
    groups.push(e);
  });
  if (groups.length) sel = sel.groupBy(groups);
  if (spec.bucket) sel = sel.orderBy(sql`bucket`);

  const rows = (await sel.execute()) as Record<string, unknown>[];
  const out: AggregateRow[] = [];
  for (const r of rows) {
    // An aggregate without GROUP BY returns one row even when nothing matched: callers expect totals.
    const n = (k: string) => Number(r[k] ?? 0);
    const keys: AggregateRow['keys'] = {};
    groupBy.forEach((d, i) => {
      const v = r[`k${i}`];
      keys[d] = v === null || v === undefined ? null : String(v);
    });
    // Two literals, not a spread of a conditional object: V8 builds those 50× slower.
    const m = measuresOf(n);
    out.push(spec.bucket ? { bucket: n('bucket') * 1000, keys, ...m } : { keys, ...m });
  }
  return out;
}

/** Result column alias of each rollup column. */
export const MEASURES: [column: string, alias: string][] = [
  ['events', 'events'],
  ['requests', 'requests'],
  ['input', 'input'],
  ['output', 'output'],
  ['cache_read', 'cacheRead'],
  ['cache_write', 'cacheWrite'],
  ['reasoning', 'reasoning'],
  ['cost_best', 'costBest'],
  ['cost_reported', 'costReported'],
  ['cost_computed', 'costComputed'],
  ['sessions', 'sessions'],
  ['lines_added', 'linesAdded'],
  ['lines_removed', 'linesRemoved'],
  ['commits', 'commits'],
  ['pull_requests', 'pullRequests'],
  ['active_seconds', 'activeSeconds'],
  ['edits_accepted', 'editsAccepted'],
  ['edits_rejected', 'editsRejected'],
  ['unpriced_tokens', 'unpricedTokens'],
];

/** Who an aggregate counts as a person: the directory person, else the identity; services are not people. */
export function who(via: Via): RawBuilder<number | null> {
  return via === 'fact' ? sql<number | null>`r.who` : sql<number | null>`case when i.service_id is null then coalesce(p.id, -i.id) end`;
}

/** The sums of an aggregate. */
function sums() {
  return MEASURES.map(([c, alias]) => sql<number>`coalesce(sum(${sql.ref(`r.${c}`)}), 0)`.as(alias));
}

/** An AggregateRow's measures from a result row, `n` reading one column as a number. */
export function measuresOf(n: (alias: string) => number): Omit<AggregateRow, 'keys' | 'bucket'> {
  const input = n('input');
  const output = n('output');
  const cacheRead = n('cacheRead');
  const cacheWrite = n('cacheWrite');
  return {
    events: n('events'),
    requests: n('requests'),
    input,
    output,
    cacheRead,
    cacheWrite,
    reasoning: n('reasoning'),
    tokens: input + output + cacheRead + cacheWrite,
    cost: n('costBest') / 1e6,
    costReported: n('costReported') / 1e6,
    costComputed: n('costComputed') / 1e6,
    unpricedTokens: n('unpricedTokens'),
    people: n('people'),
    sessions: n('sessions'),
    linesAdded: n('linesAdded'),
    linesRemoved: n('linesRemoved'),
    commits: n('commits'),
    pullRequests: n('pullRequests'),
    activeSeconds: n('activeSeconds'),
    editsAccepted: n('editsAccepted'),
    editsRejected: n('editsRejected'),
  };
}

/**
 * Totals (no grouping) for several periods under the same filters, equal to
 * `aggregate({ from, to, filters })` per window, from two scans of the union
 * of the periods instead of one per window: the sums per rollup bucket (added
 * up per window here, exact because they are integers), and the distinct
 * people of every window at once. Panels that compare a period with the one
 * before it and count active people over a day, a week and a month use it.
 * With `daily`, whole-day windows also give the first window's daily series,
 * equal to `aggregate({ ...windows[0], bucket: 'day', filters })` (null when
 * the windows are not whole days).
 */
export async function aggregateWindows(
  db: Kysely<DB>,
  spec: { windows: { from: number; to: number }[]; filters?: Filters; daily?: boolean },
): Promise<{ windows: AggregateRow[]; daily: AggregateRow[] | null }> {
  if (spec.windows.length === 0) return { windows: [], daily: spec.daily ? [] : null };
  const from = Math.min(...spec.windows.map((w) => w.from));
  const to = Math.max(...spec.windows.map((w) => w.to));
  const aligned = spec.windows.every((w) => w.from % (DAY * 1000) === 0 && w.to % (DAY * 1000) === 0);
  // The union must read the same rollup (daily or hourly) every window would read on its own.
  const source = () => {
    const { q, tcol, via } = rollupRows(db, { from, to, bucket: aligned ? undefined : 'hour' }, needsPlacement([], [spec.filters]));
    return { q: q.where(condition(spec.filters, via)), tcol, via };
  };
  const secs = spec.windows.map((w) => [Math.floor(w.from / 1000), Math.ceil(w.to / 1000)] as const);
  const daily = !!spec.daily && aligned;
  const [f0, t0] = secs[0]!;
  // Sums per day from the cube when the filters allow (people then come from the facts).
  const cube = aligned && cubeable([], spec.filters);
  const sums = cube ? cubeRows(db, { from, to }) : source();
  const perBucket = (await (cube ? sums.q.where(condition(spec.filters, 'fact')) : sums.q)
    .select([
      sums.tcol.as('t'),
      ...MEASURES.map(([c, alias]) => sql<number>`sum(${sql.ref(`r.${c}`)})`.as(alias)),
      // People per day of the first window, for its daily series.
      ...(daily && !cube ? [sql<number>`count(distinct case when ${sums.tcol} >= ${f0} and ${sums.tcol} < ${t0} then ${who(sums.via)} end)`.as('people')] : []),
    ])
    .groupBy(sums.tcol)
    .orderBy(sums.tcol)
    .execute()) as Record<string, unknown>[];
  if (daily && cube) {
    const facts = source();
    const perDay = await facts.q
      .where(facts.tcol, '>=', f0)
      .where(facts.tcol, '<', t0)
      .select([facts.tcol.as('t'), sql<number>`count(distinct ${who(facts.via)})`.as('people')])
      .groupBy(facts.tcol)
      .execute();
    const count = new Map(perDay.map((r) => [Number(r.t), Number(r.people)]));
    for (const r of perBucket) r.people = count.get(Number(r.t)) ?? 0;
  }
  const people = source();
  const counts = ((await people.q
    .select(secs.map(([f, t], k) => sql<number>`count(distinct case when ${people.tcol} >= ${f} and ${people.tcol} < ${t} then ${who(people.via)} end)`.as(`n${k}`)))
    .executeTakeFirst()) ?? {}) as Record<string, unknown>;
  const windows = secs.map(([f, t], k) => {
    const total = new Map<string, number>([['people', Number(counts[`n${k}`] ?? 0)]]);
    for (const r of perBucket) {
      const at = Number(r.t);
      if (at < f || at >= t) continue;
      for (const [, alias] of MEASURES) total.set(alias, (total.get(alias) ?? 0) + Number(r[alias] ?? 0));
    }
    return { keys: {}, ...measuresOf((alias) => total.get(alias) ?? 0) };
  });
  const series = daily
    ? perBucket
        .filter((r) => Number(r.t) >= f0 && Number(r.t) < t0)
        .map((r) => ({ bucket: Number(r.t) * 1000, keys: {}, ...measuresOf((alias) => Number(r[alias] ?? 0)) }))
    : null;
  return { windows, daily: series };
}

/**
 * Several groupings of one period under the same filters from one scan: the
 * rollup rows are first summed per (identity, stream[, team, function]) — a
 * few thousand rows a month instead of one per identity, stream and day — and
 * each grouping is then summed from that. Distinct people stay exact because
 * every summed row still belongs to one identity. Result k equals
 * `aggregate({ from, to, groupBy: groupings[k], filters })` (row order aside).
 */
export async function aggregateSets(
  db: Kysely<DB>,
  spec: { from: number; to: number; groupings: Dimension[][]; filters?: Filters },
): Promise<AggregateRow[][]> {
  if (spec.groupings.length === 0) return [];
  const dims = [...new Set(spec.groupings.flat())];
  const base = rollupRows(db, spec, needsPlacement(dims, [spec.filters]));
  if (base.via === 'fact' && cubeable(dims, spec.filters)) {
    // Sums from the cube, distinct people from the facts: the same groups, matched by key.
    const [sums, people] = await Promise.all([setsOf(db, cubeRows(db, spec), spec, 'sums'), setsOf(db, base, spec, 'people')]);
    return sums.map((rows, k) => {
      const key = (r: AggregateRow) => JSON.stringify(spec.groupings[k]!.map((d) => r.keys[d] ?? null));
      const count = new Map(people[k]!.map((r) => [key(r), r.people]));
      return rows.map((r) => ({ ...r, people: count.get(key(r)) ?? 0 }));
    });
  }
  return setsOf(db, base, spec, 'all');
}

async function setsOf(
  db: Kysely<DB>,
  source: ReturnType<typeof rollupRows>,
  spec: { groupings: Dimension[][]; filters?: Filters },
  what: 'all' | 'sums' | 'people',
): Promise<AggregateRow[][]> {
  const dims = [...new Set(spec.groupings.flat())];
  const { q, via } = source;
  const cube = what === 'sums';
  const placed = needsPlacement(dims, [spec.filters]);
  // The cube has no identities: its rows are already one per stream and placement.
  const grain: RawBuilder<unknown>[] = [...(cube ? [] : [sql`r.identity_id`]), sql`r.stream_id`, ...(placed ? [dimExpr('team', via), dimExpr('function', via)] : [])];
  const withSums = what !== 'people';
  const withPeople = what !== 'sums';
  const inner = q
    .where(condition(spec.filters, via))
    .select([
      ...(withSums ? MEASURES.map(([c, alias]) => sql<number>`sum(${sql.ref(`r.${c}`)})`.as(alias)) : []),
      ...(withPeople ? [sql<number | null>`min(${who(via)})`.as('who')] : []),
      // Each dimension is fixed within a grain row (identity, stream, placement), so min() just carries it.
      ...dims.map((d) => sql<string | null>`min(${dimExpr(d, via)})`.as(`d_${d}`)),
    ])
    .groupBy(grain);
  const width = Math.max(...spec.groupings.map((g) => g.length));
  const selects = spec.groupings.map((g, k) => {
    const keys = Array.from({ length: width }, (_, n) => (n < g.length ? sql`${sql.ref(`g.d_${g[n]}`)}` : sql`null`).as(`k${n}`));
    const cols = sql.join([
      sql`${k}`.as('set_no'),
      ...keys,
      ...(withSums ? MEASURES.map(([, alias]) => sql`coalesce(sum(${sql.ref(`g.${alias}`)}), 0)`.as(alias)) : []),
      ...(withPeople ? [sql`count(distinct ${sql.ref('g.who')})`.as('people')] : []),
    ]);
    return g.length ? sql`select ${cols} from g group by ${sql.join(g.map((d) => sql.ref(`g.d_${d}`)))}` : sql`select ${cols} from g`;
  });
  // Kysely puts the subquery in parentheses itself.
  const query = sql<Record<string, unknown>>`with g as ${inner} ${sql.join(selects, sql` union all `)}`;
  const res = await query.execute(db);
  const out: AggregateRow[][] = spec.groupings.map(() => []);
  for (const r of res.rows) {
    const g = spec.groupings[Number(r.set_no)]!;
    const keys: AggregateRow['keys'] = {};
    g.forEach((d, n) => {
      const v = r[`k${n}`];
      keys[d] = v === null || v === undefined ? null : String(v);
    });
    out[Number(r.set_no)]!.push({ keys, ...measuresOf((alias) => Number(r[alias] ?? 0)) });
  }
  return out;
}
