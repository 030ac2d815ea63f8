/**
 * Pricing: turns token counts into cost. The pipeline asks a Pricer for every
 * event; the default is the bundled catalogue plus organisation overrides
 * (src/pricing/catalogue-pricer.ts).
 */
import type { UsageEvent } from '../domain/event.js';

export interface PriceInput {
  model: string;
  provider: string;
  /** Epoch ms: prices and overrides change over time. */
  time: number;
  tokens: UsageEvent['tokens'] & { cacheWrite1h?: number };
  /** Requests the token counts cover; tiered (long-context) rates use the average prompt per request. */
  requests?: number;
}

export interface Pricer {
  /** Cost in micro-USD, or null when the model has no known price. */
  priceMicros(event: PriceInput): number | null;
  /**
   * For pricing many events of one model: when its price does not depend on the time (no dated
   * or time-of-day prices, no overrides), a function from token counts to what priceMicros gives
   * (one request per event); null when the model has no known price; undefined when the price
   * depends on the time (ask priceMicros per event).
   */
  constantPrice?(provider: string, model: string): ((tokens: PriceInput['tokens']) => number) | null | undefined;
}
