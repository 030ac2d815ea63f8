/**
 * The HTTP application: ingest, query endpoints, health, OpenAPI document and
 * the overview page. Routes are declarations; the work happens in
 * src/ingest (writes) and src/query (reads, privacy policy).
 */
import { createHash } from 'node:crypto';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { UsageEventSchema } from '../domain/event.js';
import { Ingestor, MAX_BATCH_EVENTS, MAX_BODY_BYTES, validateBatch } from '../ingest/pipeline.js';
import { PolicyError, type Viewer } from '../query/policy.js';
import { QueryService } from '../query/service.js';
import type { Store } from '../store/types.js';
import { BreakdownParams, RangeParams, SeriesParams, parseFilters, resolveRange } from './params.js';
import { overviewPage } from './overview.js';

export interface AppDeps {
  store: Store;
  ingestor: Ingestor;
  query: QueryService;
  /** Bearer token that grants the admin role (TOKENBOARD_ADMIN_TOKEN). */
  adminToken?: string;
  /** Most ingest batches processed at once before answering 429. */
  maxInFlight?: number;
  version?: string;
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  if (h?.toLowerCase().startsWith('bearer ')) return h.slice(7).trim();
  return undefined;
}

/** Who is asking. Full sign-in arrives with governance; until then admin token or anonymous. */
export function viewerOf(c: Context, deps: AppDeps): Viewer {
  const token = bearer(c);
  if (deps.adminToken && token && token === deps.adminToken) return { role: 'admin', name: 'admin-token' };
  return { role: 'anonymous' };
}

const ErrorSchema = z
  .object({ error: z.string(), field: z.string().optional(), reason: z.string().optional() })
  .openapi('Error');

const TotalsSchema = z
  .object({
    events: z.number(),
    requests: z.number(),
    input: z.number(),
    output: z.number(),
    cacheRead: z.number(),
    cacheWrite: z.number(),
    reasoning: z.number(),
    tokens: z.number(),
    cost: z.number().openapi({ description: 'USD: reported cost where the source sent one, else list price' }),
    costReported: z.number(),
    costComputed: z.number(),
    people: z.number().openapi({ description: 'distinct active people' }),
    sessions: z.number(),
    linesAdded: z.number(),
    linesRemoved: z.number(),
    commits: z.number(),
    pullRequests: z.number(),
    activeSeconds: z.number(),
    editsAccepted: z.number(),
    editsRejected: z.number(),
  })
  .openapi('Totals');

const RowSchema = z
  .union([
    TotalsSchema.extend({ bucket: z.number().optional(), keys: z.record(z.string(), z.string().nullable()) }),
    z.object({ suppressed: z.literal(true), bucket: z.number().optional(), keys: z.record(z.string(), z.string().nullable()), reason: z.string() }),
  ])
  .openapi('Row');

const IngestResponseSchema = z
  .object({
    accepted: z.number(),
    duplicates: z.number(),
    rejected: z.array(z.object({ index: z.number(), field: z.string(), reason: z.string() })),
  })
  .openapi('IngestResult');

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0]!;
        const field = issue.path.join('.') || '(query)';
        return c.json({ error: `invalid ${field}: ${issue.message}`, field, reason: issue.message }, 400);
      }
    },
  });
  const knownKeys = new Set<string>();
  let inFlight = 0;
  const maxInFlight = deps.maxInFlight ?? 16;

  app.onError((err, c) => {
    if (err instanceof PolicyError) return c.json({ error: err.message }, err.status);
    console.error(err);
    return c.json({ error: 'internal error' }, 500);
  });

  // ---- ingest --------------------------------------------------------------
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

  app.post('/api/v1/events', async (c) => {
    const key = bearer(c) ?? c.req.header('x-tokenboard-ingest-key');
    if (!key) return c.json({ error: 'an ingest key is required (Authorization: Bearer KEY)' }, 401);
    const h = sha256Hex(key);
    if (!knownKeys.has(h)) {
      if (!(await deps.store.hasIngestKey(h))) return c.json({ error: 'unknown ingest key' }, 401);
      knownKeys.add(h);
    }
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
      const { prepared, rejected } = validateBatch(items, deps.ingestor.pricer);
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

  // ---- queries -------------------------------------------------------------
  const summaryRoute = createRoute({
    method: 'get',
    path: '/api/v1/usage/summary',
    summary: 'Totals for a period: tokens by type, cost, requests, active people',
    request: { query: RangeParams },
    responses: { 200: json(z.object({ from: z.string(), to: z.string(), totals: RowSchema }), 'Totals'), 400: json(ErrorSchema, 'Bad parameter'), 403: json(ErrorSchema, 'Not allowed by the privacy policy') },
  });
  app.openapi(summaryRoute, async (c) => {
    const q = c.req.valid('query');
    const range = resolveRange(q);
    const totals = await deps.query.summary(viewerOf(c, deps), { ...range, filters: parseFilters(q) });
    return c.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), totals } as never, 200);
  });

  const breakdownRoute = createRoute({
    method: 'get',
    path: '/api/v1/usage/breakdown',
    summary: 'Totals grouped by one or more dimensions, ranked, with top-N',
    request: { query: BreakdownParams },
    responses: { 200: json(z.object({ from: z.string(), to: z.string(), groupBy: z.array(z.string()), rows: z.array(RowSchema) }), 'Groups'), 400: json(ErrorSchema, 'Bad parameter'), 403: json(ErrorSchema, 'Not allowed by the privacy policy') },
  });
  app.openapi(breakdownRoute, async (c) => {
    const q = c.req.valid('query');
    const range = resolveRange(q);
    const rows = await deps.query.breakdown(viewerOf(c, deps), { ...range, filters: parseFilters(q), groupBy: q.groupBy as never, top: q.top, sort: q.sort });
    return c.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), groupBy: q.groupBy, rows } as never, 200);
  });

  const seriesRoute = createRoute({
    method: 'get',
    path: '/api/v1/usage/series',
    summary: 'Totals over time (hour, day, week, month), optionally per group with top-N',
    request: { query: SeriesParams },
    responses: { 200: json(z.object({ from: z.string(), to: z.string(), bucket: z.string(), rows: z.array(RowSchema) }), 'Series'), 400: json(ErrorSchema, 'Bad parameter'), 403: json(ErrorSchema, 'Not allowed by the privacy policy') },
  });
  app.openapi(seriesRoute, async (c) => {
    const q = c.req.valid('query');
    const range = resolveRange(q);
    const rows = await deps.query.series(viewerOf(c, deps), { ...range, filters: parseFilters(q), bucket: q.bucket, groupBy: q.groupBy, top: q.top, sort: q.sort });
    return c.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), bucket: q.bucket, rows } as never, 200);
  });

  app.get('/healthz', async (c) => {
    await deps.store.getMeta('schema');
    return c.json({ status: 'ok', version: deps.version ?? 'dev', store: deps.store.dialect });
  });

  app.doc('/api/openapi.json', {
    openapi: '3.0.3',
    info: { title: 'tokenboard API', version: deps.version ?? 'dev', description: 'Self-hosted AI-usage analytics. Usage is a dashboard, not a productivity score.' },
  });

  app.get('/', async (c) => c.html(await overviewPage(deps.query, viewerOf(c, deps))));

  return app;
}

function tooLarge(c: Context) {
  return c.json({ error: `batch too large: at most ${MAX_BATCH_EVENTS} events and ${MAX_BODY_BYTES} bytes per request` }, 413);
}
