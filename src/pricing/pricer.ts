/**
 * Pricing: turns token counts into list-price cost. The pipeline asks a Pricer
 * for every event; the catalogue behind it is replaceable (see src/pricing).
 */
import type { UsageEvent } from '../domain/event.js';

export interface Pricer {
  /** Cost in micro-USD, or null when the model is not in the catalogue. */
  priceMicros(event: Pick<UsageEvent, 'model' | 'tokens' | 'time'> & { provider: string }): number | null;
}

/** Per-million-token prices in USD. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** Prices from a plain table keyed by model-name prefix (longest prefix wins). */
export class TablePricer implements Pricer {
  private entries: [string, ModelPrice][];
  constructor(table: Record<string, ModelPrice>) {
    this.entries = Object.entries(table).sort((a, b) => b[0].length - a[0].length);
  }
  lookup(model: string): ModelPrice | null {
    const m = model.toLowerCase();
    for (const [prefix, price] of this.entries) if (m.startsWith(prefix)) return price;
    return null;
  }
  priceMicros(e: Pick<UsageEvent, 'model' | 'tokens'>): number | null {
    const p = this.lookup(e.model);
    if (!p) return null;
    const t = e.tokens;
    const usd =
      t.input * p.input +
      t.output * p.output +
      t.cacheRead * (p.cacheRead ?? p.input) +
      t.cacheWrite * (p.cacheWrite ?? p.input);
    return Math.round(usd); // tokens x USD per million = micro-USD
  }
}
