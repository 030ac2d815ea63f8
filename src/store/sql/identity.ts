/** Unattributed usage: identities that resolved to no person and no service, with their volume. Shared by both stores. */
import { sql, type Kysely } from 'kysely';
import type { UnattributedRow } from '../../domain/directory.js';
import { DAY } from '../rollup.js';
import type { DB } from './schema.js';

type Dialect = 'sqlite' | 'postgres';

/** Distinct values joined with commas (group_concat in SQLite, string_agg in PostgreSQL). */
export function distinctList(dialect: Dialect, col: string) {
  return dialect === 'sqlite'
    ? sql<string>`group_concat(distinct ${sql.ref(col)})`
    : sql<string>`string_agg(distinct ${sql.ref(col)}, ',')`;
}

export async function unattributedUsage(db: Kysely<DB>, dialect: Dialect, from: number, to: number, limit = 500): Promise<UnattributedRow[]> {
  const fromDay = Math.floor(from / 1000 / DAY) * DAY;
  const toDay = Math.ceil(to / 1000 / DAY) * DAY;
  const rows = await db
    .selectFrom('usage_daily as r')
    .innerJoin('identity as i', 'i.id', 'r.identity_id')
    .innerJoin('stream as s', 's.id', 'r.stream_id')
    .where('i.person_id', 'is', null)
    .where('i.service_id', 'is', null)
    .where('r.day', '>=', fromDay)
    .where('r.day', '<', toDay)
    .groupBy(['i.id', 'i.canonical'])
    .select([
      'i.id as identityId',
      'i.canonical as canonical',
      distinctList(dialect, 's.source').as('sources'),
      sql<number>`sum(r.events)`.as('events'),
      sql<number>`sum(r.requests)`.as('requests'),
      sql<number>`sum(r.input + r.output + r.cache_read + r.cache_write)`.as('tokens'),
      sql<number>`sum(r.cost_best)`.as('cost'),
      sql<number>`min(r.day)`.as('firstSeen'),
      sql<number>`max(r.day)`.as('lastSeen'),
    ])
    .orderBy('tokens', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    identityId: Number(r.identityId),
    canonical: r.canonical,
    sources: String(r.sources ?? '').split(',').filter(Boolean).sort(),
    events: Number(r.events),
    requests: Number(r.requests),
    tokens: Number(r.tokens),
    cost: Number(r.cost) / 1e6,
    firstSeen: Number(r.firstSeen) * 1000,
    lastSeen: Number(r.lastSeen) * 1000,
  }));
}
