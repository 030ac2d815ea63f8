/**
 * Cost of local entries under ccusage's cost modes, given a Pricer. Kept apart
 * from pricing.ts (which loads the price catalogue, the heaviest module of a
 * report) so reports can load the catalogue while the logs are being read.
 */
import { inferProvider } from '../../domain/provider.js';
import type { Pricer } from '../../pricing/pricer.js';
import type { LocalEntry } from './entry.js';
import { IntColumn, type EntryTable } from './pack.js';

export type CostMode = 'auto' | 'calculate' | 'display';
export const COST_MODES: readonly CostMode[] = ['auto', 'calculate', 'display'];

/** USD cost of one entry under a cost mode (ccusage's meanings: auto = the log's cost when it has one). */
export function entryCost(e: LocalEntry, mode: CostMode, pricer: Pricer | null): number {
  if (mode === 'display') return e.costUSD ?? 0;
  if (mode === 'auto' && e.costUSD !== null) return e.costUSD;
  if (e.calc !== undefined) return e.calc;
  if (pricer === null) throw new Error(`cost mode "${mode}" needs a pricer`);
  return calculatedCost(e, pricer);
}

/**
 * The rows that need their cost from tokens under `mode` (in an Int32 column: nothing on the heap
 * per row): not priced yet, and (auto) without a cost of their own in the log.
 */
export function rowsToPrice(table: EntryTable, mode: CostMode): Int32Array {
  const rows = new IntColumn();
  let n = 0;
  if (mode !== 'display') for (let i = 0; i < table.length; i++) if (!table.hasCalc(i) && (mode === 'calculate' || !table.hasLogCost(i))) rows.set(n++, i);
  return rows.a.subarray(0, n);
}

/** How many rows need their cost from tokens under `mode`. */
export const unpricedRows = (table: EntryTable, mode: CostMode): number => rowsToPrice(table, mode).length;

/** Work out (and keep in the table) the cost from tokens of these rows. */
export function priceRows(table: EntryTable, rows: ArrayLike<number> & Iterable<number>, pricer: Pricer): void {
  for (const i of rows) table.setCalc(i, calculatedCost(table.at(i), pricer));
}

/** The provider of each model seen (a report meets a handful of models, hundreds of thousands of times). */
const providers = new Map<string, string>();
function providerOf(model: string): string {
  let p = providers.get(model);
  if (p === undefined) providers.set(model, (p = inferProvider(model)));
  return p;
}

/** One request object for every row priced (the pricer keeps none): pricing 450k rows makes no garbage. */
const request = { model: '', provider: '', time: 0, tokens: null as unknown as LocalEntry };

function calculatedCost(e: LocalEntry, pricer: Pricer): number {
  request.model = e.model;
  request.provider = providerOf(e.model);
  request.time = e.time;
  request.tokens = e; // an entry has the token fields a price needs (input, output, cacheRead, ...)
  const micros = pricer.priceMicros(request);
  return micros === null ? 0 : micros / 1e6;
}
