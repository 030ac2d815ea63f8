/**
 * Rollup arithmetic shared by every store: how one prepared event adds to an
 * hour or day bucket. Deltas are summed in memory per batch, so a batch of
 * 10,000 events touches each rollup row once.
 */
import type { PreparedEvent } from './types.js';

export const ROLLUP_FIELDS = [
  'events',
  'requests',
  'input',
  'output',
  'cache_read',
  'cache_write',
  'reasoning',
  'cost_reported',
  'cost_computed',
  'cost_best',
  'sessions',
  'lines_added',
  'lines_removed',
  'commits',
  'pull_requests',
  'active_seconds',
  'edits_accepted',
  'edits_rejected',
  /** Tokens on models with no known price: their cost is unknown, so it is not in the cost columns. */
  'unpriced_tokens',
] as const;
export type RollupField = (typeof ROLLUP_FIELDS)[number];
export const N_FIELDS = ROLLUP_FIELDS.length;

export const HOUR = 3600;
export const DAY = 86400;

export function usdToMicros(usd: number): number {
  return Math.round(usd * 1e6);
}

/** Fill `out` (length N_FIELDS) with this event's contribution. */
export function eventContribution(p: PreparedEvent, newSession: boolean, out: number[]): void {
  const e = p.event;
  const reported = e.reportedCost === undefined ? null : usdToMicros(e.reportedCost);
  const a = e.activity;
  out[0] = 1;
  out[1] = e.requests;
  out[2] = e.tokens.input;
  out[3] = e.tokens.output;
  out[4] = e.tokens.cacheRead;
  out[5] = e.tokens.cacheWrite;
  out[6] = e.tokens.reasoning;
  out[7] = reported ?? 0;
  out[8] = p.costMicros ?? 0;
  // The vendor's own figure wins when it sent one; otherwise the list price.
  out[9] = reported ?? p.costMicros ?? 0;
  out[10] = (a?.sessions ?? 0) + (newSession ? 1 : 0);
  out[11] = a?.linesAdded ?? 0;
  out[12] = a?.linesRemoved ?? 0;
  out[13] = a?.commits ?? 0;
  out[14] = a?.pullRequests ?? 0;
  out[15] = a?.activeSeconds ?? 0;
  out[16] = a?.editsAccepted ?? 0;
  out[17] = a?.editsRejected ?? 0;
  out[18] = p.costMicros === null ? e.tokens.input + e.tokens.output + e.tokens.cacheRead + e.tokens.cacheWrite : 0;
}

export interface RollupDelta {
  bucket: number;
  identityId: number;
  streamId: number;
  attrsId: number;
  values: number[];
}

/** Accumulates per-bucket deltas for one batch. */
export class RollupDeltas {
  readonly hourly = new Map<string, RollupDelta>();
  readonly daily = new Map<string, RollupDelta>();
  private scratch = new Array<number>(N_FIELDS).fill(0);

  add(tsSec: number, identityId: number, streamId: number, attrsId: number, p: PreparedEvent, newSession: boolean): void {
    eventContribution(p, newSession, this.scratch);
    const hour = tsSec - (tsSec % HOUR);
    const day = tsSec - (tsSec % DAY);
    const rest = `:${identityId}:${streamId}:${attrsId}`;
    addInto(this.hourly, hour, rest, identityId, streamId, attrsId, this.scratch);
    addInto(this.daily, day, rest, identityId, streamId, attrsId, this.scratch);
  }
}

function addInto(map: Map<string, RollupDelta>, bucket: number, rest: string, identityId: number, streamId: number, attrsId: number, v: number[]): void {
  const key = bucket + rest;
  const cur = map.get(key);
  if (!cur) {
    map.set(key, { bucket, identityId, streamId, attrsId, values: v.slice() });
    return;
  }
  const c = cur.values;
  for (let i = 0; i < N_FIELDS; i++) c[i] += v[i]!;
}

/** Daily deltas summed over attributes: the grain of the daily fact table (day, identity, stream). */
export function factDeltas(daily: Iterable<RollupDelta>): RollupDelta[] {
  const out = new Map<string, RollupDelta>();
  for (const d of daily) addInto(out, d.bucket, `:${d.identityId}:${d.streamId}`, d.identityId, d.streamId, 0, d.values);
  return [...out.values()];
}
