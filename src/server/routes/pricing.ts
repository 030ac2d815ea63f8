/**
 * Pricing API: the bundled catalogue, model quotes, organisation overrides
 * (which recompute the cost of the period they cover), explicit recompute,
 * and the reported-vs-computed report. Admin only.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { snapshotInfo } from '../../pricing/catalogue.js';
import { baseRates, CataloguePricer } from '../../pricing/catalogue-pricer.js';
import { overridePeriod, PriceOverrideInputSchema } from '../../pricing/overrides.js';
import { pricingReport } from '../../pricing/report.js';
import type { Store } from '../../store/types.js';
import { RangeParams, resolveRange } from '../params.js';
import { ErrorSchema, json, type App, type AppDeps } from '../context.js';
import { adminOnly } from './admin.js';
import { validJson, validQuery } from './validate.js';
import { guard } from '../../auth/guard.js';

/** Load the stored overrides into the pricer the ingest pipeline uses. */
export async function loadPriceOverrides(store: Store, pricer: CataloguePricer): Promise<void> {
  pricer.setOverrides(await store.listPriceOverrides());
}

const date = z.string().refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 date or time');
const QuoteQuery = z.object({ model: z.string().min(1).max(200), provider: z.string().max(100).optional(), at: date.optional() });
const RecomputeBody = z.object({ from: date, to: date }).strict();
const ReportQuery = RangeParams.pick({ from: true, to: true }).extend({ threshold: z.coerce.number().min(0).max(10).optional() });

export function registerPricingRoutes(app: App, deps: AppDeps): void {
  const pricer = deps.ingestor.pricer;
  if (!(pricer instanceof CataloguePricer)) return; // a custom pricer (tests, embedding) manages its own prices
  // better-sqlite3 answers synchronously, so this settles before the server takes its first request.
  void loadPriceOverrides(deps.store, pricer);

  app.get('/api/v1/pricing/catalogue', guard('usage:read'), (c) => c.json(snapshotInfo(), 200));

  const quoteRoute = createRoute({
    method: 'get',
    path: '/api/v1/pricing/models',
    summary: 'The rates that apply to a model at a time (list, contract, discount), USD per million tokens',
    request: { query: QuoteQuery },
    responses: { 200: json(z.record(z.string(), z.unknown()), 'Quote'), 404: json(ErrorSchema, 'Unknown model: priced as unknown, not zero') },
  });
  app.openAPIRegistry.registerPath(quoteRoute);
  app.get(quoteRoute.path, guard('usage:read'), (c) => {
    const q = validQuery(c, QuoteQuery);
    if (!q.ok) return q.response;
    const at = q.data.at ? Date.parse(q.data.at) : Date.now();
    const quote = pricer.quote(q.data.provider ?? 'unknown', q.data.model, at);
    if (!quote) return c.json({ error: `no price known for ${q.data.model}: its cost is shown as unknown`, field: 'model', reason: 'unknown model' }, 404);
    return c.json({ model: q.data.model, at: new Date(at).toISOString(), ...quote, baseRates: baseRates(quote) }, 200);
  });

  app.get('/api/v1/pricing/overrides', guard('pricing:write'), async (c) => adminOnly(c, deps) ?? c.json({ overrides: await deps.store.listPriceOverrides() }, 200));

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/api/v1/pricing/overrides',
    summary: 'Add a vendor discount or a contract price per model, with effective dates; the cost of that period is recomputed',
    request: { body: { content: { 'application/json': { schema: PriceOverrideInputSchema } } } },
    responses: { 201: json(z.record(z.string(), z.unknown()), 'Added and recomputed'), 400: json(ErrorSchema, 'Bad override'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.post('/api/v1/pricing/overrides', guard('pricing:write'), async (c) => {
    const b = await validJson(c, PriceOverrideInputSchema);
    if (!b.ok) return b.response;
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const override = await deps.store.addPriceOverride(b.data);
    await loadPriceOverrides(deps.store, pricer);
    const period = overridePeriod(override);
    const recomputed = await deps.store.recomputeCosts(period.from, period.to, pricer);
    return c.json({ override, recomputed }, 201);
  });

  app.delete('/api/v1/pricing/overrides/:id', guard('pricing:write'), async (c) => {
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const gone = await deps.store.deletePriceOverride(Number(c.req.param('id')));
    if (!gone) return c.json({ error: 'no such override' }, 404);
    await loadPriceOverrides(deps.store, pricer);
    const period = overridePeriod(gone);
    return c.json({ deleted: gone, recomputed: await deps.store.recomputeCosts(period.from, period.to, pricer) }, 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/api/v1/pricing/recompute',
    summary: 'Recompute computed cost for a period with the current catalogue and overrides (e.g. after refreshing the snapshot)',
    request: { body: { content: { 'application/json': { schema: RecomputeBody } } } },
    responses: { 200: json(z.record(z.string(), z.unknown()), 'Recomputed'), 400: json(ErrorSchema, 'Bad period'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.post('/api/v1/pricing/recompute', guard('pricing:write'), async (c) => {
    const b = await validJson(c, RecomputeBody);
    if (!b.ok) return b.response;
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const from = Date.parse(b.data.from);
    const to = Date.parse(b.data.to);
    if (to <= from) return c.json({ error: 'invalid to: must be after from', field: 'to', reason: 'must be after from' }, 400);
    return c.json({ recomputed: await deps.store.recomputeCosts(from, to, pricer) }, 200);
  });

  const reportRoute = createRoute({
    method: 'get',
    path: '/api/v1/pricing/report',
    summary: 'Per model and source: tokens, reported vs computed cost, where they disagree, and models with no known price',
    request: { query: ReportQuery },
    responses: { 200: json(z.record(z.string(), z.unknown()), 'Report'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.openAPIRegistry.registerPath(reportRoute);
  app.get(reportRoute.path, guard('pricing:write'), async (c) => {
    const q = validQuery(c, ReportQuery);
    if (!q.ok) return q.response;
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const range = resolveRange(q.data);
    const usage = await deps.store.streamUsage(range.from, range.to);
    return c.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), ...pricingReport(usage, pricer, range.to - 1, q.data.threshold) }, 200);
  });
}
