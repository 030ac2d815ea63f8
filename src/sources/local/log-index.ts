/**
 * The usage index: what each log file yielded when a report last read it, so
 * the next report reads only what was appended since.
 *
 * Agent logs only grow (Claude Code and Codex append a line per event), and
 * people run reports again and again over the same months of logs. For every
 * file the index keeps its identity (inode, size, mtime, first bytes), the
 * offset after its last complete line, the parser state there (Codex keeps
 * running totals), its malformed lines and its entries (counters, model,
 * session and ids: never text). A file whose size and mtime are unchanged is
 * not opened; a grown file is read from where the index stopped (the same
 * resume rule as the collector's cursors, state.ts); a replaced, shortened or
 * rewritten file is read again from the start. Files that are gone drop out.
 *
 * It is a cache: a missing, unreadable or outdated index (another format or
 * tokenboard version) is ignored and rebuilt, and a failure to write one never
 * fails a report. `tokenboard usage --no-cache` reads every file and leaves the
 * index alone. Layout: u32 header length, JSON header, padding to 8 bytes,
 * then every file's numbers (Float64) and string references (Uint32) in order.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VERSION } from '../../version.js';
import type { PackedEntries } from './pack.js';
import { PACKED_NUMS, PACKED_REFS } from './pack.js';

/** Bump when what a file yields changes (parsers, entry fields), so old indexes are rebuilt. */
const FORMAT = 1;
const MAGIC = 'tokenboard-usage-index';

export interface IndexedFile {
  path: string;
  ino: number;
  size: number;
  mtimeMs: number;
  /** Its first bytes and the bytes just before `end` (base64): a file rewritten in place differs in one. */
  head: string;
  mark: string;
  /** Offset after the last complete line read; the entries cover [0, end). */
  end: number;
  /** Parser state at `end`. */
  resume: unknown;
  /** Byte offsets of malformed complete lines. */
  malformed: number[];
  /** Duplicates dropped within the file. */
  duplicates: number;
  /** The file's entries, one per response (deduplicated within the file). */
  packed: PackedEntries;
}

interface Header {
  magic: string;
  format: number;
  version: string;
  files: (Omit<IndexedFile, 'packed'> & { n: number; strings: string[]; keys: (string | null)[] })[];
}

export function defaultIndexFile(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'tokenboard', 'usage-index.bin');
}

/** The index at `file` by path, or an empty map when there is none or it cannot be used. */
export function readIndex(file: string): Map<string, IndexedFile> {
  const out = new Map<string, IndexedFile>();
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return out;
  }
  try {
    const headerLength = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.toString('utf8', 4, 4 + headerLength)) as Header;
    if (header.magic !== MAGIC || header.format !== FORMAT || header.version !== VERSION) return out;
    const total = header.files.reduce((s, f) => s + f.n, 0);
    const numsAt = align8(4 + headerLength);
    const refsAt = numsAt + total * PACKED_NUMS * 8;
    if (bytes.length !== refsAt + total * PACKED_REFS * 4) return out;
    // Copies, so the typed arrays are aligned and independent of the file buffer.
    const nums = new Float64Array(bytes.buffer.slice(bytes.byteOffset + numsAt, bytes.byteOffset + refsAt));
    const refs = new Uint32Array(bytes.buffer.slice(bytes.byteOffset + refsAt, bytes.byteOffset + bytes.length));
    let at = 0;
    for (const { n, strings, keys, ...f } of header.files) {
      const packed: PackedEntries = {
        nums: nums.subarray(at * PACKED_NUMS, (at + n) * PACKED_NUMS),
        refs: refs.subarray(at * PACKED_REFS, (at + n) * PACKED_REFS),
        strings,
        keys,
      };
      out.set(f.path, { ...f, packed });
      at += n;
    }
    return out;
  } catch {
    return new Map();
  }
}

/** Write the index atomically; false when it could not be written (reports go on without it). */
export function writeIndex(file: string, files: IndexedFile[]): boolean {
  const header: Header = {
    magic: MAGIC,
    format: FORMAT,
    version: VERSION,
    files: files.map(({ packed, ...f }) => ({ ...f, n: packed.keys.length, strings: packed.strings, keys: packed.keys })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const numsAt = align8(4 + json.length);
  const total = header.files.reduce((s, f) => s + f.n, 0);
  const out = Buffer.alloc(numsAt + total * (PACKED_NUMS * 8 + PACKED_REFS * 4));
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let pos = numsAt;
  for (const f of files) {
    const b = Buffer.from(f.packed.nums.buffer, f.packed.nums.byteOffset, f.packed.nums.byteLength);
    pos += b.copy(out, pos);
  }
  for (const f of files) {
    const b = Buffer.from(f.packed.refs.buffer, f.packed.refs.byteOffset, f.packed.refs.byteLength);
    pos += b.copy(out, pos);
  }
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, out);
    renameSync(tmp, file);
    return true;
  } catch {
    return false;
  }
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

const EDGE = 256;

/** The bytes a record compares (head, and those before `end`), read with one open. */
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

/**
 * Whether `rec` still describes the start of the file as it is now: same inode, not shorter than
 * what was read, the same first bytes and bytes before `end`, and (unless it grew) the same mtime.
 * Then only what follows `end` is new.
 */
export function stillPrefix(rec: IndexedFile, f: { path: string; ino: number; size: number; mtimeMs: number }): boolean {
  if (rec.ino !== f.ino || f.size < rec.end || (f.size === rec.size && f.mtimeMs !== rec.mtimeMs)) return false;
  try {
    const now = fileEdges(f.path, rec.end);
    if (now.mark !== rec.mark) return false;
    // The head was read when the file may have been shorter: compare the bytes both have.
    const [a, b] = [Buffer.from(now.head, 'base64'), Buffer.from(rec.head, 'base64')];
    const n = Math.min(a.length, b.length);
    return a.subarray(0, n).equals(b.subarray(0, n));
  } catch {
    return false;
  }
}
