/**
 * Cost of local entries, through the same Pricer the server uses. The one
 * place the collector reaches pricing: point `localPricer` elsewhere when the
 * catalogue moves.
 */
import { defaultPricer } from '../../pricing/default.js';
import type { Pricer } from '../../pricing/pricer.js';
import { inferProvider } from '../../domain/provider.js';
import type { LocalEntry } from './entry.js';

export type CostMode = 'auto' | 'calculate' | 'display';
export const COST_MODES: readonly CostMode[] = ['auto', 'calculate', 'display'];

let cached: Pricer | null = null;
export function localPricer(): Pricer {
  return (cached ??= defaultPricer());
}

/** USD cost of one entry under a cost mode (ccusage's meanings: auto = the log's cost when it has one). */
export function entryCost(e: LocalEntry, mode: CostMode, pricer: Pricer = localPricer()): number {
  if (mode === 'display') return e.costUSD ?? 0;
  if (mode === 'auto' && e.costUSD !== null) return e.costUSD;
  const micros = pricer.priceMicros({
    model: e.model,
    provider: inferProvider(e.model),
    time: e.time,
    tokens: { input: e.input, output: e.output, cacheRead: e.cacheRead, cacheWrite: e.cacheWrite, cacheWrite1h: e.cacheWrite1h, reasoning: e.reasoning },
  });
  return micros === null ? 0 : micros / 1e6;
}
