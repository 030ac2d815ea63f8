/**
 * Per-person activity over a range, and directory-shaped reads the dashboard
 * needs (first activity per person, the values a filter can take). Written
 * once with Kysely for SQLite and PostgreSQL, like aggregate.ts.
 *
 * These rows are about individuals: only the query layer calls them, and it
 * never returns them to a viewer who may not see individuals.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import { dimExpr, rollupSource } from './aggregate.js';
import { DAY } from '../rollup.js';
import type { DimensionValues, HeadcountPerson, PersonActivity, RangeSpec } from '../types.js';

export async function personActivity(db: Kysely<DB>, spec: RangeSpec): Promise<PersonActivity[]> {
  const { q, tcol, via } = rollupSource(db, spec, true);
  const day = sql<number>`(${tcol} - (${tcol} % ${DAY}))`;
  // Everyone with usage, services included (they are flagged); the person else the identity.
  const who = via === 'fact' ? sql<number>`coalesce(r.person_id, -r.identity_id)` : sql<number>`coalesce(p.id, -i.id)`;
  const unattributed = via === 'fact' ? sql`r.person_id is null` : sql`p.id is null`;
  const human = via === 'fact' ? sql`r.who is not null` : sql`i.service_id is null`;
  const sum = (e: string) => sql<number>`coalesce(sum(${sql.raw(e)}), 0)`;
  const rows = await (spec.unattributedOnly ? q.where(sql<boolean>`${unattributed} and ${human}`) : q)
    .select([
      who.as('id'),
      sql<string>`min(${dimExpr('person', via)})`.as('key'),
      sql<number>`max(case when ${unattributed} then 0 else 1 end)`.as('attributed'),
      sql<number>`max(case when ${human} then 0 else 1 end)`.as('service'),
      sql<string | null>`min(${dimExpr('team', via)})`.as('team'),
      sql<string | null>`min(${dimExpr('function', via)})`.as('function'),
      sql<number>`count(distinct ${day})`.as('activeDays'),
      sql<number>`max(${day})`.as('lastDay'),
      sum('r.input + r.output + r.cache_read + r.cache_write').as('tokens'),
      sum('r.input').as('input'),
      sum('r.cache_read').as('cacheRead'),
      sum('r.cost_best').as('costMicros'),
      sum('r.requests').as('requests'),
      sum('r.commits').as('commits'),
      sum('r.pull_requests').as('pullRequests'),
      sql<number>`count(distinct ${dimExpr('tool', via)})`.as('tools'),
      sql<number>`count(distinct ${dimExpr('model', via)})`.as('models'),
    ])
    .groupBy(who)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    key: String(r.key),
    attributed: Number(r.attributed) === 1,
    service: Number(r.service) === 1,
    team: r.team ?? null,
    function: r.function ?? null,
    activeDays: Number(r.activeDays),
    lastDay: Number(r.lastDay) * 1000,
    tokens: Number(r.tokens),
    input: Number(r.input),
    cacheRead: Number(r.cacheRead),
    cost: Number(r.costMicros) / 1e6,
    requests: Number(r.requests),
    commits: Number(r.commits),
    pullRequests: Number(r.pullRequests),
    tools: Number(r.tools),
    models: Number(r.models),
  }));
}

/** First day (epoch ms) each directory person was ever seen, from the identity_seen table. */
export async function personFirstSeen(db: Kysely<DB>): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('identity_seen as x')
    .innerJoin('identity as i', 'i.id', 'x.identity_id')
    .where('i.person_id', 'is not', null)
    .select(['i.person_id as personId', sql<number>`min(x.first_day)`.as('firstDay')])
    .groupBy('i.person_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.personId), Number(r.firstDay) * 1000]));
}

export async function dimensionValues(db: Kysely<DB>): Promise<DimensionValues> {
  const [teams, functions, streams] = await Promise.all([
    db.selectFrom('team').select(['name', 'function']).orderBy('name').execute(),
    db.selectFrom('person').where('function', 'is not', null).select('function').distinct().orderBy('function').execute(),
    db.selectFrom('stream').select(['tool', 'model', 'provider']).execute(),
  ]);
  const uniq = (xs: string[]) => [...new Set(xs)].sort((a, b) => a.localeCompare(b));
  return {
    teams: teams.map((t) => ({ name: t.name, function: t.function })),
    functions: functions.map((f) => f.function!),
    tools: uniq(streams.map((s) => s.tool)),
    models: uniq(streams.map((s) => s.model)),
    providers: uniq(streams.map((s) => s.provider)),
  };
}

/** Active directory people with their current team, function and manager (what headcounts filter on). */
export async function headcountPeople(db: Kysely<DB>): Promise<HeadcountPerson[]> {
  const rows = await db
    .selectFrom('person as p')
    .leftJoin('team as t', 't.id', 'p.team_id')
    .leftJoin('person as m', 'm.id', 'p.manager_id')
    .where('p.status', '=', 'active')
    .select(['p.id as id', 'p.email as email', 't.name as team', 'p.function as function', 'm.email as managerEmail'])
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({ ...r, status: 'active' as const }));
}
