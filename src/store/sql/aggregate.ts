/**
 * The aggregate query over the rollups, written once with Kysely for both the
 * SQLite and PostgreSQL stores. Attribution to people, teams, functions and
 * managers happens here, at query time, through identity -> person, so a
 * directory change re-attributes history without rewriting rollups.
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

export function dimExpr(d: Dimension): RawBuilder<string | null> {
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
function condition(filters: Filters | undefined): RawBuilder<boolean> {
  const conds: RawBuilder<unknown>[] = [];
  const list = (values: string[]) => sql.join(values);
  for (const d of FILTER_DIMS) {
    const values = filters?.[d];
    if (!values || values.length === 0) continue;
    conds.push(d === 'person' ? sql`(p.email in (${list(values)}) or i.email in (${list(values)}))` : sql`${dimExpr(d)} in (${list(values)})`);
  }
  if (filters?.excludePerson?.length) conds.push(sql`coalesce(p.email, i.email, '') not in (${list(filters.excludePerson)})`);
  if (filters?.excludeFunction?.length) conds.push(sql`coalesce(${dimExpr('function')}, '') not in (${list(filters.excludeFunction)})`);
  return conds.length ? sql<boolean>`(${sql.join(conds, sql` and `)})` : sql<boolean>`1 = 1`;
}

/** The placement join costs an index probe per rollup row: only pay it when team or function is asked for. */
function needsPlacement(groupBy: Dimension[], filterSets: (Filters | undefined)[]): boolean {
  return groupBy.includes('team') || groupBy.includes('function') || filterSets.some((f) => !!(f?.team?.length || f?.function?.length || f?.excludeFunction?.length));
}

/** The rollup rows of a period, joined to people, services and streams (and team placement when asked). */
function rollupRows(db: Kysely<DB>, spec: { from: number; to: number; bucket?: AggregateSpec['bucket'] }, placed: boolean) {
  const fromSec = Math.floor(spec.from / 1000);
  const toSec = Math.ceil(spec.to / 1000);
  const useHourly = spec.bucket === 'hour' || fromSec % DAY !== 0 || toSec % DAY !== 0;
  const table = useHourly ? 'usage_hourly' : 'usage_daily';
  const tcol = sql.ref<number>(useHourly ? 'r.hour' : 'r.day');

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
  return { q, tcol };
}

/**
 * Distinct people (services excluded) active in a period under each of
 * several filter sets, in one scan: the privacy policy's group-size and
 * differencing checks.
 */
export async function activePeople(db: Kysely<DB>, spec: { from: number; to: number; sets: Filters[] }): Promise<number[]> {
  if (spec.sets.length === 0) return [];
  const { q } = rollupRows(db, spec, needsPlacement([], spec.sets));
  const conds = spec.sets.map(condition);
  const cols = conds.map((c, n) => sql<number>`count(distinct case when ${c} and i.service_id is null then coalesce(p.id, -i.id) end)`.as(`n${n}`));
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
  const { q, tcol } = rollupRows(db, spec, placed || needsPlacement([], [spec.filters]));
  return { q: q.where(condition(spec.filters)), tcol };
}

export async function aggregate(db: Kysely<DB>, dialect: Dialect, spec: AggregateSpec): Promise<AggregateRow[]> {
  const groupBy = spec.groupBy ?? [];
  const base = rollupRows(db, spec, needsPlacement(groupBy, [spec.filters]));
  const tcol = base.tcol;
  const q = base.q.where(condition(spec.filters));

  const sum = (c: string) => sql<number>`coalesce(sum(r.${sql.raw(c)}), 0)`;
  let sel = q.select([
    sum('events').as('events'),
    sum('requests').as('requests'),
    sum('input').as('input'),
    sum('output').as('output'),
    sum('cache_read').as('cacheRead'),
    sum('cache_write').as('cacheWrite'),
    sum('reasoning').as('reasoning'),
    sum('cost_best').as('costBest'),
    sum('cost_reported').as('costReported'),
    sum('cost_computed').as('costComputed'),
    sum('sessions').as('sessions'),
    sum('lines_added').as('linesAdded'),
    sum('lines_removed').as('linesRemoved'),
    sum('commits').as('commits'),
    sum('pull_requests').as('pullRequests'),
    sum('active_seconds').as('activeSeconds'),
    sum('edits_accepted').as('editsAccepted'),
    sum('edits_rejected').as('editsRejected'),
    sum('unpriced_tokens').as('unpricedTokens'),
    sql<number>`count(distinct case when i.service_id is null then coalesce(p.id, -i.id) end)`.as('people'),
  ]);
  const groups: RawBuilder<unknown>[] = [];
  if (spec.bucket) {
    const b = bucketExpr(tcol, spec.bucket, dialect);
    sel = sel.select(b.as('bucket'));
    groups.push(b);
  }
  groupBy.forEach((d, n) => {
    const e = dimExpr(d);
    sel = sel.select(e.as(`k${n}`));
    groups.push(e);
  });
  if (groups.length) sel = sel.groupBy(groups);
  if (spec.bucket) sel = sel.orderBy(sql`bucket`);

  const rows = (await sel.execute()) as Record<string, unknown>[];
  const out: AggregateRow[] = [];
  for (const r of rows) {
    const n = (k: string) => Number(r[k] ?? 0);
    // An aggregate without GROUP BY returns one row even when nothing matched.
    if (!spec.bucket && groupBy.length === 0 && n('events') === 0 && rows.length === 1) {
      // keep the zero row: callers expect totals
    }
    const input = n('input');
    const output = n('output');
    const cacheRead = n('cacheRead');
    const cacheWrite = n('cacheWrite');
    const keys: AggregateRow['keys'] = {};
    groupBy.forEach((d, i) => {
      const v = r[`k${i}`];
      keys[d] = v === null || v === undefined ? null : String(v);
    });
    out.push({
      ...(spec.bucket ? { bucket: n('bucket') * 1000 } : {}),
      keys,
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
    });
  }
  return out;
}
