import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../src/domain/event.js';
import { prepare } from '../../src/ingest/pipeline.js';
import { defaultPricer } from '../../src/pricing/default.js';

const base = { time: '2026-06-01T10:00:00Z', source: 'claude-code', model: 'claude-sonnet-4-5-20250929', tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 1_000_000 } };

describe('1-hour cache writes on ingested events', () => {
  it('are priced at the 1-hour rate, above 5-minute writes', () => {
    const pricer = defaultPricer();
    const five = parseEvent(base, 0);
    const hour = parseEvent({ ...base, tokens: { ...base.tokens, cacheWrite1h: 1_000_000 } }, 0);
    if (!five.ok || !hour.ok) throw new Error('valid events refused');
    const c5 = prepare(five.event, pricer).costMicros!;
    const c1h = prepare(hour.event, pricer).costMicros!;
    expect(c5).toBeGreaterThan(0);
    // Anthropic lists 1-hour writes at 2x input and 5-minute writes at 1.25x input.
    expect(c1h / c5).toBeCloseTo(2 / 1.25, 2);
  });

  it('may not exceed cacheWrite', () => {
    const r = parseEvent({ ...base, tokens: { ...base.tokens, cacheWrite: 10, cacheWrite1h: 11 } }, 3);
    expect(r).toEqual({ ok: false, rejected: { index: 3, field: 'tokens.cacheWrite1h', reason: 'must not exceed cacheWrite' } });
  });
});
