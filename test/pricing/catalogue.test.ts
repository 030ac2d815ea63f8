import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../src/pricing/catalogue.js';
import { CataloguePricer } from '../../src/pricing/catalogue-pricer.js';

const catalogue = new Catalogue();
const pricer = new CataloguePricer(catalogue);
const JUNE = Date.parse('2026-06-15T12:00:00Z');

describe('price catalogue', () => {
  // The library is the reference: the fast evaluator must agree with calcPrice on the same snapshot.
  const cases: [provider: string, model: string, tokens: { input: number; output: number; cacheRead: number; cacheWrite: number }][] = [
    ['anthropic', 'claude-sonnet-4-5-20250929', { input: 120, output: 900, cacheRead: 42_000, cacheWrite: 3_500 }],
    ['anthropic', 'claude-sonnet-4-5-20250929', { input: 150_000, output: 2_000, cacheRead: 60_000, cacheWrite: 0 }],
    ['anthropic', 'claude-opus-4-1-20250805', { input: 5_000, output: 1_000, cacheRead: 10_000, cacheWrite: 2_000 }],
    ['anthropic', 'claude-haiku-4-5-20251001', { input: 800, output: 200, cacheRead: 0, cacheWrite: 0 }],
    ['openai', 'gpt-5', { input: 6_000, output: 1_200, cacheRead: 18_000, cacheWrite: 0 }],
    ['openai', 'gpt-5-codex', { input: 300_000, output: 1_000, cacheRead: 0, cacheWrite: 0 }],
    ['openai', 'gpt-4.1', { input: 2_500, output: 250, cacheRead: 0, cacheWrite: 0 }],
    ['google', 'gemini-2.5-pro', { input: 250_000, output: 4_000, cacheRead: 1_000, cacheWrite: 0 }],
    ['google', 'gemini-2.5-flash', { input: 10_000, output: 3_000, cacheRead: 0, cacheWrite: 0 }],
  ];
  for (const [provider, model, t] of cases) {
    it(`matches @pydantic/genai-prices for ${model} (${t.input + t.cacheRead + t.cacheWrite} prompt tokens)`, () => {
      const p = catalogue.snap.providers.find((x) => x.id === provider)!;
      const ref = calcPrice(
        { input_tokens: t.input + t.cacheRead + t.cacheWrite, cache_read_tokens: t.cacheRead, cache_write_tokens: t.cacheWrite, output_tokens: t.output },
        model,
        { provider: p, timestamp: new Date(JUNE) },
      )!;
      expect(ref).not.toBeNull();
      const ours = pricer.priceMicros({ provider, model, time: JUNE, tokens: { ...t, reasoning: 0 } });
      expect(ours).toBe(Math.round(ref.total_price * 1e6));
    });
  }

  it('charges long-context tiers by prompt size per request, not per aggregated event', () => {
    const one = pricer.priceMicros({ provider: 'anthropic', model: 'claude-sonnet-4-5', time: JUNE, tokens: { input: 250_000, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } })!;
    const ten = pricer.priceMicros({ provider: 'anthropic', model: 'claude-sonnet-4-5', time: JUNE, requests: 10, tokens: { input: 250_000, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 } })!;
    expect(one).toBe(1_500_000); // $6 per Mtok above 200k
    expect(ten).toBe(750_000); // $3: ten requests of 25k each
  });

  it('prices one-hour cache writes at their own rate when a source reports them', () => {
    const t = { input: 0, output: 0, cacheRead: 0, cacheWrite: 1_000_000, reasoning: 0 };
    expect(pricer.priceMicros({ provider: 'anthropic', model: 'claude-sonnet-4-5', time: JUNE, requests: 10, tokens: t })).toBe(3_750_000);
    expect(pricer.priceMicros({ provider: 'anthropic', model: 'claude-sonnet-4-5', time: JUNE, requests: 10, tokens: { ...t, cacheWrite1h: 1_000_000 } })).toBe(6_000_000);
  });

  it('finds models without the right provider and with vendor prefixes; unknown models are null, never 0', () => {
    expect(catalogue.resolve('unknown', 'claude-sonnet-4-5-20250929')?.model.id).toBe('claude-sonnet-4-5');
    expect(catalogue.resolve('openrouter', 'anthropic/claude-sonnet-4-5')?.model.id).toBe('claude-sonnet-4-5');
    expect(catalogue.resolve('xai', 'grok-4')?.provider.id).toBe('x-ai');
    expect(pricer.priceMicros({ provider: 'acme', model: 'acme-internal-llm', time: JUNE, tokens: { input: 10, output: 10, cacheRead: 0, cacheWrite: 0, reasoning: 0 } })).toBeNull();
  });

  it('applies a contract price over list and a vendor discount to list, within their dates', () => {
    const p = new CataloguePricer(catalogue, [
      { id: 1, kind: 'discount', provider: 'anthropic', model: null, discount: 0.2, rates: null, validFrom: Date.parse('2026-06-01'), validTo: Date.parse('2026-07-01'), note: null },
      { id: 2, kind: 'contract', provider: 'openai', model: 'gpt-5', rates: { input: 1, output: 8 }, discount: null, validFrom: 0, validTo: null, note: null },
      { id: 3, kind: 'contract', provider: 'acme', model: 'acme-internal-llm', rates: { input: 0.5, output: 1 }, discount: null, validFrom: 0, validTo: null, note: null },
    ]);
    const t = { input: 1_000_000, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
    expect(p.priceMicros({ provider: 'anthropic', model: 'claude-sonnet-4-5', time: JUNE, requests: 10, tokens: t })).toBe(2_400_000);
    expect(p.priceMicros({ provider: 'anthropic', model: 'claude-sonnet-4-5', time: Date.parse('2026-07-02'), requests: 10, tokens: t })).toBe(3_000_000);
    expect(p.priceMicros({ provider: 'openai', model: 'gpt-5-2025-08-07', time: JUNE, tokens: t })).toBe(1_000_000);
    expect(p.priceMicros({ provider: 'acme', model: 'acme-internal-llm', time: JUNE, tokens: t })).toBe(500_000);
    // Reasoning is part of output and priced at the output rate unless a contract sets its own.
    const r = new CataloguePricer(catalogue, [{ id: 4, kind: 'contract', provider: 'openai', model: 'gpt-5', rates: { input: 1, output: 8, reasoning: 4 }, discount: null, validFrom: 0, validTo: null, note: null }]);
    expect(r.priceMicros({ provider: 'openai', model: 'gpt-5', time: JUNE, tokens: { input: 0, output: 1_000_000, cacheRead: 0, cacheWrite: 0, reasoning: 500_000 } })).toBe(6_000_000);
  });
});
