/**
 * The query layer: the single place dashboards, the API and the CLI read
 * usage through. It checks the question against the privacy policy, asks the
 * store, and passes every answer through `applyPolicy`.
 */
import type { AggregateRow, Bucket, Dimension, Filters, Store, Totals } from '../store/types.js';
import { applyPolicy, checkQuery, DEFAULT_POLICY, type PolicedRow, type PrivacyPolicy, type Viewer } from './policy.js';

export interface RangeQuery {
  from: number;
  to: number;
  filters?: Filters;
}

export type Metric = 'tokens' | 'cost' | 'requests' | 'events' | 'people';

export interface BreakdownQuery extends RangeQuery {
  groupBy: Dimension[];
  top?: number;
  sort?: Metric;
}

export interface SeriesQuery extends RangeQuery {
  bucket: Bucket;
  groupBy?: Dimension;
  top?: number;
  sort?: Metric;
}

export const OTHER = '(other)';

export class QueryService {
  constructor(
    private readonly store: Store,
    readonly policy: PrivacyPolicy = DEFAULT_POLICY,
  ) {}

  async summary(viewer: Viewer, q: RangeQuery): Promise<PolicedRow> {
    checkQuery(viewer, [], q.filters);
    const rows = await this.store.aggregate({ from: q.from, to: q.to, filters: q.filters });
    return applyPolicy(viewer, this.policy, rows, q.filters)[0]!;
  }

  async breakdown(viewer: Viewer, q: BreakdownQuery): Promise<PolicedRow[]> {
    checkQuery(viewer, q.groupBy, q.filters);
    const rows = await this.store.aggregate({ from: q.from, to: q.to, groupBy: q.groupBy, filters: q.filters });
    const sort = q.sort ?? 'tokens';
    rows.sort((a, b) => b[sort] - a[sort]);
    const policed = applyPolicy(viewer, this.policy, rows, q.filters);
    return q.top ? policed.slice(0, q.top) : policed;
  }

  async series(viewer: Viewer, q: SeriesQuery): Promise<PolicedRow[]> {
    const groupBy = q.groupBy ? [q.groupBy] : [];
    checkQuery(viewer, groupBy, q.filters);
    const rows = await this.store.aggregate({ from: q.from, to: q.to, bucket: q.bucket, groupBy, filters: q.filters });
    if (!q.groupBy || !q.top) return applyPolicy(viewer, this.policy, rows, q.filters);
    // Keep the top N groups over the whole range; fold the rest into "(other)".
    const dim = q.groupBy;
    const sort = q.sort ?? 'tokens';
    const totals = new Map<string | null, number>();
    for (const r of rows) totals.set(r.keys[dim] ?? null, (totals.get(r.keys[dim] ?? null) ?? 0) + r[sort]);
    const keep = new Set([...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, q.top).map(([k]) => k));
    const out: AggregateRow[] = [];
    const other = new Map<number, AggregateRow>();
    for (const r of rows) {
      if (keep.has(r.keys[dim] ?? null)) {
        out.push(r);
        continue;
      }
      const o = other.get(r.bucket!);
      if (!o) other.set(r.bucket!, { ...r, keys: { [dim]: OTHER } });
      else addTotals(o, r);
    }
    // People in "(other)" may be double counted across groups; it is an upper bound.
    out.push(...other.values());
    out.sort((a, b) => a.bucket! - b.bucket!);
    return applyPolicy(viewer, this.policy, out, q.filters);
  }
}

const ADDITIVE: (keyof Totals)[] = [
  'events', 'requests', 'input', 'output', 'cacheRead', 'cacheWrite', 'reasoning', 'tokens', 'cost', 'costReported',
  'costComputed', 'unpricedTokens', 'people', 'sessions', 'linesAdded', 'linesRemoved', 'commits', 'pullRequests', 'activeSeconds',
  'editsAccepted', 'editsRejected',
];

function addTotals(into: Totals, r: Totals): void {
  for (const k of ADDITIVE) into[k] += r[k];
}
