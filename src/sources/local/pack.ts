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
  return fill(p.nums, i * F, p.refs, i * R, p.strings, p.keys[i]!, e);
}

function fill(nums: Float64Array, o: number, refs: Uint32Array, r: number, s: string[], key: string | null, e?: LocalEntry): LocalEntry {
  const cost = nums[o + 6]!;
  const calc = nums[o + 9]!;
  if (!e) {
    return {
      source: s[refs[r]!] as LocalSource,
      key,
      time: nums[o]!,
      model: s[refs[r + 1]!]!,
      sessionId: s[refs[r + 2]!]!,
      project: s[refs[r + 3]!]!,
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
  e.source = s[refs[r]!] as LocalSource;
  e.key = key;
  e.time = nums[o]!;
  e.model = s[refs[r + 1]!]!;
  e.sessionId = s[refs[r + 2]!]!;
  e.project = s[refs[r + 3]!]!;
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

/** Rows per chunk of a table: it grows a chunk at a time, never copying (or doubling) what it holds. */
const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/**
 * A growable table of entries in the packed layout, in chunks of 8,192 rows. Rows are written
 * from entries or copied from other packed columns; reads go through one reused entry
 * (`reused`) or make new ones.
 */
export class EntryTable {
  private nums: Float64Array[] = [];
  private refs: Uint32Array[] = [];
  /** Per row, the packed columns it was copied from (an index into the list returnCosts gets, -1: none) and its row there. */
  private origins: Int32Array[] | null = null;
  keys: (string | null)[] = [];
  strings: string[] = [];
  length = 0;
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
    const nums = this.nums[at >> CHUNK_BITS]!;
    const o = (at & MASK) * F;
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
    const refs = this.refs[at >> CHUNK_BITS]!;
    const r = (at & MASK) * R;
    refs[r] = this.id(e.source);
    refs[r + 1] = this.id(e.model);
    refs[r + 2] = this.id(e.sessionId);
    refs[r + 3] = this.id(e.project);
    this.keys[at] = e.key;
    if (this.origins) this.origins[at >> CHUNK_BITS]![(at & MASK) * 2] = -1;
  }

  copy(at: number, p: PackedEntries, i: number, origin = -1): void {
    this.nums[at >> CHUNK_BITS]!.set(p.nums.subarray(i * F, i * F + F), (at & MASK) * F);
    const refs = this.refs[at >> CHUNK_BITS]!;
    const r = (at & MASK) * R;
    for (let k = 0; k < R; k++) refs[r + k] = this.id(p.strings[p.refs[i * R + k]!]!);
    this.keys[at] = p.keys[i]!;
    if (origin >= 0 && !this.origins) this.origins = this.nums.map((c) => new Int32Array((c.length / F) * 2).fill(-1));
    if (this.origins) {
      const o = this.origins[at >> CHUNK_BITS]!;
      o[(at & MASK) * 2] = origin;
      o[(at & MASK) * 2 + 1] = i;
    }
  }

  get(i: number, into?: LocalEntry): LocalEntry {
    return fill(this.nums[i >> CHUNK_BITS]!, (i & MASK) * F, this.refs[i >> CHUNK_BITS]!, (i & MASK) * R, this.strings, this.keys[i]!, into);
  }

  private num(i: number, k: number): number {
    return this.nums[i >> CHUNK_BITS]![(i & MASK) * F + k]!;
  }

  output(i: number): number {
    return this.num(i, 2);
  }

  final(i: number): boolean {
    return this.num(i, 7) === 1;
  }

  setCalc(i: number, usd: number): void {
    this.nums[i >> CHUNK_BITS]![(i & MASK) * F + 9] = usd;
  }

  /** Write each row's cost from tokens back into the packed columns it was copied from. */
  returnCosts(sources: PackedEntries[]): void {
    if (!this.origins) return;
    for (let i = 0; i < this.length; i++) {
      const o = this.origins[i >> CHUNK_BITS]!;
      const from = o[(i & MASK) * 2]!;
      if (from >= 0) sources[from]!.nums[o[(i & MASK) * 2 + 1]! * F + 9] = this.num(i, 9);
    }
  }

  /** The rows in order through one reused entry: read each before the next, keep none. */
  *reused(): Generator<LocalEntry> {
    const e = {} as LocalEntry;
    for (let i = 0; i < this.length; i++) yield this.get(i, e);
  }

  /** New entries for the rows `keep` accepts (for the few reports that hold on to entries). */
  select(keep: (e: LocalEntry) => boolean): LocalEntry[] {
    const out: LocalEntry[] = [];
    for (let i = 0; i < this.length; i++) {
      const e = this.get(i);
      if (keep(e)) out.push(e);
    }
    return out;
  }

  /** The rows as packed columns, copied into arrays of their size. */
  packed(): PackedEntries {
    const nums = new Float64Array(this.length * F);
    const refs = new Uint32Array(this.length * R);
    this.nums.forEach((c, k) => nums.set(c.subarray(0, Math.min(CHUNK, this.length - k * CHUNK) * F), k * CHUNK * F));
    this.refs.forEach((c, k) => refs.set(c.subarray(0, Math.min(CHUNK, this.length - k * CHUNK) * R), k * CHUNK * R));
    return { nums, refs, keys: this.keys.slice(0, this.length), strings: this.strings };
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
    const n = this.length;
    if (n === 0) {
      // Most tables (one per file read) hold a few hundred rows: the first chunk starts small
      // and doubles up to full size; later chunks are full from the start and never copied.
      this.nums.push(new Float64Array(256 * F));
      this.refs.push(new Uint32Array(256 * R));
      this.origins?.push(new Int32Array(256 * 2).fill(-1));
    } else if (n < CHUNK && n * F === this.nums[0]!.length) {
      const rows = Math.min(CHUNK, n * 2);
      const nums = new Float64Array(rows * F);
      nums.set(this.nums[0]!);
      this.nums[0] = nums;
      const refs = new Uint32Array(rows * R);
      refs.set(this.refs[0]!);
      this.refs[0] = refs;
      if (this.origins) {
        const o = new Int32Array(rows * 2).fill(-1);
        o.set(this.origins[0]!);
        this.origins[0] = o;
      }
    } else if ((n & MASK) === 0) {
      this.nums.push(new Float64Array(CHUNK * F));
      this.refs.push(new Uint32Array(CHUNK * R));
      this.origins?.push(new Int32Array(CHUNK * 2).fill(-1));
    }
  }
}

/** Entries packed (a table's columns, copied to their size). */
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
