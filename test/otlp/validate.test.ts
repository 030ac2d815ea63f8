/**
 * The receiver's cheap validation must give exactly the ingest pipeline's
 * answers (validateBatch, the UsageEventSchema): same prepared events, same
 * refusals. If the schema changes, this is where a fast path that no longer
 * matches it shows up.
 */
import { describe, expect, it } from 'vitest';
import type { UsageEventInput } from '../../src/domain/event.js';
import { validateBatch } from '../../src/ingest/pipeline.js';
import { defaultPricer } from '../../src/pricing/default.js';
import { validateEvents } from '../../src/sources/otlp/validate.js';

const now = Date.now();
const base = (): UsageEventInput => ({
  key: 'k1',
  time: now - 60_000,
  source: 'otel',
  tool: 'claude-code',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  identity: { email: 'Ada@Example.com', accountId: 'acc-1' },
  sessionId: 's-1',
  tokens: { input: 10, output: 20, cacheRead: 30, cacheWrite: 40, reasoning: 0 },
  requests: 1,
  reportedCost: 0.25,
  attributes: { 'service.name': 'claude-code', team: 'payments' },
});

const variants: [string, (e: UsageEventInput) => void][] = [
  ['as built', () => {}],
  ['activity in another order than the schema', (e) => (e.activity = { commits: 2, sessions: 1, linesAdded: 3 })],
  ['no optional fields', (e) => {
    delete e.provider;
    delete e.sessionId;
    delete e.reportedCost;
    delete e.attributes;
    e.identity = {};
  }],
  ['tool with spaces around it', (e) => (e.tool = ' My App ')],
  ['empty tool', (e) => (e.tool = '')],
  ['provider too long', (e) => (e.provider = 'p'.repeat(101))],
  ['model too long', (e) => (e.model = 'm'.repeat(201))],
  ['session id too long', (e) => (e.sessionId = 's'.repeat(201))],
  ['email the schema refuses', (e) => (e.identity = { email: 'a..b@example.com' })],
  ['attribute key empty', (e) => (e.attributes = { '': 'x' })],
  ['attribute value too long', (e) => (e.attributes = { a: 'v'.repeat(257) })],
  ['time before 2015', (e) => (e.time = Date.UTC(2014, 0, 1))],
  ['time a week ahead', (e) => (e.time = now + 7 * 86_400_000)],
  ['time in seconds', (e) => (e.time = Math.floor(now / 1000))],
  ['fractional time', (e) => (e.time = now - 1000.5)],
  ['negative tokens', (e) => (e.tokens = { input: -1, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 })],
  ['tokens past 2^53', (e) => (e.tokens = { input: 2 ** 60, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 })],
  ['fractional tokens', (e) => (e.tokens = { input: 1.5, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 })],
  ['infinite cost', (e) => (e.reportedCost = Infinity)],
  ['negative cost', (e) => (e.reportedCost = -0.5)],
  ['negative activity', (e) => (e.activity = { commits: -1 })],
  ['unknown field', (e) => ((e as Record<string, unknown>).prompt = 'never stored')],
];

describe('validateEvents (the receiver\'s validation)', () => {
  it.each(variants)('matches validateBatch: %s', (_name, change) => {
    const e = base();
    change(e);
    const pricer = defaultPricer();
    // Twice, so the second pass reads what the first remembered about the shared objects.
    for (let pass = 0; pass < 2; pass++) {
      const fast = validateEvents([e, base()], pricer);
      const schema = validateBatch([e, base()], pricer);
      expect(fast.rejected).toEqual(schema.rejected);
      expect(fast.prepared).toEqual(schema.prepared);
      // Same field order too (the store serialises activity as JSON).
      expect(fast.prepared.map((p) => JSON.stringify(p.event))).toEqual(schema.prepared.map((p) => JSON.stringify(p.event)));
    }
  });
});
