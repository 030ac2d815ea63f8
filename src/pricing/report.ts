/**
 * The pricing report: per stream (source, tool, provider, model), the tokens,
 * the cost the source reported, the cost tokenboard computed, whether the
 * model is priced at all, and where reported and computed disagree.
 */
import type { StreamUsage } from '../store/types.js';
import { baseRates, type CataloguePricer } from './catalogue-pricer.js';

export interface PricingReportRow extends StreamUsage {
  tokens: number;
  /** 'catalogue', 'contract', or 'unknown' (no price: its cost is unknown, not zero). */
  priced: 'catalogue' | 'contract' | 'unknown';
  catalogueModel: string | null;
  /** Reported minus computed for the events that reported a cost, USD (null when none reported). */
  difference: number | null;
  /** |difference| / reported. */
  differenceRatio: number | null;
  disagrees: boolean;
}

export interface PricingReport {
  rows: PricingReportRow[];
  unpricedTokens: number;
  unpricedModels: string[];
  disagreements: number;
}

export function pricingReport(usage: StreamUsage[], pricer: CataloguePricer, at: number, threshold = 0.05): PricingReport {
  const rows: PricingReportRow[] = usage.map((u) => {
    const q = pricer.quote(u.provider, u.model, at);
    const tokens = u.input + u.output + u.cacheRead + u.cacheWrite;
    let difference: number | null = null;
    let differenceRatio: number | null = null;
    if (u.reportedEvents && u.computedWhereReported !== undefined) {
      difference = round6(u.costReported - u.computedWhereReported);
      differenceRatio = u.costReported > 0 ? Math.abs(difference) / u.costReported : u.computedWhereReported > 0 ? 1 : 0;
    }
    return {
      ...u,
      tokens,
      priced: q ? q.source : 'unknown',
      catalogueModel: q?.catalogue ? `${q.catalogue.provider}/${q.catalogue.id}` : null,
      difference,
      differenceRatio,
      disagrees: !!q && differenceRatio !== null && differenceRatio > threshold,
      ...(q ? { rates: baseRates(q) } : {}),
    };
  });
  rows.sort((a, b) => b.tokens - a.tokens);
  const unpriced = rows.filter((r) => r.priced === 'unknown');
  return {
    rows,
    unpricedTokens: unpriced.reduce((n, r) => n + r.tokens, 0),
    unpricedModels: [...new Set(unpriced.map((r) => `${r.provider}/${r.model}`))].sort(),
    disagreements: rows.filter((r) => r.disagrees).length,
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
