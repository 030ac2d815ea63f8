import { describe, expect, it } from 'vitest';
import { UsageEventSchema } from '../../src/domain/event.js';
import { event, makeApp, send } from '../directory/support.js';

const MAY = { from: Date.parse('2026-05-01'), to: Date.parse('2026-06-01') };
const JUNE = { from: Date.parse('2026-06-01'), to: Date.parse('2026-07-01') };
const tokens = { input: 100_000, output: 10_000 }; // $0.30 + $0.15 at Sonnet 4.5 list prices

async function seeded() {
  const ctx = makeApp();
  await ctx.store.upsertPeople([{ email: 'ana@example.com', team: 'Platform' }]);
  const events = [
    event('2026-05-04T09:00:00Z', { tokens }),
    event('2026-05-04T09:30:00Z', { tokens }),
    event('2026-05-20T12:00:00Z', { tokens, source: 'anthropic-api', reportedCost: 0.6 }),
    event('2026-06-10T12:00:00Z', { tokens }),
    event('2026-05-21T12:00:00Z', { tokens, model: 'acme-llm', provider: 'acme' }),
  ].map((e) => UsageEventSchema.parse(e));
  await ctx.deps.ingestor.ingestEvents(events);
  return ctx;
}

const month = async (store: Awaited<ReturnType<typeof seeded>>['store'], range: { from: number; to: number }) => {
  const r = (await store.aggregate(range))[0]!;
  return { computed: round(r.costComputed), best: round(r.cost), reported: round(r.costReported) };
};
const round = (x: number) => Math.round(x * 1e6) / 1e6;

describe('organisation price overrides', () => {
  it('a vendor discount changes a past month and nothing else; deleting it restores list price', async () => {
    const { app, store } = await seeded();
    expect(await month(store, MAY)).toEqual({ computed: 1.35, best: 1.5, reported: 0.6 });
    expect(await month(store, JUNE)).toEqual({ computed: 0.45, best: 0.45, reported: 0 });

    const denied = await send(app, '/api/v1/pricing/overrides', { body: { kind: 'discount', provider: 'anthropic', discount: 0.2 }, headers: { authorization: '' } });
    expect(denied.status).toBe(401);
    const invalid = await send(app, '/api/v1/pricing/overrides', { body: { kind: 'discount', provider: 'anthropic', discount: 20 } });
    expect(invalid).toMatchObject({ status: 400, body: { field: 'discount' } });

    const added = await send(app, '/api/v1/pricing/overrides', {
      body: { kind: 'discount', provider: 'anthropic', discount: 0.2, validFrom: '2026-05-01', validTo: '2026-06-01', note: 'EA 2026' },
    });
    expect(added.status).toBe(201);
    expect(added.body.recomputed).toMatchObject({ events: 3, fromRollups: 0 });
    // 3 x $0.45 x 0.8; the reported $0.60 stays the best figure for its event.
    expect(await month(store, MAY)).toEqual({ computed: 1.08, best: 1.32, reported: 0.6 });
    expect(await month(store, JUNE)).toEqual({ computed: 0.45, best: 0.45, reported: 0 });
    // Raw events and rollups agree.
    const raw = await store.rawTotals();
    expect(raw.costComputedMicros).toBe(1_530_000);

    // New events in the discounted period are priced with the discount at ingest too.
    const quote = await send(app, '/api/v1/pricing/models?model=claude-sonnet-4-5-20250929&provider=anthropic&at=2026-05-15');
    expect(quote.body).toMatchObject({ source: 'catalogue', multiplier: 0.8, catalogue: { id: 'claude-sonnet-4-5' } });
    expect(quote.body.baseRates.input).toBeCloseTo(2.4);

    const del = await send(app, `/api/v1/pricing/overrides/${added.body.override.id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await month(store, MAY)).toEqual({ computed: 1.35, best: 1.5, reported: 0.6 });
  });

  it('a contract price recomputes from rollups after raw events are pruned', async () => {
    const { app, store } = await seeded();
    await store.pruneRawBefore(Date.parse('2026-09-01'));
    const added = await send(app, '/api/v1/pricing/overrides', {
      body: { kind: 'contract', provider: 'anthropic', model: 'claude-sonnet-4-5', rates: { input: 1, output: 5 }, validFrom: '2026-06-01', validTo: '2026-07-01' },
    });
    expect(added.body.recomputed.fromRollups).toBeGreaterThan(0);
    expect(await month(store, JUNE)).toEqual({ computed: 0.15, best: 0.15, reported: 0 });
    expect(await month(store, MAY)).toEqual({ computed: 1.35, best: 1.5, reported: 0.6 });
    // Hourly rollups were recomputed the same way.
    const hourly = (await store.aggregate({ from: JUNE.from + 3600_000, to: JUNE.to }))[0]!;
    expect(round(hourly.costComputed)).toBe(0.15);
  });

  it('reports unknown models as unknown and shows where reported and computed cost disagree', async () => {
    const { app } = await seeded();
    const r = await send(app, '/api/v1/pricing/report?from=2026-05-01&to=2026-06-01');
    expect(r.status).toBe(200);
    expect(r.body.unpricedModels).toEqual(['acme/acme-llm']);
    expect(r.body.unpricedTokens).toBe(110_000);
    const reported = r.body.rows.find((x: { source: string }) => x.source === 'anthropic-api');
    expect(reported).toMatchObject({ priced: 'catalogue', costReported: 0.6, computedWhereReported: 0.45, difference: 0.15, disagrees: true });
    expect(r.body.disagreements).toBe(1);
    const acme = r.body.rows.find((x: { model: string }) => x.model === 'acme-llm');
    expect(acme).toMatchObject({ priced: 'unknown', costComputed: 0 });
    const unknownQuote = await send(app, '/api/v1/pricing/models?model=acme-llm&provider=acme');
    expect(unknownQuote.status).toBe(404);
    // Usage totals say how many tokens their cost leaves out.
    const summary = await send(app, '/api/v1/usage/summary?from=2026-05-01&to=2026-06-01');
    expect(summary.body.totals).toMatchObject({ unpricedTokens: 110_000, costComputed: 1.35 });
    // Pricing the model by contract moves its tokens out of "unpriced" and into cost.
    await send(app, '/api/v1/pricing/overrides', { body: { kind: 'contract', provider: 'acme', model: 'acme-llm', rates: { input: 1, output: 1 } } });
    const after = await send(app, '/api/v1/usage/summary?from=2026-05-01&to=2026-06-01');
    expect(after.body.totals).toMatchObject({ unpricedTokens: 0, costComputed: 1.46 });
  });
});
