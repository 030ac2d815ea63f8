/**
 * A Claude Code log file straight into packed rows (pack.ts), for reports.
 *
 * The file is read into the WebAssembly module's memory, and one call per
 * chunk (pick.as.ts `scan`) finds its lines, checks the shape of those
 * without `_tokens"`, and makes each usage line of the usual shape a row where
 * it lies (`row`): the response key is put together and hashed from the line's
 * bytes, looked up in the file's own hash table, and the row is added, or
 * replaces the copy kept when it wins by the final-chunk rule (dedup.ts). No
 * entry object, key string or JavaScript loop is made per line: the per-line
 * JavaScript this replaces (decoding the picked values, building an entry,
 * encoding and hashing its key, writing the table) was a third of a report,
 * most of it spent before V8 had optimised it.
 *
 * The rows are those a per-file Deduper would keep, in the same order, with
 * the same numbers: a line the walk does not decide (an unusual timestamp, a
 * number with a fraction or sign, anything JSON.parse must judge) stops the
 * scan, is read by adapter.ts as before and added through `addEntry` in its
 * place. A test compares the two paths on generated and damaged files.
 */
import type { LocalEntry } from '../local/entry.js';
import { eachLine, scanLines } from '../local/lines.js';
import { PACKED_NUMS, storedKey, writeNums, type PackedEntries } from '../local/pack.js';
import { claudeCode, claudeFileIdentity, parseClaudeLine, toEntry, type RawLine } from './adapter.js';
import { currentWalker, lineAt, picked, views, walkLine, type Walker } from './fields.js';

export interface RowsRead {
  /** The file's rows (from `from`), deduplicated within it, with their keys' hashes. */
  packed: PackedEntries;
  /** Copies of a response the rows left out (within this part). */
  duplicates: number;
  /** An unterminated last line that parsed: reports count it, the index never keeps it. */
  tail: LocalEntry[];
  /** True when the unterminated last line did not parse (a truncated write). */
  truncatedTail: boolean;
  malformed: number[];
  /** Offset just past the last complete line read. */
  end: number;
  /**
   * Reading stopped once the rows reached `limit`: the offset of the first line not read (the
   * caller reads on from there), else null.
   */
  stoppedAt: number | null;
}

/**
 * Log bytes per response at the densest seen (a usage line alone is ~1.5 KB, and files hold other
 * lines too). Room for size / this many rows (at most MAX_ROOM) is set aside for a file, untouched
 * until used; a file with more rows grows its columns as they fill. load.ts bounds its default
 * worker thread by it.
 */
export const DENSEST_BYTES_PER_RESPONSE = 4096;
const MAX_ROOM = 1 << 20;

/** The read area in the walker's memory: files are read this much at a time. */
const READ_BYTES = 1 << 20;

/** What pick.as.ts `scan` says it did. */
const SCAN_DONE = 0;
const SCAN_JS = 1;
const SCAN_LIMIT = 2;

/** Thrown through scanLines to stop reading at the row limit. */
const STOP = new Error('row limit');

/**
 * Read `file` (below the projects root `root`) from byte `from` into rows; stop after the line
 * that brings them to `limit`. `readBytes`: read this much at a time (less than the read area:
 * tests, so that lines straddle reads and long ones take a buffer of their own). `size`: the
 * file's size, to set room aside for its rows (0: grow as they come).
 */
export function readClaudeRows(file: string, root: string, from: number, limit = Infinity, readBytes = READ_BYTES, size = 0): RowsRead {
  const { project, sessionId } = claudeFileIdentity(file, root);
  const w = currentWalker();
  const x = w.rows;
  const malformed: number[] = [];
  const tail: LocalEntry[] = [];
  let truncatedTail = false;
  let stoppedAt: number | null = null;
  let end = from;
  w.busy = true;
  x.rowsBegin(Math.min(limit, MAX_ROOM, Math.ceil(Math.max(0, size - from) / DENSEST_BYTES_PER_RESPONSE)));
  // Files are read straight into the walker's memory (a view made again whenever it grew).
  const at = x.readArea(READ_BYTES);
  const area = () => Buffer.from(w.memory.buffer, at, Math.min(readBytes, READ_BYTES));
  let rows = 0;
  /** One line, in JavaScript: those the scan leaves, and all of a buffer grown for a long line. */
  const line = (buf: Buffer, s: number, e: number, offset: number, complete: boolean): void => {
    const next = offset + (e - s) + 1;
    // A UTF-8 byte order mark before the first line is not part of the JSON.
    if (offset === 0 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    // A line in the read area is walked where it lies; one in a buffer grown for a long line is copied.
    const at = lineAt(w, buf, s, e);
    if (!complete) {
      // Reports count an unterminated last line when it parses; the index never keeps it.
      const r = read(w, !walkLine(w, at, e - s), buf, s, e, project, sessionId);
      if (r === 'malformed') truncatedTail = true;
      else if (r !== null) tail.push(r);
      return;
    }
    let r = x.row(at, e - s);
    if (r < 0) {
      // Nothing was added, so `buf` is still a view of the memory as it is.
      const entry = read(w, r === -1, buf, s, e, project, sessionId);
      if (entry === 'malformed') malformed.push(offset);
      else if (entry !== null) r = add(w, entry);
    }
    if (r > 0) rows = r;
    if (rows >= limit) {
      stoppedAt = next;
      throw STOP;
    }
  };
  const badShape = (offset: number, complete: boolean): void => {
    if (complete) malformed.push(offset);
    else truncatedTail = true;
  };
  /**
   * The complete lines of a chunk: in the read area, many at a time by the WebAssembly scan
   * (pick.as.ts `scan`), which stops at a line left to JavaScript; elsewhere line by line.
   */
  const lines = (buf: Buffer, pos: number, lim: number, filePos: number): Buffer => {
    if (buf.buffer !== w.memory.buffer) {
      eachLine(buf, pos, lim, filePos, claudeCode.needle!, line, badShape);
      return buf;
    }
    const base = buf.byteOffset;
    const out = x.scanOut() >> 2;
    const badAt = x.scanBad() >> 2;
    while (pos < lim) {
      x.scan(base, pos, lim, rows, Math.min(limit, 0x7fffffff));
      views(w);
      const m = w.words;
      if (buf.byteLength === 0) buf = area(); // the rows' tables grew the memory
      rows = m[out + 3]!;
      for (let k = 0, n = m[out + 4]!; k < n; k++) malformed.push(filePos + m[badAt + k]!);
      const status = m[out]!;
      const ls = m[out + 1]!;
      const le = m[out + 2]!;
      if (status === SCAN_DONE) break;
      if (status === SCAN_LIMIT) {
        stoppedAt = filePos + le + 1;
        throw STOP;
      }
      if (status === SCAN_JS) {
        line(buf, ls, le, filePos + ls, true);
        if (buf.byteLength === 0) buf = area();
      }
      pos = le + 1;
    }
    return buf;
  };
  try {
    const scan = scanLines(file, line, { from, needle: claudeCode.needle, buffer: area(), onBadShape: badShape, lines });
    end = scan.end;
  } catch (err) {
    if (err !== STOP) throw err;
    end = stoppedAt!;
  } finally {
    w.busy = false;
  }
  return { ...rowsOut(w, project, sessionId), tail, truncatedTail, malformed, end, stoppedAt };
}

/**
 * The entry of a line the walk did not make a row of, as adapter.ts reads it: from the slots the
 * walk of it just left, or by JSON.parse when the walk gave up.
 */
function read(w: Walker, gaveUp: boolean, buf: Buffer, s: number, e: number, project: string, sessionId: string): LocalEntry | null | 'malformed' {
  if (gaveUp) return parseClaudeLine(buf.toString('utf8', s, e), project, sessionId);
  return toEntry(picked(w, buf, s, false) as RawLine, project, sessionId);
}

/** Add an entry read in JavaScript to the file's rows, in its place; the number of rows. */
function add(w: Walker, e: LocalEntry): number {
  const x = w.rows;
  const k = storedKey(e);
  const mlen = Buffer.byteLength(e.model, 'utf8');
  const at = x.scratch(k.end + mlen);
  views(w);
  w.bytes.set(k.bytes.subarray(0, k.end), at);
  Buffer.from(w.memory.buffer).write(e.model, at + k.end, 'utf8');
  writeNums(w.numbers, x.args() >> 3, e);
  return x.addEntry(k.end, mlen);
}

/** The file's rows, copied out of the walker's memory (each column its own, so it can move to another thread). */
function rowsOut(w: Walker, project: string, sessionId: string): { packed: PackedEntries; duplicates: number } {
  const info = w.rows.rowsEnd() >> 2;
  views(w);
  const m = w.words;
  const n = m[info]!;
  const keyBytes = m[info + 1]!;
  const models = m[info + 3]!;
  const mem = w.memory.buffer;
  const bytes = Buffer.allocUnsafeSlow(keyBytes);
  bytes.set(new Uint8Array(mem, m[info + 8]!, keyBytes));
  const strings = ['claude-code', sessionId, project];
  const names = Buffer.from(mem);
  for (let k = 0, at = m[info + 9]! >> 2, base = m[info + 10]!; k < models; k++, at += 2) strings.push(names.toString('utf8', base + m[at]!, base + m[at]! + m[at + 1]!));
  return {
    packed: {
      nums: new Float64Array(mem, m[info + 4]!, n * PACKED_NUMS).slice(),
      refs: new Uint32Array(mem, m[info + 5]!, n * 4).slice(),
      hashes: new Uint32Array(mem, m[info + 6]!, n).slice(),
      keys: { bytes, ends: new Uint32Array(mem, m[info + 7]!, n).slice() },
      strings,
    },
    duplicates: m[info + 2]!,
  };
}
