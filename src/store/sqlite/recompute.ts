/**
 * Recompute list/contract cost for a period after prices or overrides change.
 *
 * Raw events are re-priced one by one. Rollup rows take the exact sum of their
 * raw events when all of them are still there; when raw events were pruned,
 * the row is priced from its own token split (rollups keep input, output,
 * cache and reasoning tokens and requests per stream, i.e. per model), so
 * cost stays recomputable for as long as rollups are kept.
 */
import type Database from 'better-sqlite3';
import type { Pricer } from '../../pricing/pricer.js';
import { DAY, HOUR } from '../rollup.js';
import type { RollupTable } from '../sql/schema.js';
import type { RecomputeResult } from '../types.js';

interface Acc {
  events: number;
  computed: number;
  best: number;
  unpriced: number;
}

type RollupRow = RollupTable & { t: number };

/** `resum` re-sums whatever the store derives from the daily rollups (its fact table) for the rewritten days, in the same transaction. */
export function recomputeCostsSqlite(db: Database.Database, from: number, to: number, pricer: Pricer, resum?: (fromSec: number, toSec: number) => void): RecomputeResult {
  // Whole UTC days, so hourly and daily rollups cover the same events.
  const fromSec = Math.floor(from / 1000 / DAY) * DAY;
  const toSec = Math.ceil(to / 1000 / DAY) * DAY;
  const streams = new Map(
    (db.prepare('SELECT id, provider, model FROM stream').all() as { id: number; provider: string; model: string }[]).map((s) => [s.id, s]),
  );
  const price = (streamId: number, timeSec: number, r: { input: number; output: number; cache_read: number; cache_write: number; reasoning: number; requests: number }) => {
    const s = streams.get(streamId)!;
    return pricer.priceMicros({
      provider: s.provider,
      model: s.model,
      time: timeSec * 1000,
      requests: r.requests,
      tokens: { input: r.input, output: r.output, cacheRead: r.cache_read, cacheWrite: r.cache_write, reasoning: r.reasoning },
    });
  };
  const result: RecomputeResult = { events: 0, rollupRows: 0, fromRollups: 0, deltaComputed: 0 };

  db.transaction(() => {
    const hourly = new Map<string, Acc>();
    const daily = new Map<string, Acc>();
    const updEvent = db.prepare('UPDATE usage_event SET cost_computed = ? WHERE id = ?');
    const events = db
      .prepare(
        `SELECT id, ts, stream_id, identity_id, coalesce(attrs_id, 0) attrs_id, input, output, cache_read, cache_write, reasoning, requests,
         cost_reported, cost_computed FROM usage_event WHERE ts >= ? AND ts < ?`,
      )
      .all(fromSec, toSec) as (RollupRow & { id: number; ts: number; cost_reported: number | null; cost_computed: number | null })[];
    for (const e of events) {
      const computed = price(e.stream_id, e.ts, e);
      if (computed !== e.cost_computed) {
        updEvent.run(computed, e.id);
        result.events++;
      }
      const best = e.cost_reported ?? computed ?? 0;
      const unpriced = computed === null ? e.input + e.output + e.cache_read + e.cache_write : 0;
      const tail = `:${e.identity_id}:${e.stream_id}:${e.attrs_id}`;
      add(hourly, `${e.ts - (e.ts % HOUR)}${tail}`, computed ?? 0, best, unpriced);
      add(daily, `${e.ts - (e.ts % DAY)}${tail}`, computed ?? 0, best, unpriced);
    }
    for (const [table, col, accs] of [
      ['usage_hourly', 'hour', hourly],
      ['usage_daily', 'day', daily],
    ] as const) {
      const upd = db.prepare(
        `UPDATE ${table} SET cost_computed = ?, cost_best = ?, unpriced_tokens = ? WHERE ${col} = ? AND identity_id = ? AND stream_id = ? AND attrs_id = ?`,
      );
      const rows = db.prepare(`SELECT ${col} t, * FROM ${table} WHERE ${col} >= ? AND ${col} < ?`).all(fromSec, toSec) as RollupRow[];
      for (const r of rows) {
        const acc = accs.get(`${r.t}:${r.identity_id}:${r.stream_id}:${r.attrs_id}`);
        let computed: number;
        let best: number;
        let unpriced: number;
        if (acc && acc.events === r.events) {
          computed = acc.computed;
          best = acc.best;
          unpriced = acc.unpriced;
        } else {
          result.fromRollups++;
          const priced = price(r.stream_id, r.t, r);
          computed = priced ?? 0;
          unpriced = priced === null ? r.input + r.output + r.cache_read + r.cache_write : 0;
          const unreportedOld = r.cost_best - r.cost_reported;
          if (r.cost_reported === 0) best = computed;
          else if (r.cost_computed > 0) best = r.cost_reported + Math.round((unreportedOld * computed) / r.cost_computed);
          else best = r.cost_best;
        }
        if (computed !== r.cost_computed || best !== r.cost_best || unpriced !== r.unpriced_tokens) {
          upd.run(computed, best, unpriced, r.t, r.identity_id, r.stream_id, r.attrs_id);
          result.rollupRows++;
          if (table === 'usage_daily') result.deltaComputed += (computed - r.cost_computed) / 1e6;
        }
      }
    }
    if (result.rollupRows > 0) resum?.(fromSec, toSec);
  })();
  return result;
}

function add(m: Map<string, Acc>, k: string, computed: number, best: number, unpriced: number): void {
  const a = m.get(k);
  if (a) {
    a.events++;
    a.computed += computed;
    a.best += best;
    a.unpriced += unpriced;
  } else m.set(k, { events: 1, computed, best, unpriced });
}
