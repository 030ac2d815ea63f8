/** POST /api/v1/events: the HTTP door into the ingest pipeline. */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { UsageEventSchema } from '../../domain/event.js';
import { MAX_BATCH_EVENTS, MAX_BODY_BYTES, validateBatch } from '../../ingest/pipeline.js';
import { guard } from '../../auth/guard.js';
import { ErrorSchema, json, viewerOf, type App, type AppDeps } from '../context.js';

const IngestResponseSchema = z
  .object({
    accepted: z.number(),
    duplicates: z.number(),
    rejected: z.array(z.object({ index: z.number(), field: z.string(), reason: z.string() })),
  })
  .openapi('IngestResult');

export function registerIngestRoutes(app: App, deps: AppDeps): void {
  let inFlight = 0;
  const maxInFlight = deps.maxInFlight ?? 16;

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/api/v1/events',
    summary: 'Send a batch of usage events',
    description:
      `Up to ${MAX_BATCH_EVENTS} events or ${MAX_BODY_BYTES} bytes per request (413 beyond). Needs an ingest key ` +
      '(`Authorization: Bearer KEY` or `X-Tokenboard-Ingest-Key`). Valid items are stored atomically; invalid ones are ' +
      'reported by index, field and reason. `?atomic=true` stores nothing if any item is invalid. Resending an event ' +
      'with the same key (or identical content when it has no key) counts it once.',
    request: { body: { content: { 'application/json': { schema: z.object({ events: z.array(UsageEventSchema) }) } } } },
    responses: {
      200: json(IngestResponseSchema, 'Stored (some items may be rejected)'),
      400: json(ErrorSchema, 'Malformed batch, or every item rejected'),
      401: json(ErrorSchema, 'Missing or unknown ingest key'),
      413: json(ErrorSchema, 'Batch too large'),
      429: json(ErrorSchema, 'Too many batches in flight; retry after the Retry-After seconds'),
    },
  });

  // The key (Authorization: Bearer or X-Tokenboard-Ingest-Key) is resolved by the authenticate middleware.
  app.post('/api/v1/events', guard('usage:ingest'), async (c) => {
    const sources = viewerOf(c).sources;
    const len = Number(c.req.header('content-length') ?? 0);
    if (len > MAX_BODY_BYTES) return tooLarge(c);
    if (inFlight >= maxInFlight) {
      c.header('Retry-After', '1');
      return c.json({ error: 'server busy: too many batches in flight' }, 429);
    }
    inFlight++;
    try {
      const buf = await c.req.arrayBuffer();
      if (buf.byteLength > MAX_BODY_BYTES) return tooLarge(c);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(buf).toString('utf8'));
      } catch (e) {
        return c.json({ error: `body is not valid JSON: ${(e as Error).message}`, field: '(body)', reason: 'invalid JSON' }, 400);
      }
      const items = Array.isArray(body) ? body : (body as { events?: unknown })?.events;
      if (!Array.isArray(items)) {
        return c.json({ error: 'body must be {"events": [...]}', field: 'events', reason: 'must be an array' }, 400);
      }
      if (items.length > MAX_BATCH_EVENTS) return tooLarge(c);
      const atomic = c.req.query('atomic') === 'true';
      const validated = validateBatch(items, deps.ingestor.pricer);
      const { prepared, rejected } = sources ? limitSources(items.length, validated, sources) : validated;
      if (rejected.length && (atomic || prepared.length === 0)) {
        const first = rejected[0]!;
        return c.json(
          {
            error: `events[${first.index}].${first.field} ${first.reason}`,
            field: `events[${first.index}].${first.field}`,
            reason: first.reason,
            accepted: 0,
            duplicates: 0,
            rejected,
          },
          400,
        );
      }
      const r = prepared.length ? await deps.store.ingest(prepared) : { accepted: 0, duplicates: 0 };
      return c.json({ accepted: r.accepted, duplicates: r.duplicates, rejected }, 200);
    } finally {
      inFlight--;
    }
  });

}

/**
 * Drop items from sources the key may not write, reporting them by index.
 * validateBatch keeps order, so the n-th prepared item is the n-th item that was not rejected.
 */
function limitSources(count: number, v: ReturnType<typeof validateBatch>, sources: readonly string[]) {
  const bad = new Set(v.rejected.map((r) => r.index));
  const indices: number[] = [];
  for (let i = 0; i < count; i++) if (!bad.has(i)) indices.push(i);
  const rejected = [...v.rejected];
  const prepared = v.prepared.filter((p, n) => {
    if (sources.includes(p.event.source)) return true;
    rejected.push({ index: indices[n]!, field: 'source', reason: `this ingest key may only send ${sources.join(', ')}` });
    return false;
  });
  rejected.sort((a, b) => a.index - b.index);
  return { prepared, rejected };
}

function tooLarge(c: Context) {
  return c.json({ error: `batch too large: at most ${MAX_BATCH_EVENTS} events and ${MAX_BODY_BYTES} bytes per request` }, 413);
}
