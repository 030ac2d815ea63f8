/**
 * Cost of local entries under ccusage's cost modes, given a Pricer. Kept apart
 * from pricing.ts (which loads the price catalogue, the heaviest module of a
 * report) so reports can load the catalogue while the logs are being read.
 */
import { inferProvider } from '../../domain/provider.js';
import type { PriceInput, Pricer } from '../../pricing/pricer.js';
import type { LocalEntry } from './entry.js';
import { PACKED_NUMS, PACKED_REFS, tokensAt, type EntryTable } from './pack.js';

export type CostMode = 'auto' | 'calculate' | 'display';
export const COST_MODES: readonly CostMode[] = ['auto', 'calculate', 'display'];

/** USD cost of one entry under a cost mode (ccusage's meanings: auto = the log's cost when it has one). */
export function entryCost(e: LocalEntry, mode: CostMode, pricer: Pricer | null): number {
  if (mode === 'display') return e.costUSD ?? 0;
  if (mode === 'auto' && e.costUSD !== null) return e.costUSD;
  if (e.calc !== undefined) return e.calc;
  if (pricer === null) throw new Error(`cost mode "${mode}" needs a pricer`);
  return costAt(e.model, e.time, e, pricer); // an entry has the token fields a price needs
}

/** Whether row `o` (its numbers at nums[o]) needs its cost from tokens under `mode`: not priced yet, and (auto) no cost of its own in the log. */
const unpriced = (nums: Float64Array, o: number, mode: CostMode): boolean => nums[o + 9] !== nums[o + 9] && (mode === 'calculate' || nums[o + 6] !== nums[o + 6]);

/** How many rows need their cost from tokens under `mode` (stops at `atMost`). */
export function unpricedRows(table: EntryTable, mode: CostMode, atMost = Infinity): number {
  let n = 0;
  if (mode === 'display') return 0;
  for (const b of table.blocks()) for (let r = 0, o = 0; r < b.rows && n < atMost; r++, o += PACKED_NUMS) if (unpriced(b.nums, o, mode)) n++;
  return n;
}

/**
 * Work out (and keep in the table's columns, where the usage index keeps it too) the cost from
 * tokens of every row that needs one under `mode`; how many. It goes through the columns the rows
 * live in, block by block (rows there that lost to a later copy are priced too: harmless), and
 * prices a model whose price does not change over time by one function for all its rows
 * (Pricer.constantPrice): the numbers costAt gives, without an entry per row or a look-up
 * of the model and its rates per row.
 */
export function priceTable(table: EntryTable, mode: CostMode, pricer: Pricer): number {
  if (mode === 'display') return 0;
  const constant = new Map<string, ((tokens: PriceInput['tokens']) => number) | null | undefined>();
  const t = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, reasoning: 0 };
  let n = 0;
  for (const b of table.blocks()) {
    const { nums, refs, strings } = b;
    let ref = -1;
    let price: ((tokens: PriceInput['tokens']) => number) | null | undefined;
    for (let r = 0, o = 0; r < b.rows; r++, o += PACKED_NUMS) {
      if (!unpriced(nums, o, mode)) continue;
      n++;
      if (refs[r * PACKED_REFS + 1] !== ref) {
        ref = refs[r * PACKED_REFS + 1]!;
        const model = strings[ref]!;
        price = constant.get(model);
        if (price === undefined && !constant.has(model)) constant.set(model, (price = pricer.constantPrice?.(providerOf(model), model)));
      }
      tokensAt(nums, o, t);
      nums[o + 9] = price === undefined ? costAt(strings[ref]!, nums[o]!, t, pricer) : price === null ? 0 : price(t) / 1e6;
    }
  }
  return n;
}

/** The provider of each model seen (a report meets a handful of models, hundreds of thousands of times). */
const providers = new Map<string, string>();
function providerOf(model: string): string {
  let p = providers.get(model);
  if (p === undefined) providers.set(model, (p = inferProvider(model)));
  return p;
}

/** One request object for every row priced (the pricer keeps none): pricing 450k rows makes no garbage. */
const request = { model: '', provider: '', time: 0, tokens: null as unknown as PriceInput['tokens'] };

/** USD cost from tokens of one response of `model` at `time` (0 when the model has no known price). */
function costAt(model: string, time: number, tokens: PriceInput['tokens'], pricer: Pricer): number {
  request.model = model;
  request.provider = providerOf(model);
  request.time = time;
  request.tokens = tokens;
  const micros = pricer.priceMicros(request);
  return micros === null ? 0 : micros / 1e6;
}
