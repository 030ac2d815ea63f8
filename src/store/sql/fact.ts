/**
 * The daily usage fact: the daily rollup with its attribution resolved when it
 * is written, so the dashboard's day-aligned questions read one table with no
 * joins. One row per (day, identity, stream) — attributes summed away — with
 * the person, the team placement of that day, function, manager and stream
 * labels, and the same additive sums as `usage_daily`.
 *
 * It is a cache of `usage_daily` joined to the directory (aggregate.ts reads
 * the join for hourly questions): every fact row must equal the join. Ingest
 * adds its deltas in the same transaction as the rollups; rollup rewrites
 * (cost recompute, erasure) re-sum a day range or rebuild identities; and
 * directory changes mark the identities they re-attribute stale (triggers in
 * the migration), which are rebuilt before the next read. Written with Kysely
 * so the PostgreSQL store can run the same statements.
 *
 * The daily cube (`usage_cube_daily`) sums the facts over people per (day,
 * stream, team, function); triggers on the facts keep it, so every path above
 * keeps it too. aggregate.ts reads sums from it and distinct people from the facts.
 */
import { sql, type CompiledQuery, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from './schema.js';
import { ROLLUP_FIELDS } from '../rollup.js';

export const FACT_TABLE = 'usage_fact_daily';

/** Attribution columns of a fact row, computed from the joined rollup row (aliases as in aggregate.ts). */
const ATTRIBUTION: [column: string, expr: RawBuilder<unknown>][] = [
  // Who the row counts as (services are not people), and who it belongs to.
  ['who', sql`case when i.service_id is null then coalesce(p.id, -i.id) end`],
  ['person_id', sql`p.id`],
  ['person_key', sql`coalesce(p.email, 'service:' || sv.name, i.email, i.canonical)`],
  ['team', sql`t.name`],
  ['function', sql`coalesce(tm.function, p.function)`],
  ['manager', sql`m.email`],
  ['tool', sql`s.tool`],
  ['model', sql`s.model`],
  ['provider', sql`s.provider`],
  ['source', sql`s.source`],
];

const FACT_COLUMNS = ['day', 'identity_id', 'stream_id', ...ATTRIBUTION.map(([c]) => c), ...ROLLUP_FIELDS];

/**
 * Fact rows from rollup rows `r` (a table, grouped to the fact's grain, or a
 * one-row source with day, identity_id, stream_id and the sums).
 */
function factSelect(db: Kysely<DB>, source: RawBuilder<unknown>, where: RawBuilder<boolean>, grouped: boolean) {
  const q = db
    .selectFrom(sql`${source}`.as('r'))
    .innerJoin('identity as i', (j) => j.on(sql<boolean>`i.id = r.identity_id`))
    .innerJoin('stream as s', (j) => j.on(sql<boolean>`s.id = r.stream_id`))
    .leftJoin('person as p', 'p.id', 'i.person_id')
    .leftJoin('service as sv', 'sv.id', 'i.service_id')
    .leftJoin('person as m', 'm.id', 'p.manager_id')
    .leftJoin('team_membership as tm', (j) =>
      j
        .onRef('tm.person_id', '=', 'p.id')
        .on(sql.ref('r.day'), '>=', sql.ref<number>('tm.valid_from'))
        .on((eb) => eb.or([eb('tm.valid_to', 'is', null), eb(sql.ref('r.day'), '<', sql.ref<number>('tm.valid_to'))])),
    )
    .leftJoin('team as t', 't.id', 'tm.team_id')
    .where(where);
  const keys = [sql`r.day`.as('day'), sql`r.identity_id`.as('identity_id'), sql`r.stream_id`.as('stream_id')];
  if (!grouped) return q.select([...keys, ...ATTRIBUTION.map(([c, e]) => e.as(c)), ...ROLLUP_FIELDS.map((f) => sql`${sql.ref(`r.${f}`)}`.as(f))]);
  return q
    .select([
      ...keys,
      // Fixed within the grain (one identity, one stream, one day's placement): min() carries them.
      ...ATTRIBUTION.map(([c, e]) => sql`min(${e})`.as(c)),
      ...ROLLUP_FIELDS.map((f) => sql`sum(${sql.ref(`r.${f}`)})`.as(f)),
    ])
    .groupBy([sql`r.day`, sql`r.identity_id`, sql`r.stream_id`]);
}

const insertFacts = (db: Kysely<DB>, source: RawBuilder<unknown>, where: RawBuilder<boolean>, grouped = true) =>
  db
    .insertInto(FACT_TABLE)
    .columns(FACT_COLUMNS as (keyof DB[typeof FACT_TABLE])[])
    .expression(factSelect(db, source, where, grouped));

/**
 * One daily rollup delta of an ingest batch, in two statements: `add` adds it
 * to its fact row (parameters: the ROLLUP_FIELDS values, then day, identity id,
 * stream id); when there is none yet, `insert` creates it with the identity's
 * attribution on that day (parameters: day, identity id, stream id, then the
 * values). Most deltas of a day land on an existing row, and adding is cheap.
 */
export function factUpsert(db: Kysely<DB>): { add: CompiledQuery; insert: CompiledQuery } {
  const row = sql`(select ${sql.join([
    sql`cast(${0} as integer) as day`,
    sql`cast(${0} as integer) as identity_id`,
    sql`cast(${0} as integer) as stream_id`,
    ...ROLLUP_FIELDS.map((f) => sql`cast(${0} as integer) as ${sql.ref(f)}`),
  ])})`;
  const add = db
    .updateTable(FACT_TABLE)
    .set(Object.fromEntries(ROLLUP_FIELDS.map((f) => [f, sql`${sql.ref(f)} + ${0}`])))
    .where('day', '=', 0)
    .where('identity_id', '=', 0)
    .where('stream_id', '=', 0)
    .compile();
  return { add, insert: insertFacts(db, row, sql<boolean>`1 = 1`, false).compile() };
}

/** Rebuild the fact rows of stale identities (or of everything) from the rollups and the directory as it is now. */
export function rebuildFacts(db: Kysely<DB>, all: boolean): CompiledQuery[] {
  const stale = sql`(select identity_id from usage_fact_stale)`;
  return [
    // The cube follows the facts (triggers); emptied first, a full rebuild does not update it row by row on the way out.
    ...(all ? [sql`delete from usage_cube_daily`.compile(db)] : []),
    (all ? sql`delete from ${sql.table(FACT_TABLE)}` : sql`delete from ${sql.table(FACT_TABLE)} where identity_id in ${stale}`).compile(db),
    insertFacts(db, sql.table('usage_daily'), all ? sql<boolean>`1 = 1` : sql<boolean>`r.identity_id in ${stale}`).compile(),
    sql`delete from usage_fact_stale`.compile(db),
  ];
}

/**
 * Re-sum the fact rows of whole days [fromSec, toSec) from the rollups, after
 * the rollups were rewritten in place (cost recompute): attribution is unchanged.
 */
export function resumFacts(db: Kysely<DB>, fromSec: number, toSec: number): CompiledQuery {
  const cols = sql.join(ROLLUP_FIELDS.map((f) => sql.ref(f)));
  const sums = sql.join(ROLLUP_FIELDS.map((f) => sql`sum(${sql.ref(`r.${f}`)})`));
  return sql`update ${sql.table(FACT_TABLE)} set (${cols}) = (
      select ${sums} from usage_daily r
      where r.day = ${sql.ref(FACT_TABLE + '.day')} and r.identity_id = ${sql.ref(FACT_TABLE + '.identity_id')} and r.stream_id = ${sql.ref(FACT_TABLE + '.stream_id')})
    where day >= ${fromSec} and day < ${toSec}`.compile(db);
}
