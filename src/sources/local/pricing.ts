/**
 * The Pricer local reports use: the same catalogue as the server. The one
 * place the collector reaches pricing: point `localPricer` elsewhere when the
 * catalogue moves. Reports import this module lazily (see report/run.ts).
 */
import { defaultPricer } from '../../pricing/default.js';
import type { Pricer } from '../../pricing/pricer.js';
import { entryCost as costWith, type CostMode } from './cost.js';
import type { LocalEntry } from './entry.js';

export { COST_MODES, type CostMode } from './cost.js';

let cached: Pricer | null = null;
export function localPricer(): Pricer {
  return (cached ??= defaultPricer());
}

/** USD cost of one entry, priced with the local catalogue (see cost.ts). */
export function entryCost(e: LocalEntry, mode: CostMode, pricer: Pricer = localPricer()): number {
  return costWith(e, mode, pricer);
}
