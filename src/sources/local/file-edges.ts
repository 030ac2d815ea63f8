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
