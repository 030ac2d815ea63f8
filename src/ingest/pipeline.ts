/**
 * The ingest pipeline every source goes through:
 *   validate (zod) -> normalise (tool, provider, idempotency key) -> price -> store.
 * A batch is applied atomically except for the items reported as rejected.
 */
import { createHash, hash } from 'node:crypto';
import { inferProvider, parseEvent, type RejectedItem, type UsageEvent } from '../domain/event.js';
import type { Pricer } from '../pricing/pricer.js';
import type { IngestResult, PreparedEvent, Store } from '../store/types.js';

/** Largest batch accepted in one request (items); larger gets 413. */
export const MAX_BATCH_EVENTS = 10_000;
/** Largest request body accepted (bytes); larger gets 413. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface BatchResult extends IngestResult {
  rejected: RejectedItem[];
}

/** A stable key for an event that came without one: a hash of its content. */
function contentKey(e: UsageEvent): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify([
      e.time,
      e.source,
      e.tool ?? '',
      e.provider ?? '',
      e.model,
      e.identity,
      e.sessionId ?? '',
      e.tokens,
      e.requests,
      e.reportedCost ?? null,
      e.attributes ?? null,
      e.activity ?? null,
    ]),
  );
  return h.digest('base64url');
}

export function keyHash(source: string, key: string): Buffer {
  return (hash('sha256', `${source}\0${key}`, 'buffer') as unknown as Buffer).subarray(0, 16);
}

export function prepare(e: UsageEvent, pricer: Pricer): PreparedEvent {
  const provider = e.provider ?? inferProvider(e.model);
  return {
    event: e,
    keyHash: keyHash(e.source, e.key ?? contentKey(e)),
    tool: e.tool ?? e.source,
    provider,
    costMicros: pricer.priceMicros({ model: e.model, tokens: e.tokens, time: e.time, provider, requests: e.requests }),
  };
}

export function validateBatch(items: unknown[], pricer: Pricer): { prepared: PreparedEvent[]; rejected: RejectedItem[] } {
  const prepared: PreparedEvent[] = [];
  const rejected: RejectedItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const r = parseEvent(items[i], i);
    if (r.ok) prepared.push(prepare(r.event, pricer));
    else rejected.push(r.rejected);
  }
  return { prepared, rejected };
}

export class Ingestor {
  constructor(
    readonly store: Store,
    readonly pricer: Pricer,
  ) {}

  /** Validate and store a batch of raw items. */
  async ingest(items: unknown[]): Promise<BatchResult> {
    const { prepared, rejected } = validateBatch(items, this.pricer);
    const r = prepared.length ? await this.store.ingest(prepared) : { accepted: 0, duplicates: 0 };
    return { ...r, rejected };
  }

  /** Store already-validated events (sources inside the process). */
  async ingestEvents(events: UsageEvent[]): Promise<IngestResult> {
    return this.store.ingest(events.map((e) => prepare(e, this.pricer)));
  }
}
