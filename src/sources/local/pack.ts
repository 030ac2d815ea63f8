/**
 * Entries as columns: numbers in one Float64Array, string references in one
 * Uint32Array (strings interned), keys beside them. A report keeps its entries
 * this way (EntryTable) — as objects they cost ~340 bytes of heap each and
 * most of a large report's garbage collection; a row here is 96 bytes plus
 * its key — and they cross from worker threads and into the usage index in
 * the same layout (PackedEntries: the columns moved, not copied), because
 * structured cloning tens of thousands of small objects cost as much as
 * reading the files.
 */
import type { LocalEntry, LocalSource } from './entry.js';

/** Numbers and string references per entry. */
export const PACKED_NUMS = 10;
export const PACKED_REFS = 4;
const F = PACKED_NUMS;
const R = PACKED_REFS;

export interface PackedEntries {
  nums: Float64Array;
  keys: (string | null)[];
  /** Interned strings and, per entry, indexes of source, model, sessionId, project. */
  strings: string[];
  refs: Uint32Array;
}

/** Row `i` of packed columns into `e` (a new entry unless one is given to reuse). */
export function readRow(p: PackedEntries, i: number, e?: LocalEntry): LocalEntry {
  const o = i * F;
  const r = i * R;
  const nums = p.nums;
  const cost = nums[o + 6]!;
  const calc = nums[o + 9]!;
  const s = p.strings;
  if (!e) {
    return {
      source: s[p.refs[r]!] as LocalSource,
      key: p.keys[i]!,
      time: nums[o]!,
      model: s[p.refs[r + 1]!]!,
      sessionId: s[p.refs[r + 2]!]!,
      project: s[p.refs[r + 3]!]!,
      input: nums[o + 1]!,
      output: nums[o + 2]!,
      cacheRead: nums[o + 3]!,
      cacheWrite: nums[o + 4]!,
      cacheWrite1h: nums[o + 8]!,
      reasoning: nums[o + 5]!,
      costUSD: cost === cost ? cost : null,
      final: nums[o + 7] === 1,
      calc: calc === calc ? calc : undefined,
    };
  }
  e.source = s[p.refs[r]!] as LocalSource;
  e.key = p.keys[i]!;
  e.time = nums[o]!;
  e.model = s[p.refs[r + 1]!]!;
  e.sessionId = s[p.refs[r + 2]!]!;
  e.project = s[p.refs[r + 3]!]!;
  e.input = nums[o + 1]!;
  e.output = nums[o + 2]!;
  e.cacheRead = nums[o + 3]!;
  e.cacheWrite = nums[o + 4]!;
  e.cacheWrite1h = nums[o + 8]!;
  e.reasoning = nums[o + 5]!;
  e.costUSD = cost === cost ? cost : null;
  e.final = nums[o + 7] === 1;
  e.calc = calc === calc ? calc : undefined;
  return e;
}

/**
 * A growable table of entries in the packed layout. Rows are written from entries or copied
 * from other packed columns; reads go through one reused entry (`reused`) or make new ones.
 */
export class EntryTable {
  nums = new Float64Array(256 * F);
  refs = new Uint32Array(256 * R);
  keys: (string | null)[] = [];
  strings: string[] = [];
  length = 0;
  /** Per row, the packed columns it was copied from (an index into the list returnCosts gets, -1: none) and its row there. */
  private origins: Int32Array | null = null;
  private ids = new Map<string, number>();
  private lastString = '';
  private lastId = -1;

  /** Append a row; its index. */
  push(e: LocalEntry): number {
    this.grow();
    this.write(this.length, e);
    return this.length++;
  }

  /** Append row `i` of `p`; its index. */
  pushRow(p: PackedEntries, i: number, origin = -1): number {
    this.grow();
    this.copy(this.length, p, i, origin);
    return this.length++;
  }

  write(at: number, e: LocalEntry): void {
    const o = at * F;
    const nums = this.nums;
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
    const r = at * R;
    const refs = this.refs;
    refs[r] = this.id(e.source);
    refs[r + 1] = this.id(e.model);
    refs[r + 2] = this.id(e.sessionId);
    refs[r + 3] = this.id(e.project);
    this.keys[at] = e.key;
    if (this.origins) this.origins[at * 2] = -1;
  }

  copy(at: number, p: PackedEntries, i: number, origin = -1): void {
    this.nums.set(p.nums.subarray(i * F, i * F + F), at * F);
    const r = at * R;
    const from = i * R;
    for (let k = 0; k < R; k++) this.refs[r + k] = this.id(p.strings[p.refs[from + k]!]!);
    this.keys[at] = p.keys[i]!;
    if (origin >= 0 && !this.origins) this.origins = new Int32Array(this.nums.length / F * 2).fill(-1);
    if (this.origins) {
      this.origins[at * 2] = origin;
      this.origins[at * 2 + 1] = i;
    }
  }

  /** Write each row's cost from tokens back into the packed columns it was copied from. */
  returnCosts(sources: PackedEntries[]): void {
    const o = this.origins;
    if (!o) return;
    for (let i = 0; i < this.length; i++) {
      const from = o[i * 2]!;
      if (from >= 0) sources[from]!.nums[o[i * 2 + 1]! * F + 9] = this.nums[i * F + 9]!;
    }
  }

  get(i: number, into?: LocalEntry): LocalEntry {
    return readRow(this, i, into);
  }

  output(i: number): number {
    return this.nums[i * F + 2]!;
  }

  final(i: number): boolean {
    return this.nums[i * F + 7] === 1;
  }

  calc(i: number): number | undefined {
    const v = this.nums[i * F + 9]!;
    return v === v ? v : undefined;
  }

  setCalc(i: number, usd: number): void {
    this.nums[i * F + 9] = usd;
  }

  /** The rows in order through one reused entry: read each before the next, keep none. */
  *reused(): Generator<LocalEntry> {
    const e = {} as LocalEntry;
    for (let i = 0; i < this.length; i++) yield readRow(this, i, e);
  }

  /** New entries for the rows `keep` accepts (for the few reports that hold on to entries). */
  select(keep: (e: LocalEntry) => boolean): LocalEntry[] {
    const out: LocalEntry[] = [];
    for (let i = 0; i < this.length; i++) {
      const e = readRow(this, i);
      if (keep(e)) out.push(e);
    }
    return out;
  }

  /** The rows as packed columns, copied to their size (a table grows by doubling). */
  packed(): PackedEntries {
    return { nums: this.nums.slice(0, this.length * F), refs: this.refs.slice(0, this.length * R), keys: this.keys.slice(0, this.length), strings: this.strings };
  }

  private id(s: string): number {
    if (s === this.lastString) return this.lastId;
    let id = this.ids.get(s);
    if (id === undefined) this.ids.set(s, (id = this.strings.push(s) - 1));
    this.lastString = s;
    this.lastId = id;
    return id;
  }

  private grow(): void {
    if ((this.length + 1) * F <= this.nums.length) return;
    const nums = new Float64Array(this.nums.length * 2);
    nums.set(this.nums);
    this.nums = nums;
    const refs = new Uint32Array(this.refs.length * 2);
    refs.set(this.refs);
    this.refs = refs;
    if (this.origins) {
      const origins = new Int32Array(this.origins.length * 2).fill(-1);
      origins.set(this.origins);
      this.origins = origins;
    }
  }
}

/** Entries packed (a table's columns, trimmed). */
export function packEntries(entries: LocalEntry[]): PackedEntries {
  const t = new EntryTable();
  for (const e of entries) t.push(e);
  return t.packed();
}

export function unpackEntries(p: PackedEntries): LocalEntry[] {
  const out = new Array<LocalEntry>(p.keys.length);
  for (let i = 0; i < out.length; i++) out[i] = readRow(p, i);
  return out;
}
