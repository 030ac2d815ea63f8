/** Usage per stream for pricing reports (unknown models, reported vs computed cost). Shared by both stores. */
import { sql, type Kysely } from 'kysely';
import type { StreamUsage } from '../types.js';
import type { DB } from './schema.js';

export async function streamUsage(db: Kysely<DB>, from: number, to: number): Promise<StreamUsage[]> {
  const fromSec = Math.floor(from / 1000);
  const toSec = Math.ceil(to / 1000);
  const sum = (c: string) => sql<number>`coalesce(sum(r.${sql.raw(c)}), 0)`;
  const rows = await db
    .selectFrom('usage_hourly as r')
    .innerJoin('stream as s', 's.id', 'r.stream_id')
    .where('r.hour', '>=', fromSec)
    .where('r.hour', '<', toSec)
    .groupBy(['s.id', 's.source', 's.tool', 's.provider', 's.model'])
    .select([
      's.id as streamId',
      's.source as source',
      's.tool as tool',
      's.provider as provider',
      's.model as model',
      sum('events').as('events'),
      sum('requests').as('requests'),
      sum('input').as('input'),
      sum('output').as('output'),
      sum('cache_read').as('cacheRead'),
      sum('cache_write').as('cacheWrite'),
      sum('reasoning').as('reasoning'),
      sum('cost_reported').as('costReported'),
      sum('cost_computed').as('costComputed'),
    ])
    .execute();
  // Like for like: computed cost of exactly the raw events that reported one (raw events may be pruned).
  const raw = await db
    .selectFrom('usage_event as e')
    .where('e.ts', '>=', fromSec)
    .where('e.ts', '<', toSec)
    .where('e.cost_reported', 'is not', null)
    .groupBy('e.stream_id')
    .select(['e.stream_id as streamId', sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(e.cost_computed), 0)`.as('computed')])
    .execute();
  const byStream = new Map(raw.map((r) => [Number(r.streamId), r]));
  return rows.map((r) => {
    const x = byStream.get(Number(r.streamId));
    return {
      source: r.source,
      tool: r.tool,
      provider: r.provider,
      model: r.model,
      events: Number(r.events),
      requests: Number(r.requests),
      input: Number(r.input),
      output: Number(r.output),
      cacheRead: Number(r.cacheRead),
      cacheWrite: Number(r.cacheWrite),
      reasoning: Number(r.reasoning),
      costReported: Number(r.costReported) / 1e6,
      costComputed: Number(r.costComputed) / 1e6,
      ...(x ? { computedWhereReported: Number(x.computed) / 1e6, reportedEvents: Number(x.n) } : {}),
    };
  });
}
