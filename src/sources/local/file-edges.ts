/**
 * Has a log file only grown since it was read? Agent logs are append-only, so
 * the collector's cursors and the reports' usage index resume a file where
 * they stopped; this decides when that is safe. A file counts as grown when it
 * has the same inode, is not shorter than what was read, still starts with the
 * same bytes and has the same bytes just before where reading stopped, and
 * (unless its size changed) the same mtime. Anything else, such as a file
 * replaced, shortened or rewritten in place, is read again from the start.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const EDGE = 256;

/** What was known about a file when it was read up to `end`. */
export interface ReadMark {
  ino: number;
  size: number;
  end: number;
  /** First bytes of the file (base64). */
  head: string;
  /** The bytes just before `end` (base64); absent in cursors written before it existed. */
  mark?: string;
  /** Absent in cursors written before it existed. */
  mtimeMs?: number;
}

/** The bytes a ReadMark compares: the file's first bytes and those before `end`, with one open. */
export function fileEdges(file: string, end: number): { head: string; mark: string } {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(EDGE);
    const head = b.subarray(0, readSync(fd, b, 0, EDGE, 0)).toString('base64');
    const from = Math.max(0, end - EDGE);
    const mark = b.subarray(0, readSync(fd, b, 0, end - from, from)).toString('base64');
    return { head, mark };
  } finally {
    closeSync(fd);
  }
}

const STAMP = Buffer.from('"timestamp":"');
/** How far into a file `firstTime` looks (a first user message can be long). */
const FIRST_MAX = 1 << 20;

/**
 * The time of the first line of `file` with a `"timestamp"` (epoch ms), or null when the first
 * megabyte has none. Logs are written in time order, so this is when the file began; a session
 * that replays another's lines (a resumed or forked session) begins after it.
 */
export function firstTime(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const b = Buffer.allocUnsafe(16 << 10);
    let carry = 0; // bytes kept from the last chunk (a timestamp may straddle two)
    for (let pos = 0; pos < FIRST_MAX; ) {
      const got = readSync(fd, b, carry, b.length - carry, pos);
      if (got === 0) return null;
      pos += got;
      const n = carry + got;
      const v = b.subarray(0, n);
      for (let at = v.indexOf(STAMP); at !== -1; at = v.indexOf(STAMP, at + 1)) {
        const from = at + STAMP.length;
        const to = v.indexOf(0x22, from);
        if (to === -1) break; // the value goes on in the next chunk
        const t = Date.parse(v.toString('latin1', from, to));
        if (Number.isFinite(t)) return t;
      }
      carry = Math.min(64, n);
      b.copy(b, 0, n - carry, n);
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Files in the order their usage is first counted: by `firstTime` (`times[i]` is file i's;
 * earliest first, none last), ties in the order given. A response found in two files counts in
 * the earlier one (the session it was made in, not one that replays it), as ccusage takes files
 * by their earliest timestamp.
 */
export function byFirstTime<T>(files: T[], times: (number | null)[]): T[] {
  const t = times.map((x) => x ?? Infinity);
  return files.map((_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b).map((i) => files[i]!);
}

/** Whether `file` (as stat'ed now) has only grown since `m` was taken, so reading can resume at `m.end`. */
export function onlyGrew(m: ReadMark, file: string, now: { ino: number; size: number; mtimeMs: number }): boolean {
  if (m.ino !== now.ino || now.size < m.end) return false;
  if (m.mtimeMs !== undefined && now.size === m.size && now.mtimeMs !== m.mtimeMs) return false;
  try {
    const edges = fileEdges(file, m.end);
    if (m.mark !== undefined && edges.mark !== m.mark) return false;
    // The head was read when the file may have been shorter: compare the bytes both have.
    const a = Buffer.from(edges.head, 'base64');
    const b = Buffer.from(m.head, 'base64');
    const n = Math.min(a.length, b.length);
    return a.subarray(0, n).equals(b.subarray(0, n));
  } catch {
    return false;
  }
}
