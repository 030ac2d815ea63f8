/** Usage query endpoints for dashboard panels. All reads go through the query layer. */
import { createRoute, z } from '@hono/zod-openapi';
import { guard } from '../../auth/guard.js';
import { BreakdownParams, RangeParams, SeriesParams, parseFilters, resolveRange } from '../params.js';
import { ErrorSchema, json, viewerOf, type App, type AppDeps } from '../context.js';

export const TotalsSchema = z
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
    unpricedTokens: z.number().openapi({ description: 'tokens on models with no known price: their cost is unknown and not in cost' }),
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

export const RowSchema = z
  .union([
    TotalsSchema.extend({ bucket: z.number().optional(), keys: z.record(z.string(), z.string().nullable()) }),
    z.object({ suppressed: z.literal(true), bucket: z.number().optional(), keys: z.record(z.string(), z.string().nullable()), reason: z.string() }),
  ])
  .openapi('Row');


export function registerUsageRoutes(app: App, deps: AppDeps): void {
  const summaryRoute = createRoute({
    method: 'get',
    path: '/api/v1/usage/summary',
    summary: 'Totals for a period: tokens by type, cost, requests, active people',
    middleware: [guard('usage:read')] as const,
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
    middleware: [guard('usage:read')] as const,
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
    middleware: [guard('usage:read')] as const,
    request: { query: SeriesParams },
    responses: { 200: json(z.object({ from: z.string(), to: z.string(), bucket: z.string(), rows: z.array(RowSchema) }), 'Series'), 400: json(ErrorSchema, 'Bad parameter'), 403: json(ErrorSchema, 'Not allowed by the privacy policy') },
  });
  app.openapi(seriesRoute, async (c) => {
    const q = c.req.valid('query');
    const range = resolveRange(q);
    const rows = await deps.query.series(viewerOf(c, deps), { ...range, filters: parseFilters(q), bucket: q.bucket, groupBy: q.groupBy, top: q.top, sort: q.sort });
    return c.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), bucket: q.bucket, rows } as never, 200);
  });

}
