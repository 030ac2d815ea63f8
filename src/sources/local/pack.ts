/**
 * Entries cross from worker threads to the main thread packed: numbers in one
 * Float64Array (moved, not copied) and strings interned, because structured
 * cloning tens of thousands of small objects cost as much as reading the files.
 */
import type { LocalEntry, LocalSource } from './entry.js';

/** Numbers and string references per entry. */
export const PACKED_NUMS = 10;
export const PACKED_REFS = 4;
const F = PACKED_NUMS;

export interface PackedEntries {
  nums: Float64Array;
  keys: (string | null)[];
  /** Interned strings and, per entry, indexes of source, model, sessionId, project. */
  strings: string[];
  refs: Uint32Array;
}

export function packEntries(entries: LocalEntry[]): PackedEntries {
  const nums = new Float64Array(entries.length * F);
  const refs = new Uint32Array(entries.length * PACKED_REFS);
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (s: string) => {
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = strings.push(s) - 1));
    return i;
  };
  const keys = new Array<string | null>(entries.length);
  entries.forEach((e, i) => {
    const o = i * F;
    nums[o] = e.time;
    nums[o + 1] = e.input;
    nums[o + 2] = e.output;
    nums[o + 3] = e.cacheRead;
    nums[o + 4] = e.cacheWrite;
    nums[o + 5] = e.reasoning;
    nums[o + 6] = e.costUSD ?? NaN;
    nums[o + 7] = e.final ? 1 : 0;
    nums[o + 8] = e.cacheWrite1h;
    nums[o + 9] = e.calc ?? NaN;
    const r = i * PACKED_REFS;
    refs[r] = ref(e.source);
    refs[r + 1] = ref(e.model);
    refs[r + 2] = ref(e.sessionId);
    refs[r + 3] = ref(e.project);
    keys[i] = e.key;
  });
  return { nums, keys, strings, refs };
}

export function unpackEntries(p: PackedEntries): LocalEntry[] {
  const out = new Array<LocalEntry>(p.keys.length);
  for (let i = 0; i < out.length; i++) {
    const o = i * F;
    const r = i * PACKED_REFS;
    const cost = p.nums[o + 6]!;
    const calc = p.nums[o + 9]!;
    out[i] = {
      source: p.strings[p.refs[r]!] as LocalSource,
      key: p.keys[i]!,
      time: p.nums[o]!,
      model: p.strings[p.refs[r + 1]!]!,
      sessionId: p.strings[p.refs[r + 2]!]!,
      project: p.strings[p.refs[r + 3]!]!,
      input: p.nums[o + 1]!,
      output: p.nums[o + 2]!,
      cacheRead: p.nums[o + 3]!,
      cacheWrite: p.nums[o + 4]!,
      cacheWrite1h: p.nums[o + 8]!,
      reasoning: p.nums[o + 5]!,
      costUSD: Number.isNaN(cost) ? null : cost,
      final: p.nums[o + 7] === 1,
      calc: Number.isNaN(calc) ? undefined : calc,
    };
  }
  return out;
}
