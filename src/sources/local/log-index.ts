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
 * every file's numbers (Float64), every file's string references (Uint32),
 * every file's key ends (Uint32), then every file's key bytes (keys.ts). It is
 * written piece by piece, so writing it needs no second copy of the entries,
 * and read as views on one buffer, so reading it builds no key strings.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VERSION } from '../../version.js';
import { writeFileAtomic } from './collect/state.js';
import type { ReadMark } from './file-edges.js';
import type { PackedEntries } from './pack.js';
import { PACKED_NUMS, PACKED_REFS, packedRows } from './pack.js';

/** Bump when what a file yields changes (parsers, entry fields), so old indexes are rebuilt. */
const FORMAT = 4;
const MAGIC = 'tokenboard-usage-index';

/** A file's record: how far it was read (file-edges.ts decides whether it only grew since) and what it held. */
export interface IndexedFile extends Required<ReadMark> {
  path: string;
  /** Offset after the last complete line read; the entries cover [0, end). */
  end: number;
  /** Parser state at `end`. */
  resume: unknown;
  /** When the file began (file-edges.ts `firstTime`): the order files are counted in. */
  first: number | null;
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
  files: (Omit<IndexedFile, 'packed'> & { n: number; keyBytes: number; strings: string[] })[];
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
    const endsAt = refsAt + total * PACKED_REFS * 4;
    const keysAt = endsAt + total * 4;
    if (keysAt + header.files.reduce((s, f) => s + f.keyBytes, 0) !== bytes.length) return out;
    // Views on the file's bytes when they are 8-byte aligned (a large read is), else copies.
    const aligned = bytes.byteOffset % 8 === 0;
    const view = <T>(make: new (b: ArrayBufferLike, o: number, n: number) => T, from: number, to: number, size: number): T =>
      aligned ? new make(bytes.buffer, bytes.byteOffset + from, (to - from) / size) : new make(bytes.buffer.slice(bytes.byteOffset + from, bytes.byteOffset + to), 0, (to - from) / size);
    const nums = view(Float64Array, numsAt, refsAt, 8);
    const refs = view(Uint32Array, refsAt, endsAt, 4);
    const ends = view(Uint32Array, endsAt, keysAt, 4);
    let at = 0;
    let keyAt = keysAt;
    for (const { n, keyBytes, strings, ...f } of header.files) {
      const keys = { ends: ends.subarray(at, at + n), bytes: bytes.subarray(keyAt, keyAt + keyBytes) };
      if (n > 0 && keys.ends[n - 1] !== keyBytes) return new Map();
      out.set(f.path, { ...f, packed: { nums: nums.subarray(at * PACKED_NUMS, (at + n) * PACKED_NUMS), refs: refs.subarray(at * PACKED_REFS, (at + n) * PACKED_REFS), strings, keys } });
      at += n;
      keyAt += keyBytes;
    }
    return out;
  } catch {
    return new Map();
  }
}

/** Write the index atomically, piece by piece; false when it could not be written (reports go on without it). */
export function writeIndex(file: string, files: IndexedFile[]): boolean {
  const header: Header = {
    magic: MAGIC,
    format: FORMAT,
    version: VERSION,
    files: files.map(({ packed, ...f }) => ({ ...f, n: packedRows(packed), keyBytes: packed.keys.bytes.length, strings: packed.strings })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const bytes = (a: Float64Array | Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  function* pieces(): Generator<string | Uint8Array> {
    const head = Buffer.alloc(align8(4 + json.length));
    head.writeUInt32LE(json.length, 0);
    json.copy(head, 4);
    yield head;
    for (const f of files) yield bytes(f.packed.nums);
    for (const f of files) yield bytes(f.packed.refs);
    for (const f of files) yield bytes(f.packed.keys.ends);
    for (const f of files) yield f.packed.keys.bytes;
  }
  try {
    writeFileAtomic(file, pieces(), 0o600, false); // a cache: no fsync
    return true;
  } catch {
    return false;
  }
}
const align8 = (n: number) => Math.ceil(n / 8) * 8;

