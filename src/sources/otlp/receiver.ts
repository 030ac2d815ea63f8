/**
 * The OTLP receiver: decoded export requests in, usage events stored.
 * Pipeline per request: map (./metrics.ts, ./records.ts) -> validate and
 * price (./validate.ts, the ingest pipeline's schema and pricing) -> store events and cumulative series state in one
 * transaction.
 *
 * Requests that carry cumulative points run one at a time, so two exports of
 * the same series never read the same state (one process; a multi-instance
 * PostgreSQL deployment needs the state rows locked in the transaction).
 */
import type { Pricer } from '../../pricing/pricer.js';
import type { Store } from '../../store/types.js';
import { collectMetricPoints, pointsToEvents, type PendingEvent } from './metrics.js';
import type { ExportRequest, LogsRequest, MetricsRequest, Signal, TracesRequest } from './model.js';
import { mapLogs, mapSpans } from './records.js';
import type { OtlpOptions } from './rules.js';
import { decodeState, encodeState, type SeriesState } from './temporality.js';
import { validateEvents } from './validate.js';

export interface ReceiveResult {
  /** Usage events stored. */
  accepted: number;
  /** Events already stored (a retried export). */
  duplicates: number;
  /** Cumulative points already counted (a retried or out-of-order export). */
  stale: number;
  /** Points, records or spans refused, with the first reasons. */
  rejected: number;
  errors: string[];
}

const STATE_PREFIX = 'otlp:';

export class OtlpReceiver {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly pricer: Pricer,
    readonly options: OtlpOptions = {},
  ) {}

  async receive(signal: Signal, req: ExportRequest): Promise<ReceiveResult> {
    if (signal === 'metrics') return this.receiveMetrics(req as MetricsRequest);
    const r = signal === 'logs' ? mapLogs(req as LogsRequest, this.options) : mapSpans(req as TracesRequest, this.options);
    return this.store_(r.events, r.rejected, r.errors, 0);
  }

  private async receiveMetrics(req: MetricsRequest): Promise<ReceiveResult> {
    const c = collectMetricPoints(req, this.options);
    const cumulative = [...new Set(c.points.filter((p) => p.temporality === 2).map((p) => p.seriesId))];
    const run = async () => {
      const state = new Map<string, SeriesState>();
      if (cumulative.length) {
        const stored = await this.store.getSourceState(cumulative.map((id) => STATE_PREFIX + id));
        for (const [k, v] of stored) {
          const s = decodeState(v);
          if (s) state.set(k.slice(STATE_PREFIX.length), s);
        }
      }
      const { events, stale } = pointsToEvents(c.points, state);
      return this.store_(events, c.rejected, c.errors, stale);
    };
    if (!cumulative.length) return run();
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async store_(pending: PendingEvent[], rejected: number, errors: string[], stale: number): Promise<ReceiveResult> {
    const withEvent = pending.filter((p) => p.event);
    const { prepared, rejected: invalid } = validateEvents(withEvent.map((p) => p.event!), this.pricer);
    const bad = new Set(invalid.map((r) => r.index));
    for (const r of invalid.slice(0, Math.max(0, 5 - errors.length))) errors.push(`${r.field} ${r.reason}`);
    // A series whose event was refused keeps its old state: its usage is counted with its next point instead.
    const refused = new Set(withEvent.filter((_, i) => bad.has(i)));
    const state: [string, string][] = [];
    for (const p of pending) if (!refused.has(p)) for (const [id, s] of p.state) state.push([STATE_PREFIX + id, encodeState(s)]);
    const r = prepared.length || state.length ? await this.store.ingestWithState(prepared, state) : { accepted: 0, duplicates: 0 };
    return { accepted: r.accepted, duplicates: r.duplicates, stale, rejected: rejected + invalid.length, errors };
  }
}
