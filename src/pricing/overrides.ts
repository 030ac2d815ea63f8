/**
 * Organisation price overrides: a discount per vendor (optionally per model)
 * and contract prices per model, each with an effective period.
 */
import { z } from 'zod';
import type { Rates } from './catalogue.js';

export interface PriceOverride {
  id: number;
  kind: 'discount' | 'contract';
  /** Vendor, as events name it (anthropic, openai, ...) or as the catalogue does. */
  provider: string;
  /** Contract: the model (exact name or catalogue id). Discount: optional restriction to one model. */
  model: string | null;
  /** Discount as a fraction (0.15 = 15 % off list). */
  discount: number | null;
  /** Contract rates in USD per million tokens; missing ones fall back to input (cache) or output (reasoning). */
  rates: Partial<Rates<number>> | null;
  /** Inclusive start, epoch ms. */
  validFrom: number;
  /** Exclusive end, epoch ms; null = open-ended. */
  validTo: number | null;
  note: string | null;
}

const rate = z.number().finite().nonnegative('must be >= 0').max(100_000, 'must be USD per million tokens');
const day = z
  .string()
  .refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 date')
  .transform((v) => Date.parse(v));

export const PriceOverrideInputSchema = z
  .object({
    kind: z.enum(['discount', 'contract']),
    provider: z.string().trim().toLowerCase().min(1, 'must not be empty').max(100),
    model: z.string().trim().min(1).max(200).nullish(),
    discount: z.number().gt(0, 'must be > 0').lt(1, 'must be a fraction below 1 (0.15 = 15 % off)').nullish(),
    rates: z
      .object({ input: rate, output: rate, cacheRead: rate.optional(), cacheWrite: rate.optional(), cacheWrite1h: rate.optional(), reasoning: rate.optional() })
      .strict()
      .nullish(),
    validFrom: day.optional().transform((v) => v ?? 0),
    validTo: day.nullish(),
    note: z.string().max(500).nullish(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.kind === 'discount' && o.discount == null) ctx.addIssue({ code: 'custom', path: ['discount'], message: 'is required for a discount' });
    if (o.kind === 'contract' && !o.rates) ctx.addIssue({ code: 'custom', path: ['rates'], message: 'is required for a contract price (input and output at least)' });
    if (o.kind === 'contract' && !o.model) ctx.addIssue({ code: 'custom', path: ['model'], message: 'is required for a contract price' });
    if (o.validTo != null && o.validTo <= o.validFrom) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must be after validFrom' });
  });
export type PriceOverrideInput = z.output<typeof PriceOverrideInputSchema>;

/** The period whose cost an override changes (for recomputation). */
export function overridePeriod(o: Pick<PriceOverride, 'validFrom' | 'validTo'>, now = Date.now()): { from: number; to: number } {
  return { from: o.validFrom, to: o.validTo ?? now + 2 * 86_400_000 };
}
