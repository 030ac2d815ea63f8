/**
 * Dedup past a memory budget: the responses a report keeps, through files.
 *
 * A report keeps one row per response until every log is read (a later copy
 * of a response may replace an earlier one). That is ~200 bytes a response:
 * ~90k responses per GB of Claude Code logs. Past a budget of rows the dedup
 * spills (dedup.ts): every row so far, and every row after, is appended to one
 * of 64 partition files by its key's hash, so all copies of a response land in
 * one partition, in the order they were read. Then each partition (split again
 * by further hash bits while it holds more than a quarter of the budget) is read back
 * and deduplicated on its own, with the same rule and, since its rows keep
 * their order, the same winners as one pass over everything would give. The
 * winners go to one file per day of their time (UTC), and the report reads the
 * days in order, each sorted by time (ties in the order responses were first
 * seen, as EntryTable.byTime). Every buffer is reused from one partition or day
 * to the next, so memory is the budget (or the largest day, if one day alone
 * held more responses than that), whatever the size of the logs; the files
 * live in a fresh directory under the system's temporary directory and are
 * removed when the report ends (or the process exits, or is interrupted).
 *
 * Rows hold counters, model, session, project and ids: never text.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalEntry } from './entry.js';
import { hashBytes, keyStart } from './keys.js';
import { fill, Interner, PACKED_NUMS as F, PACKED_REFS as R, writeNums, type EntryTable, type PackedEntries } from './pack.js';

/** What the spill needs of a dedup (dedup.ts's Deduper, given to break the import cycle). */
export interface RowDedup {
  readonly table: EntryTable;
  readonly duplicates: number;
  addRow(p: PackedEntries, i: number): void;
  /** Forget every row, keeping the memory. */
  clear(): void;
}

const PART_BITS = 6;
const PARTS = 1 << PART_BITS;
/** Hash bits run out after this many splits (6 bits each, from the top: the dedup's index uses the low ones). */
const MAX_LEVEL = 4;
/** A partition record: seq (f64), the numbers (f64), string ids (u32), key length (u32), padding; then the key, padded to 8. */
const HEAD = 8 + F * 8 + R * 4 + 8;
/** A day record: first-seen seq, the numbers, string ids (8-byte aligned, so the file reads as typed arrays). */
const TIMED = 8 + F * 8 + R * 4;
const DAY = 86_400_000;
const align8 = (n: number) => (n + 7) & ~7;

/** Appends records to a file through a buffer (opened on the first write). */
class Writer {
  private buf: Buffer | null = null;
  private n = 0;
  private fd = -1;
  rows = 0;
  /** Bytes written (flushed or not). */
  bytes = 0;
  constructor(
    readonly file: string,
    private readonly size: number,
    /** Keep the file open between flushes (partitions); day files are many, so each flush opens and closes. */
    private readonly keepOpen = true,
  ) {}

  /** Room for `bytes` more at `this.at()`. */
  room(bytes: number): Buffer {
    if (this.buf === null) this.buf = take(this.size, bytes);
    else if (this.n + bytes > this.buf.length) {
      this.flush();
      if (bytes > this.buf.length) this.buf = Buffer.allocUnsafeSlow(bytes);
    }
    return this.buf;
  }

  get at(): number {
    return this.n;
  }

  wrote(bytes: number): void {
    this.n += bytes;
    this.bytes += bytes;
    this.rows++;
  }

  flush(): void {
    if (this.n === 0) return;
    try {
      if (this.fd === -1) this.fd = openSync(this.file, 'a', 0o600);
      writeSync(this.fd, this.buf!, 0, this.n);
    } catch (err) {
      throw spillError(err, path.dirname(this.file));
    }
    this.n = 0;
    if (!this.keepOpen) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** Flush and close; the buffer is let go. */
  close(): void {
    this.flush();
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
    if (this.buf !== null && this.buf.length === this.size) give(this.buf); // a buffer grown for one long record is let go
    this.buf = null;
  }
}

/** Writers' buffers by size, for the next writers (a split makes 64 at a time): freed, they would wait for a GC. */
const pool = new Map<number, Buffer[]>();
const take = (size: number, bytes: number): Buffer => (bytes <= size && pool.get(size)?.pop()) || Buffer.allocUnsafeSlow(Math.max(size, bytes));
function give(b: Buffer): void {
  let free = pool.get(b.length);
  if (!free) pool.set(b.length, (free = []));
  free.push(b);
}

/** One record's fixed part, written through typed views and copied in whole. */
const scratch = new ArrayBuffer(HEAD);
const scratchBytes = new Uint8Array(scratch);
const scratchNums = new Float64Array(scratch, 0, 1 + F);
const scratchRefs = new Uint32Array(scratch, 8 + F * 8, R + 2);

const PREFIX = 'tokenboard-spill-';

/** Why the spill's files could not be written, and what to do about it. */
function spillError(err: unknown, dir: string): Error {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new Error(
    `cannot write this report's temporary files in ${dir} (${code}): the logs hold more responses than a report keeps in memory. ` +
      'Set TMPDIR to a directory with free space, or TOKENBOARD_SPILL_ROWS higher to keep more in memory.',
  );
}

/**
 * The spill's directory: new for each report, removed when the report ends, when the process
 * exits, and on SIGINT/SIGTERM (the signal is then raised again, so the process still ends as
 * it would have). Directories that a killed report left (older than a day) are removed first.
 */
class TempDir {
  readonly path: string;
  constructor() {
    const root = os.tmpdir();
    sweep(root);
    try {
      this.path = mkdtempSync(path.join(root, PREFIX));
    } catch (err) {
      throw spillError(err, root);
    }
    process.once('exit', this.remove);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  readonly remove = (): void => {
    rmSync(this.path, { recursive: true, force: true });
    process.off('exit', this.remove);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  };

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.remove();
    process.kill(process.pid, signal);
  };
}

/** Remove spill directories older than a day: a report killed outright (SIGKILL, power loss) cannot remove its own. */
function sweep(root: string): void {
  try {
    for (const name of readdirSync(root)) {
      if (!name.startsWith(PREFIX)) continue;
      const dir = path.join(root, name);
      if (statSync(dir).mtimeMs < Date.now() - 86_400_000) rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    // Not ours to fail a report over.
  }
}

export class Spill {
  private readonly tmp = new TempDir();
  readonly dir = this.tmp.path;
  private readonly parts: Writer[];
  private names = new Interner();
  private lastPack: PackedEntries | null = null;
  private packIds = new Int32Array(0);
  /** Rows appended so far: a row's seq is its place in reading order. */
  private seq = 0;

  constructor(
    private readonly budget: number,
    private readonly dedup: () => RowDedup,
  ) {
    this.parts = this.writers(0, '');
  }

  private writers(level: number, name: string): Writer[] {
    return Array.from({ length: PARTS }, (_, p) => new Writer(path.join(this.dir, `p${name}-${level}-${p}`), 64 << 10));
  }

  /** Append an entry whose stored key is key[ks, ke). */
  add(e: LocalEntry, key: Uint8Array, ks: number, ke: number): void {
    writeNums(scratchNums, 1, e);
    this.names.refs(e, scratchRefs, 0);
    this.append(key, ks, ke);
  }

  /** Append row `i` of packed columns. */
  addRow(p: PackedEntries, i: number): void {
    if (p !== this.lastPack) {
      this.lastPack = p;
      this.packIds = new Int32Array(p.strings.length).fill(-1);
    }
    scratchNums.set(p.nums.subarray(i * F, i * F + F), 1);
    for (let k = 0; k < R; k++) {
      const local = p.refs[i * R + k]!;
      let id = this.packIds[local]!;
      if (id === -1) this.packIds[local] = id = this.names.id(k, p.strings[local]!);
      scratchRefs[k] = id;
    }
    this.append(p.keys.bytes, keyStart(p.keys, i), p.keys.ends[i]!);
  }

  private append(key: Uint8Array, ks: number, ke: number): void {
    const seq = this.seq++;
    scratchNums[0] = seq;
    scratchRefs[R] = ke - ks;
    scratchRefs[R + 1] = 0;
    write(this.parts[partOf(key, ks, ke, seq, 0)]!, key, ks, ke);
  }

  /** Deduplicate every partition into day files; the spilled entries, to read in time order. */
  finish(): SpilledEntries {
    const days = new Map<number, Writer>();
    const out = new SpilledEntries(this.dir, this.names.strings, days, this.tmp.remove);
    const timed = Buffer.allocUnsafeSlow(TIMED);
    const timedNums = new Float64Array(timed.buffer, timed.byteOffset, 1 + F);
    const timedRefs = new Uint32Array(timed.buffer, timed.byteOffset + 8 + F * 8, R);
    // Grown as needed and used again for every partition: memory is the largest partition's.
    const reader = new RecordReader();
    const cols = new Columns();
    const d = this.dedup();
    const visit = (w: Writer, level: number): void => {
      w.close();
      if (w.rows === 0) return;
      if (w.rows > this.budget / 4 && level < MAX_LEVEL) {
        // Too many to deduplicate in a fraction of the budget: split by the next hash bits, then each on its own.
        const children = this.writers(level + 1, path.basename(w.file));
        reader.scan(w.file, (b, o, keyLength, n) => {
          const child = children[partOf(b, o + HEAD, o + HEAD + keyLength, reader.f64[o >> 3]!, level + 1)]!;
          child.room(n).set(b.subarray(o, o + n), child.at);
          child.wrote(n);
        });
        rmSync(w.file);
        for (const c of children) visit(c, level + 1);
        return;
      }
      // Back into packed columns (strings: the spill's), then one dedup in reading order.
      const rows = w.rows;
      const c = cols.room(rows, w.bytes - rows * HEAD);
      let i = 0;
      let keyAt = 0;
      reader.scan(w.file, (b, o, keyLength) => {
        c.seqs[i] = reader.f64[o >> 3]!;
        c.nums.set(reader.f64.subarray((o >> 3) + 1, (o >> 3) + 1 + F), i * F);
        c.refs.set(reader.u32.subarray((o >> 2) + REFS, (o >> 2) + REFS + R), i * R);
        b.copy(c.bytes, keyAt, o + HEAD, o + HEAD + keyLength);
        c.ends[i++] = keyAt += keyLength;
      });
      rmSync(w.file);
      const p: PackedEntries = { nums: c.nums.subarray(0, rows * F), refs: c.refs.subarray(0, rows * R), strings: this.names.strings, keys: { bytes: c.bytes, ends: c.ends.subarray(0, rows) } };
      d.clear();
      for (let i = 0; i < rows; i++) {
        const before = d.table.length;
        d.addRow(p, i);
        if (d.table.length > before) c.first[before] = c.seqs[i]!; // the seq each response was first seen at
      }
      out.duplicates += d.duplicates;
      // The kept rows refer to rows of `p`: their numbers and string ids are read from there.
      for (let k = 0; k < d.table.length; k++) {
        const i = rowOf(d.table, k, p);
        timedNums[0] = c.first[k]!;
        timedNums.set(p.nums.subarray(i * F, i * F + F), 1);
        timedRefs.set(p.refs.subarray(i * R, i * R + R));
        const day = Math.floor(p.nums[i * F]! / DAY);
        let dw = days.get(day);
        if (!dw) days.set(day, (dw = new Writer(path.join(this.dir, `d${day}`), 16 << 10, false)));
        dw.room(TIMED).set(timed, dw.at);
        dw.wrote(TIMED);
        out.length++;
      }
    };
    try {
      for (const w of this.parts) visit(w, 0);
      for (const w of days.values()) w.close();
    } catch (err) {
      out.close();
      throw err;
    }
    return out;
  }
}

/** Where a partition record's string ids start, in 4-byte words (after seq and the numbers). */
const REFS = 2 + 2 * F;

/** Reads a partition file's records a megabyte at a time (records are 8-byte multiples, so typed views stay aligned). */
class RecordReader {
  private buf = Buffer.allocUnsafeSlow(1 << 20);
  f64 = new Float64Array(this.buf.buffer, 0, this.buf.length >> 3);
  u32 = new Uint32Array(this.buf.buffer, 0, this.buf.length >> 2);

  /** `each(buffer, offset, keyLength, recordLength)` per record, in file order; the views are valid during the call. */
  scan(file: string, each: (b: Buffer, o: number, keyLength: number, n: number) => void): void {
    const fd = openSync(file, 'r');
    try {
      let have = 0;
      for (;;) {
        if (have === this.buf.length) this.grow(); // a record longer than the buffer
        const got = readSync(fd, this.buf, have, this.buf.length - have, null);
        have += got;
        let o = 0;
        while (o + HEAD <= have) {
          const keyLength = this.u32[(o >> 2) + REFS + R]!;
          const n = HEAD + align8(keyLength);
          if (o + n > have) break;
          each(this.buf, o, keyLength, n);
          o += n;
        }
        if (got === 0) {
          if (o !== have) throw new Error(`spill: ${file} ends inside a record`);
          return;
        }
        this.buf.copy(this.buf, 0, o, have);
        have -= o;
      }
    } finally {
      closeSync(fd);
    }
  }

  private grow(): void {
    const b = Buffer.allocUnsafeSlow(this.buf.length * 2);
    this.buf.copy(b);
    this.buf = b;
    this.f64 = new Float64Array(b.buffer, 0, b.length >> 3);
    this.u32 = new Uint32Array(b.buffer, 0, b.length >> 2);
  }
}

/** A partition's rows as columns, grown as needed (never shrunk). */
class Columns {
  nums = new Float64Array(0);
  refs = new Uint32Array(0);
  ends = new Uint32Array(0);
  seqs = new Float64Array(0);
  first = new Float64Array(0);
  bytes = Buffer.alloc(0);

  room(rows: number, keyBytes: number): this {
    if (this.ends.length < rows) {
      const n = Math.max(rows, this.ends.length * 2);
      this.nums = new Float64Array(n * F);
      this.refs = new Uint32Array(n * R);
      this.ends = new Uint32Array(n);
      this.seqs = new Float64Array(n);
      this.first = new Float64Array(n);
    }
    if (this.bytes.length < keyBytes) this.bytes = Buffer.allocUnsafeSlow(Math.max(keyBytes, this.bytes.length * 2));
    return this;
  }
}

/** Which of PARTS a record goes to at a split level: hash bits from the top; keyless rows (no dedup) by seq. */
function partOf(key: Uint8Array, ks: number, ke: number, seq: number, level: number): number {
  if (ke === ks) return Math.floor(seq / PARTS ** level) % PARTS;
  return (hashBytes(key, ks, ke) >>> (32 - PART_BITS * (level + 1))) & (PARTS - 1);
}

function write(w: Writer, key: Uint8Array, ks: number, ke: number): void {
  const n = HEAD + align8(ke - ks);
  const b = w.room(n);
  const at = w.at;
  b.set(scratchBytes, at);
  for (let i = ks, j = at + HEAD; i < ke; i++, j++) b[j] = key[i]!;
  b.fill(0, at + HEAD + ke - ks, at + n);
  w.wrote(n);
}

/** The row of `p` that kept row `k` of a table built only from `p`'s rows refers to. */
function rowOf(table: EntryTable, k: number, p: PackedEntries): number {
  const r = table.rowIn(k, p);
  if (r === -1) throw new Error('spill: a kept row is not a row of its partition');
  return r;
}

/**
 * The entries a spilled report keeps, in time order (ties: first seen first), one day file at
 * a time through one reused entry: read each before the next. `close()` removes the files.
 */
export class SpilledEntries {
  length = 0;
  duplicates = 0;
  constructor(
    /** The directory of the files, removed by `close()`. */
    readonly dir: string,
    private readonly strings: string[],
    private readonly days: Map<number, Writer>,
    private readonly remove: () => void,
  ) {}

  *byTime(): Generator<LocalEntry> {
    let e: LocalEntry | undefined;
    let buf = Buffer.alloc(0);
    let order = new Int32Array(0);
    const N = TIMED >> 3;
    for (const day of [...this.days.keys()].sort((a, b) => a - b)) {
      const w = this.days.get(day)!;
      if (buf.length < w.bytes) buf = Buffer.allocUnsafeSlow(Math.max(w.bytes, buf.length * 2)); // used again for every day
      const fd = openSync(w.file, 'r');
      try {
        for (let at = 0; at < w.bytes; ) {
          const got = readSync(fd, buf, at, w.bytes - at, null);
          if (got === 0) throw new Error(`spill: ${w.file} is shorter than written`);
          at += got;
        }
      } finally {
        closeSync(fd);
      }
      const f64 = new Float64Array(buf.buffer, 0, w.bytes >> 3);
      const u32 = new Uint32Array(buf.buffer, 0, w.bytes >> 2);
      const rows = w.rows;
      if (order.length < rows) order = new Int32Array(Math.max(rows, order.length * 2));
      const sorted = order.subarray(0, rows);
      for (let i = 0; i < rows; i++) sorted[i] = i;
      sorted.sort((a, b) => f64[a * N + 1]! - f64[b * N + 1]! || f64[a * N]! - f64[b * N]!);
      for (const i of sorted) {
        e = fill(f64, i * N + 1, u32, i * 2 * N + REFS, this.strings, null, e);
        yield e;
      }
    }
  }

  close(): void {
    this.remove();
  }
}
