/**
 * The Pricer used by ingest and by cost recomputation: catalogue list prices,
 * then organisation overrides (a contract price wins over list; a vendor
 * discount applies to list). Unknown models price as null (unknown), never 0.
 */
import type { ModelInfo } from '@pydantic/genai-prices';
import { Catalogue, RATE_KEYS, rateAt, type CatalogueModel, type Rates, type TieredRate } from './catalogue.js';
import type { PriceOverride } from './overrides.js';
import type { PriceInput, Pricer } from './pricer.js';

export interface Quote {
  catalogue: CatalogueModel | null;
  /** Rates that apply (after contract), tiered. */
  rates: Rates;
  /** Multiplier after discounts (1 = list). */
  multiplier: number;
  source: 'catalogue' | 'contract';
  overrideIds: number[];
}

const flat = (v: number): TieredRate => ({ base: v, tiers: [] });

export class CataloguePricer implements Pricer {
  private overrides: PriceOverride[] = [];

  constructor(
    readonly catalogue: Catalogue = new Catalogue(),
    overrides: PriceOverride[] = [],
  ) {
    this.setOverrides(overrides);
  }

  setOverrides(overrides: PriceOverride[]): void {
    // Latest start wins when overrides overlap.
    this.overrides = [...overrides].sort((a, b) => b.validFrom - a.validFrom || b.id - a.id);
  }

  getOverrides(): PriceOverride[] {
    return this.overrides;
  }

  private matches(o: PriceOverride, provider: string, model: string, cat: { provider: { id: string }; model: ModelInfo } | null, time: number): boolean {
    if (time < o.validFrom || (o.validTo !== null && time >= o.validTo)) return false;
    const p = o.provider;
    if (p !== '*' && p !== provider.toLowerCase() && p !== cat?.provider.id) return false;
    if (!o.model) return true;
    const m = o.model.toLowerCase();
    return m === model.toLowerCase() || m === cat?.model.id.toLowerCase();
  }

  quote(provider: string, model: string, time: number): Quote | null {
    const cat = this.catalogue.resolve(provider, model);
    const ids: number[] = [];
    let rates: Rates | null = null;
    let source: Quote['source'] = 'catalogue';
    const contract = this.overrides.find((o) => o.kind === 'contract' && this.matches(o, provider, model, cat, time));
    if (contract?.rates) {
      const r = contract.rates;
      const input = flat(r.input ?? 0);
      const output = flat(r.output ?? 0);
      const cacheWrite = r.cacheWrite !== undefined ? flat(r.cacheWrite) : input;
      rates = {
        input,
        output,
        cacheRead: r.cacheRead !== undefined ? flat(r.cacheRead) : input,
        cacheWrite,
        cacheWrite1h: r.cacheWrite1h !== undefined ? flat(r.cacheWrite1h) : cacheWrite,
        reasoning: r.reasoning !== undefined ? flat(r.reasoning) : output,
      };
      source = 'contract';
      ids.push(contract.id);
    } else if (cat) {
      rates = this.catalogue.rates(cat.model, time);
    }
    if (!rates) return null;
    let multiplier = 1;
    if (source === 'catalogue') {
      const discount = this.overrides.find((o) => o.kind === 'discount' && this.matches(o, provider, model, cat, time));
      if (discount?.discount) {
        multiplier = 1 - discount.discount;
        ids.push(discount.id);
      }
    }
    return {
      catalogue: cat ? { provider: cat.provider.id, id: cat.model.id, name: cat.model.name ?? cat.model.id } : null,
      rates,
      multiplier,
      source,
      overrideIds: ids,
    };
  }

  constantPrice(provider: string, model: string): ((tokens: PriceInput['tokens']) => number) | null | undefined {
    if (this.overrides.length > 0) return undefined;
    const cat = this.catalogue.resolve(provider, model);
    if (!cat) return null;
    if (Array.isArray(cat.model.prices)) return undefined;
    const rates = this.catalogue.rates(cat.model, 0);
    return (tokens) => costMicrosAt(rates, 1, tokens);
  }

  priceMicros(e: PriceInput): number | null {
    if (this.overrides.length === 0) {
      // The common case on the ingest path: list prices, no allocation beyond the cached lookups.
      const cat = this.catalogue.resolve(e.provider, e.model);
      return cat ? costMicrosAt(this.catalogue.rates(cat.model, e.time), 1, e.tokens, e.requests) : null;
    }
    const q = this.quote(e.provider, e.model, e.time);
    return q ? costMicros(q, e.tokens, e.requests) : null;
  }
}

/**
 * Cost of a token split under a quote. Tiers are chosen by the prompt size
 * (input + cache read + cache write) per request; an event or rollup row that
 * sums several requests uses their average.
 */
export function costMicros(q: Quote, t: PriceInput['tokens'], requests = 1): number {
  return costMicrosAt(q.rates, q.multiplier, t, requests);
}

function costMicrosAt(r: Rates, multiplier: number, t: PriceInput['tokens'], requests = 1): number {
  const prompt = (t.input + t.cacheRead + t.cacheWrite) / Math.max(1, requests);
  const reasoning = Math.min(t.reasoning, t.output);
  const write1h = Math.min(t.cacheWrite1h ?? 0, t.cacheWrite);
  const usdTimesMillion =
    t.input * rateAt(r.input, prompt) +
    (t.output - reasoning) * rateAt(r.output, prompt) +
    reasoning * rateAt(r.reasoning, prompt) +
    t.cacheRead * rateAt(r.cacheRead, prompt) +
    (t.cacheWrite - write1h) * rateAt(r.cacheWrite, prompt) +
    write1h * rateAt(r.cacheWrite1h, prompt);
  // tokens x USD per million tokens = micro-USD
  return Math.round(usdTimesMillion * multiplier);
}

/** Base (untiered) rates of a quote, for display. */
export function baseRates(q: Quote): Rates<number> {
  const out = {} as Rates<number>;
  for (const k of RATE_KEYS) out[k] = q.rates[k].base * q.multiplier;
  return out;
}
