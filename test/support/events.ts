/** Builders for usage events in tests. */
import { UsageEventSchema, type UsageEventInput } from '../../src/domain/event.js';
import { prepare } from '../../src/ingest/pipeline.js';
import { defaultPricer } from '../../src/pricing/default.js';
import type { PreparedEvent } from '../../src/store/types.js';

export const T0 = Date.UTC(2026, 5, 1, 9, 30); // Monday 2026-06-01 09:30 UTC

export function ev(over: Partial<UsageEventInput> & { n?: number } = {}): UsageEventInput {
  const { n = 0, ...rest } = over;
  return {
    key: `k-${n}`,
    time: T0 + n * 60_000,
    source: 'api',
    tool: 'test-tool',
    model: 'gpt-5',
    identity: { email: `person${n % 10}@example.com` },
    tokens: { input: 100 + n, output: 50 + n, cacheRead: 10, cacheWrite: 5, reasoning: 20 },
    requests: 1,
    ...rest,
  };
}

export function prep(e: UsageEventInput): PreparedEvent {
  return prepare(UsageEventSchema.parse(e), defaultPricer());
}
