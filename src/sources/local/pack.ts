/**
 * Entries as columns: numbers in one Float64Array, string references in one
 * Uint32Array (strings interned), keys beside them. A report keeps its entries
 * this way (EntryTable) — as objects they cost ~340 bytes of heap each and
 * most of a large report's garbage collection; a row here is 96 bytes plus
 * its key, or 8 bytes when it refers to columns it was given — and they cross
 * from worker threads and into and out of the usage index in the same layout
 * (PackedEntries: the columns moved, not copied), because structured cloning
 * tens of thousands of small objects cost as much as reading the files.
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

/** Rows per chunk of owned rows: the table grows a chunk at a time, never copying what it holds. */
const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** A growable Int32 column (doubling; 4 bytes a row). */
class IntColumn {
  a = new Int32Array(256);
  at(i: number): number {
    return this.a[i]!;
  }
  set(i: number, v: number): void {
    if (i >= this.a.length) {
      const b = new Int32Array(Math.max(this.a.length * 2, i + 1));
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = v;
  }
}

/**
 * The entries a report keeps, one row each. A row is either owned (written from an entry into
 * the table's own columns, in chunks of 8,192 rows) or a reference to a row of packed columns
 * the table was given (a file's part from a worker or from the usage index), so those are never
 * copied, and a cost set on such a row lands in those columns (the index then keeps it). Reads
 * go through one reused entry (`reused`) or make new ones.
 */
export class EntryTable {
  length = 0;
  /** Per row: the packed columns it refers to (-1: an owned row) and its row there (or its owned row). */
  private src = new IntColumn();
  private row = new IntColumn();
  private packs: PackedEntries[] = [];
  private packIds = new Map<PackedEntries, number>();
  // Owned rows.
  private nums: Float64Array[] = [];
  private refs: Uint32Array[] = [];
  private keys: (string | null)[] = [];
  private owned = 0;
  private strings: string[] = [];
  private ids = new Map<string, number>();
  private lastString = '';
  private lastId = -1;

  /** Append a row from an entry; its index. */
  push(e: LocalEntry): number {
    this.own(this.length, e);
    return this.length++;
  }

  /** Append a row referring to row `i` of `p`; its index. */
  pushRow(p: PackedEntries, i: number): number {
    this.refer(this.length, p, i);
    return this.length++;
  }

  /** Row `at` becomes `e`. */
  write(at: number, e: LocalEntry): void {
    const r = this.src.at(at) === -1 ? this.row.at(at) : -1;
    if (r === -1) this.own(at, e);
    else this.fillOwned(r, e);
  }

  /** Row `at` becomes a reference to row `i` of `p`. */
  refer(at: number, p: PackedEntries, i: number): void {
    let id = this.packIds.get(p);
    if (id === undefined) this.packIds.set(p, (id = this.packs.push(p) - 1));
    this.src.set(at, id);
    this.row.set(at, i);
  }

  get(i: number, into?: LocalEntry): LocalEntry {
    const s = this.src.at(i);
    const r = this.row.at(i);
    if (s >= 0) return readRow(this.packs[s]!, r, into);
    return fill(this.nums[r >> CHUNK_BITS]!, (r & MASK) * F, this.refs[r >> CHUNK_BITS]!, (r & MASK) * R, this.strings, this.keys[r]!, into);
  }

  output(i: number): number {
    return this.num(i, 2);
  }

  final(i: number): boolean {
    return this.num(i, 7) === 1;
  }

  /** Set the cost from tokens; for a referenced row, in the packed columns it refers to. */
  setCalc(i: number, usd: number): void {
    const [nums, o] = this.where(i);
    nums[o + 9] = usd;
  }

  /** The rows in order through one reused entry: read each before the next, keep none. */
  *reused(): Generator<LocalEntry> {
    const e = {} as LocalEntry;
    for (let i = 0; i < this.length; i++) yield this.get(i, e);
  }

  /** New entries for the rows `keep` accepts (for the few reports that hold on to entries). */
  select(keep: (e: LocalEntry) => boolean): LocalEntry[] {
    const out: LocalEntry[] = [];
    const e = {} as LocalEntry;
    for (let i = 0; i < this.length; i++) if (keep(this.get(i, e))) out.push(this.get(i));
    return out;
  }

  /** The rows as packed columns of their own (copied, sized to the rows there are). */
  packed(): PackedEntries {
    // A table of owned rows only has row i in owned row i (rows are replaced in place): its
    // chunks are the columns. Otherwise the rows are gathered into a new table first.
    const out = this.packs.length === 0 ? this : new EntryTable();
    if (out !== this) {
      const e = {} as LocalEntry;
      for (let i = 0; i < this.length; i++) out.push(this.get(i, e));
    }
    const n = out.owned;
    const nums = new Float64Array(n * F);
    const refs = new Uint32Array(n * R);
    out.nums.forEach((c, k) => nums.set(c.subarray(0, Math.min(CHUNK, n - k * CHUNK) * F), k * CHUNK * F));
    out.refs.forEach((c, k) => refs.set(c.subarray(0, Math.min(CHUNK, n - k * CHUNK) * R), k * CHUNK * R));
    return { nums, refs, keys: out.keys.slice(0, n), strings: out.strings };
  }

  private where(i: number): [Float64Array, number] {
    const s = this.src.at(i);
    const r = this.row.at(i);
    return s >= 0 ? [this.packs[s]!.nums, r * F] : [this.nums[r >> CHUNK_BITS]!, (r & MASK) * F];
  }

  private num(i: number, k: number): number {
    const [nums, o] = this.where(i);
    return nums[o + k]!;
  }

  /** Row `at` becomes a new owned row holding `e`. */
  private own(at: number, e: LocalEntry): void {
    const r = this.owned++;
    this.grow(r);
    this.fillOwned(r, e);
    this.src.set(at, -1);
    this.row.set(at, r);
  }

  private fillOwned(r: number, e: LocalEntry): void {
    const nums = this.nums[r >> CHUNK_BITS]!;
    const o = (r & MASK) * F;
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
    const refs = this.refs[r >> CHUNK_BITS]!;
    const q = (r & MASK) * R;
    refs[q] = this.id(e.source);
    refs[q + 1] = this.id(e.model);
    refs[q + 2] = this.id(e.sessionId);
    refs[q + 3] = this.id(e.project);
    this.keys[r] = e.key;
  }

  private id(s: string): number {
    if (s === this.lastString) return this.lastId;
    let id = this.ids.get(s);
    if (id === undefined) this.ids.set(s, (id = this.strings.push(s) - 1));
    this.lastString = s;
    this.lastId = id;
    return id;
  }

  /** Room for owned row `r`. */
  private grow(r: number): void {
    if (r === 0) {
      // Most tables (one per file read) hold a few hundred rows: the first chunk starts small
      // and doubles up to full size; later chunks are full from the start and never copied.
      this.nums.push(new Float64Array(256 * F));
      this.refs.push(new Uint32Array(256 * R));
    } else if (r < CHUNK && r * F === this.nums[0]!.length) {
      const rows = Math.min(CHUNK, r * 2);
      const nums = new Float64Array(rows * F);
      nums.set(this.nums[0]!);
      this.nums[0] = nums;
      const refs = new Uint32Array(rows * R);
      refs.set(this.refs[0]!);
      this.refs[0] = refs;
    } else if ((r & MASK) === 0) {
      this.nums.push(new Float64Array(CHUNK * F));
      this.refs.push(new Uint32Array(CHUNK * R));
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
