/**
 * Entries as columns: numbers in one Float64Array, string references in one
 * Uint32Array (strings interned), keys as bytes (keys.ts). A report keeps its
 * entries this way (EntryTable) — as objects they cost ~340 bytes of heap each
 * and most of a large report's garbage collection; a row here is 112 bytes
 * plus its key's bytes, all outside the JavaScript heap, or 8 bytes when it
 * refers to columns it was given — and they cross from worker threads and into
 * and out of the usage index in the same layout (PackedEntries: the columns
 * moved, not copied), because structured cloning tens of thousands of small
 * objects cost as much as reading the files.
 */
import type { LocalEntry, LocalSource } from './entry.js';
import { Codes } from '../../domain/codes.js';
import { decodeKey, encodeKey, KeyArena, keyScratch, keyStart, type KeyColumn, type KeyRef } from './keys.js';

/** Numbers and string references per entry. */
export const PACKED_NUMS = 10;
export const PACKED_REFS = 4;
const F = PACKED_NUMS;
const R = PACKED_REFS;

export interface PackedEntries {
  nums: Float64Array;
  /** Each row's key, tagged with its source (keys.ts). */
  keys: KeyColumn;
  /** Interned strings and, per entry, indexes of source, model, sessionId, project. */
  strings: string[];
  refs: Uint32Array;
  /** Each row's key hash (keys.ts hashBytes), when the dedup that made the rows passes them on; never stored. */
  hashes?: Uint32Array;
}

export const packedRows = (p: PackedEntries): number => p.keys.ends.length;

const encoded: KeyRef = { bytes: new Uint8Array(0), start: 0, end: 0 };

/**
 * `e`'s stored key (source tag + key bytes; empty: none), as a table's `keyRef` gives one: a
 * reused reference, valid until the next call (read after encoding: a long key may move it).
 */
export function storedKey(e: LocalEntry): KeyRef {
  encoded.end = e.key === null ? 0 : encodeKey(KEY_TAG[e.source], e.key);
  encoded.bytes = keyScratch();
  return encoded;
}

/** The byte that starts a stored key: its source (Claude Code and Codex keys never collide). */
const KEY_TAG: Record<LocalSource, number> = { 'claude-code': 0x63, codex: 0x78 };

/** Row `i` of packed columns into `e` (a new entry unless one is given to reuse). */
export function readRow(p: PackedEntries, i: number, e?: LocalEntry): LocalEntry {
  return fill(p.nums, i * F, p.refs, i * R, p.strings, decodeKey(p.keys.bytes, keyStart(p.keys, i), p.keys.ends[i]!), e);
}

/** Fill `e` (or a new entry) from a row; a reused entry's key is left alone when `key` is undefined. */
export function fill(nums: Float64Array, o: number, refs: Uint32Array, r: number, s: string[], key: string | null | undefined, e?: LocalEntry): LocalEntry {
  const cost = nums[o + 6]!;
  const calc = nums[o + 9]!;
  if (!e) {
    return {
      source: s[refs[r]!] as LocalSource,
      key: key ?? null,
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
  if (key !== undefined) e.key = key;
  e.time = nums[o]!;
  e.model = s[refs[r + 1]!]!;
  e.sessionId = s[refs[r + 2]!]!;
  e.project = s[refs[r + 3]!]!;
  tokensAt(nums, o, e);
  e.costUSD = cost === cost ? cost : null;
  e.final = nums[o + 7] === 1;
  e.calc = calc === calc ? calc : undefined;
  return e;
}

/** The token counts of the row whose numbers start at nums[o], into `t`. */
export function tokensAt(nums: Float64Array, o: number, t: Pick<LocalEntry, 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h' | 'reasoning'>): void {
  t.input = nums[o + 1]!;
  t.output = nums[o + 2]!;
  t.cacheRead = nums[o + 3]!;
  t.cacheWrite = nums[o + 4]!;
  t.cacheWrite1h = nums[o + 8]!;
  t.reasoning = nums[o + 5]!;
}

/** An entry's numbers into nums[o, o + PACKED_NUMS): what `fill` reads back. */
export function writeNums(nums: Float64Array, o: number, e: LocalEntry): void {
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
}

/** The strings of rows, interned: per row, the indexes of its source, model, sessionId and project. */
export class Interner {
  private codes = new Codes<string>();
  /** The last string and index per field: consecutive rows repeat them. */
  private lastString = ['', '', '', ''];
  private lastId = [-1, -1, -1, -1];

  /** The indexes of `e`'s four strings, into refs[at, at + PACKED_REFS). */
  refs(e: LocalEntry, refs: Uint32Array, at: number): void {
    refs[at] = this.id(0, e.source);
    refs[at + 1] = this.id(1, e.model);
    refs[at + 2] = this.id(2, e.sessionId);
    refs[at + 3] = this.id(3, e.project);
  }

  /** The interned strings, by index. */
  get strings(): string[] {
    return this.codes.values;
  }

  /** The index of `s` as field `field` (0-3) of a row. */
  id(field: number, s: string): number {
    if (s === this.lastString[field]) return this.lastId[field]!;
    const id = this.codes.code(s);
    this.lastString[field] = s;
    this.lastId[field] = id;
    return id;
  }

  /** Forget every string (a new array: the old one may have been handed out). */
  clear(): void {
    this.codes = new Codes<string>();
    this.lastString.fill('');
    this.lastId.fill(-1);
  }
}

/** Rows per chunk of owned rows: the table grows a chunk at a time, never copying what it holds. */
const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** A growable Int32 column (doubling; 4 bytes a row). */
export class IntColumn {
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
  private lastPack: PackedEntries | null = null;
  private lastPackId = -1;
  // Owned rows.
  private nums: Float64Array[] = [];
  private refs: Uint32Array[] = [];
  /** Per owned row: where its key's bytes are in the arena. */
  private keyPlace = new IntColumn();
  /**
   * Per owned row: the key bytes of owned rows up to and including it (packed columns' `ends`);
   * a row's key length is the step from the row before (0: no key).
   */
  private keyEnds = new IntColumn();
  private arena = new KeyArena();
  private key: KeyRef = { bytes: new Uint8Array(0), start: 0, end: 0 };
  private view: LocalEntry | null = null;
  private viewRow = 0;
  private owned = 0;
  private names = new Interner();

  /** Forget every row, keeping the memory for the next ones (packed columns handed out are copies). */
  clear(): void {
    this.length = 0;
    this.owned = 0;
    this.packs = [];
    this.packIds.clear();
    this.lastPack = null;
    this.names.clear(); // its strings were handed out by packed()
    this.arena.clear();
  }

  /** Append a row from an entry; its index. */
  push(e: LocalEntry): number {
    this.own(this.length, e, null, 0, 0);
    return this.length++;
  }

  /** Append a row from an entry whose stored key (keys.ts) is b[s, end) (as `keyRef` gives it); its index. */
  pushKeyed(e: LocalEntry, b: Uint8Array, s: number, end: number): number {
    this.own(this.length, e, b, s, end);
    return this.length++;
  }

  /** Row `i`'s stored key: a reused reference, valid until the next call. */
  keyRef(i: number): KeyRef {
    const k = this.key;
    const s = this.src.at(i);
    const r = this.row.at(i);
    if (s >= 0) {
      const c = this.packs[s]!.keys;
      k.bytes = c.bytes;
      k.start = keyStart(c, r);
      k.end = c.ends[r]!;
    } else {
      const place = this.keyPlace.at(r);
      k.bytes = this.arena.chunk(place) ?? k.bytes;
      k.start = this.arena.offset(place);
      k.end = k.start + this.keyEnds.at(r) - (r === 0 ? 0 : this.keyEnds.at(r - 1));
    }
    return k;
  }

  /** Append a row referring to row `i` of `p`; its index. */
  pushRow(p: PackedEntries, i: number): number {
    this.refer(this.length, p, i);
    return this.length++;
  }

  /** Row `at` becomes `e` (whose key is the row's key). */
  write(at: number, e: LocalEntry): void {
    const r = this.src.at(at) === -1 ? this.row.at(at) : -1;
    if (r === -1) this.own(at, e, null, 0, 0);
    else this.fillOwned(r, e);
  }

  /** Row `at` becomes a reference to row `i` of `p`. */
  refer(at: number, p: PackedEntries, i: number): void {
    let id = this.lastPack === p ? this.lastPackId : this.packIds.get(p); // a file's rows come together
    if (id === undefined) this.packIds.set(p, (id = this.packs.push(p) - 1));
    this.lastPack = p;
    this.lastPackId = id;
    this.src.set(at, id);
    this.row.set(at, i);
  }

  get(i: number, into?: LocalEntry): LocalEntry {
    return this.fillRow(i, true, into);
  }

  /**
   * Row `i` through one reused entry, valid until the next call. Its key is decoded only if it
   * is read: reports never read it, and decoding every key was most of a report's garbage.
   */
  at(i: number): LocalEntry {
    if (this.view === null) {
      const table = this;
      this.view = Object.defineProperty({} as LocalEntry, 'key', {
        enumerable: true,
        get() {
          const k = table.keyRef(table.viewRow);
          return decodeKey(k.bytes, k.start, k.end);
        },
      });
    }
    this.viewRow = i;
    return this.fillRow(i, false, this.view);
  }

  private fillRow(i: number, withKey: boolean, into: LocalEntry | undefined): LocalEntry {
    const s = this.src.at(i);
    const r = this.row.at(i);
    const k = withKey ? this.keyRef(i) : null;
    const key = k ? decodeKey(k.bytes, k.start, k.end) : undefined;
    if (s >= 0) return fill(this.packs[s]!.nums, r * F, this.packs[s]!.refs, r * R, this.packs[s]!.strings, key, into);
    return fill(this.nums[r >> CHUNK_BITS]!, (r & MASK) * F, this.refs[r >> CHUNK_BITS]!, (r & MASK) * R, this.names.strings, key, into);
  }

  /** The row of `p` that row `i` refers to; -1 when row `i` is not a reference to `p`. */
  rowIn(i: number, p: PackedEntries): number {
    const s = this.src.at(i);
    return s >= 0 && this.packs[s] === p ? this.row.at(i) : -1;
  }

  output(i: number): number {
    return this.num(i, 2);
  }

  final(i: number): boolean {
    return this.num(i, 7) === 1;
  }

  /** Whether row `i` has been priced from its tokens (calc; NaN until then). */
  hasCalc(i: number): boolean {
    return this.num(i, 9) === this.num(i, 9);
  }

  /** Set the cost from tokens; for a referenced row, in the packed columns it refers to. */
  setCalc(i: number, usd: number): void {
    const s = this.src.at(i);
    const r = this.row.at(i);
    if (s >= 0) this.packs[s]!.nums[r * F + 9] = usd;
    else this.nums[r >> CHUNK_BITS]![(r & MASK) * F + 9] = usd;
  }

  /**
   * The rows in order through one reused entry (`at`): read each before the next, keep none.
   * The iterator reuses its result object too, so a pass over the rows makes no garbage.
   */
  reused(): Iterable<LocalEntry> {
    return {
      [Symbol.iterator]: () => {
        let i = 0;
        const step = { value: undefined as unknown as LocalEntry, done: false };
        return {
          next: () => {
            if (i < this.length) step.value = this.at(i++);
            else step.done = true;
            return step;
          },
        };
      },
    };
  }

  /**
   * The rows (those `keep` accepts; all by default) in time order (ties in row order), through
   * the reused entry (`at`): read each before the next. It holds 12 bytes per row, not an entry
   * per row (the blocks report on 5 GB of logs held 450k entries, ~200 MB, when it sorted entries).
   */
  *byTime(keep: (e: LocalEntry) => boolean = () => true): Generator<LocalEntry> {
    const times = new Float64Array(this.length);
    const rows = new IntColumn();
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      const e = this.at(i);
      if (!keep(e)) continue;
      times[i] = e.time;
      rows.set(n++, i);
    }
    const order = rows.a.slice(0, n).sort((a, b) => times[a]! - times[b]! || a - b);
    for (const i of order) yield this.at(i);
  }

  /**
   * The column blocks the rows live in (the packed columns rows refer to, then the owned rows'
   * chunks), for passes over every row's numbers (pricing): rows there that no row refers to any
   * more (a copy that lost to a later one) come too.
   */
  *blocks(): Generator<{ nums: Float64Array; refs: Uint32Array; strings: string[]; rows: number }> {
    for (const p of this.packs) yield { nums: p.nums, refs: p.refs, strings: p.strings, rows: packedRows(p) };
    for (let k = 0; k * CHUNK < this.owned; k++) yield { nums: this.nums[k]!, refs: this.refs[k]!, strings: this.names.strings, rows: Math.min(CHUNK, this.owned - k * CHUNK) };
  }

  /** The rows as packed columns of their own (copied, sized to the rows there are). */
  packed(): PackedEntries {
    // A table of owned rows only has row i in owned row i (rows are replaced in place): its
    // chunks are the columns. Otherwise the rows are gathered into a new table first.
    const out = this.packs.length === 0 ? this : new EntryTable();
    if (out !== this) {
      for (let i = 0; i < this.length; i++) {
        const e = this.at(i);
        const k = this.keyRef(i);
        out.pushKeyed(e, k.bytes, k.start, k.end);
      }
    }
    const n = out.owned;
    const nums = new Float64Array(n * F);
    const refs = new Uint32Array(n * R);
    for (let k = 0; k * CHUNK < n; k++) {
      const rows = Math.min(CHUNK, n - k * CHUNK);
      nums.set(out.nums[k]!.subarray(0, rows * F), k * CHUNK * F);
      refs.set(out.refs[k]!.subarray(0, rows * R), k * CHUNK * R);
    }
    // Owned rows only: their keys went into the arena in row order, so the key bytes are the
    // arena's chunks one after another and the ends are the running totals kept per row.
    const ends = new Uint32Array(n);
    if (n > 0) ends.set(out.keyEnds.a.subarray(0, n));
    const bytes = Buffer.allocUnsafeSlow(n > 0 ? ends[n - 1]! : 0); // its own memory: it may be moved to another thread
    out.arena.copyTo(bytes);
    return { nums, refs, keys: { bytes, ends }, strings: out.names.strings };
  }

  /** Column `k` of row `i`'s numbers, where they are (owned or packed). */
  private num(i: number, k: number): number {
    const s = this.src.at(i);
    const r = this.row.at(i);
    return s >= 0 ? this.packs[s]!.nums[r * F + k]! : this.nums[r >> CHUNK_BITS]![(r & MASK) * F + k]!;
  }

  /** Row `at` becomes a new owned row holding `e`, keyed by b[s, end) (no `b`: by `e.key`). */
  private own(at: number, e: LocalEntry, b: Uint8Array | null, s: number, end: number): void {
    const r = this.owned++;
    this.grow(r);
    this.fillOwned(r, e);
    if (b === null) ({ bytes: b, start: s, end } = storedKey(e));
    const length = end - s;
    this.keyPlace.set(r, length === 0 ? 0 : this.arena.add(b, s, end));
    this.keyEnds.set(r, (r === 0 ? 0 : this.keyEnds.at(r - 1)) + length);
    this.src.set(at, -1);
    this.row.set(at, r);
  }

  private fillOwned(r: number, e: LocalEntry): void {
    writeNums(this.nums[r >> CHUNK_BITS]!, (r & MASK) * F, e);
    this.names.refs(e, this.refs[r >> CHUNK_BITS]!, (r & MASK) * R);
  }

  /** Room for owned row `r` (chunks kept from before a `clear` are used again). */
  private grow(r: number): void {
    if ((r & MASK) === 0 && r >> CHUNK_BITS === this.nums.length) {
      // Most tables (one per file read) hold a few hundred rows: the first chunk starts small
      // and doubles up to full size; later chunks are full from the start and never copied.
      const rows = r === 0 ? 256 : CHUNK;
      this.nums.push(new Float64Array(rows * F));
      this.refs.push(new Uint32Array(rows * R));
    } else if (r < CHUNK && r * F === this.nums[0]!.length) {
      const rows = Math.min(CHUNK, r * 2);
      const nums = new Float64Array(rows * F);
      nums.set(this.nums[0]!);
      this.nums[0] = nums;
      const refs = new Uint32Array(rows * R);
      refs.set(this.refs[0]!);
      this.refs[0] = refs;
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
  const out = new Array<LocalEntry>(packedRows(p));
  for (let i = 0; i < out.length; i++) out[i] = readRow(p, i);
  return out;
}
