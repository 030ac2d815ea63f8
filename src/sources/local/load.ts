/**
 * detect -> (index) -> read -> dedup: every local entry of the chosen sources,
 * for reports. With a usage index (log-index.ts) only what was appended since
 * the last report is read; the rest comes from the index. With worker threads,
 * this thread and the workers take the files to read from one shared counter,
 * largest first; results are deduplicated in the order the files began (their
 * first timestamp, file-edges.ts), whatever thread
 * read them. Every reader streams its files, so memory depends on the number of
 * responses kept, not on the size of the logs; past a budget of responses the
 * dedup spills to files (spill.ts) and memory stays flat: the report then reads
 * every file in full, straight into the dedup, and keeps no usage index.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ADAPTERS } from './adapters.js';
import { Deduper } from './dedup.js';
import type { LocalEntry, LocalSource } from './entry.js';
import { lineNumbersAt } from './lines.js';
import { listJsonl, type LogFile } from './paths.js';
import { packedRows, packEntries, unpackEntries, type EntryTable, type PackedEntries } from './pack.js';
import { readLogFile } from './read.js';
import { byFirstTime, fileEdges, firstTime, onlyGrew } from './file-edges.js';
import { readIndex, writeIndex, type IndexedFile } from './log-index.js';
import { DENSEST_BYTES_PER_RESPONSE, readClaudeRows } from '../claude-code/rows.js';
import type { SpilledEntries } from './spill.js';

/**
 * Responses a report keeps in memory before its dedup spills to files (~200 bytes each: about
 * 90 MB, the responses of ~5 GB of Claude Code logs). TOKENBOARD_SPILL_ROWS sets another.
 */
export const DEFAULT_SPILL_ROWS = 450_000;

export interface LoadOptions {
  sources: readonly LocalSource[];
  env?: NodeJS.ProcessEnv;
  home?: string;
  /**
   * Worker threads reading besides this one (all take files, largest first, from one shared
   * counter); 0 reads in this thread only; 'auto' (see autoWorkers) one when there is enough to
   * read and a CPU to spare. Default 0.
   */
  workers?: number | 'auto';
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Called once worker threads are reading, so this thread can do other work (load prices) meanwhile. */
  onWorkersStarted?: () => void;
  /** The usage index file (log-index.ts) to read from and update; none: every file is read in full. */
  index?: string | null;
  /** Responses kept in memory before spilling to files (default: TOKENBOARD_SPILL_ROWS, else DEFAULT_SPILL_ROWS). */
  spillRows?: number;
}

export interface LoadResult {
  /** Every entry kept (one per response), as columns: read them through `table.reused()`. Null when spilled. */
  table: EntryTable | null;
  /** Past the budget: every entry kept, in files, to read in time order (`close()` when done). */
  spilled: SpilledEntries | null;
  files: number;
  bytes: number;
  /** Bytes read this time: less than `bytes` when the index held the rest. */
  readBytes: number;
  duplicates: number;
  malformedLines: number;
  /** "file:line: reason", one per malformed line (callers print a few). */
  warnings: string[];
  /**
   * Writes the usage index (when one is kept, and the report did not spill): call it after
   * pricing the entries, so the index keeps their costs too. `changed`: whether the logs held
   * anything the index did not.
   */
  index: { changed: boolean; save(): boolean } | null;
}

/** Bytes to read from which a worker thread pays for its start (~40 ms of the other CPU). */
export const AUTO_WORKER_MIN_BYTES = 64 << 20;
/**
 * Worker threads to read `bytes` of logs with, given `cpus` and the spill budget in responses (a
 * worker starts by itself only for reads that cannot reach the budget even at the densest logs
 * seen, because parts waiting for their turn are outside the memory bound of a spilling report):
 * one when there is a CPU to spare and enough to read (on the 500 MB bench tree a first run takes
 * 0.58 s instead of 0.66 s, on 2 GB 1.1 s instead of 1.7 s, for ~0.1 CPU-s more); none for small
 * reads, where starting it costs more than it saves, and none where the report could spill
 * (about 1.8 GB at the default budget).
 */
export function autoWorkers(bytes: number, cpus: number, budget: number): number {
  return cpus >= 2 && bytes >= AUTO_WORKER_MIN_BYTES && bytes <= budget * DENSEST_BYTES_PER_RESPONSE ? 1 : 0;
}

export interface SourceFile extends LogFile {
  source: LocalSource;
}

export function discoverFiles(sources: readonly LocalSource[], env: NodeJS.ProcessEnv = process.env, home = os.homedir()): SourceFile[] {
  const out: SourceFile[] = [];
  for (const source of sources) {
    for (const root of ADAPTERS[source].roots(env, home)) {
      for (const f of listJsonl(root)) out.push({ ...f, source });
    }
  }
  return out;
}

/** One file to read: from `from` (0, or where the index stopped) with the parser state there. */
export interface ReadTask {
  file: SourceFile;
  from: number;
  resume: unknown;
}

/**
 * What reading one file from a point yields: the entries of its complete lines, deduplicated
 * within the part and packed (the copy kept is the one a single pass would keep: the
 * final-chunk rule picks the best copy with the earliest winning ties, whatever subset it is
 * applied to first), and those of an unterminated last line (`tail`), which reports count if it
 * parses but the index never keeps (the line may still be being written). Read into a `sink`
 * (one thread, no index), every entry goes straight into it instead and the part holds none.
 */
export interface PartRead {
  packed: PackedEntries | null;
  /** The entries went into the report's dedup (`sink`) instead: `packed` is null, `tail` empty. */
  sunk: boolean;
  tail: LocalEntry[];
  malformed: number[];
  truncatedTail: boolean;
  end: number;
  snapshot: unknown;
  duplicates: number;
}

/** The dedup of one file's part, cleared for each (its packed columns are copies). One per thread. */
const partDedup = new Deduper();

/**
 * When one file's part holds more responses than `rows`, `into()` gives the report's dedup (now
 * spilling, with what the file held before this part already in it): the part's entries so far
 * move there, and the rest of the file goes straight in.
 */
export interface Overflow {
  rows: number;
  into(): Deduper;
}

export function readPart(t: ReadTask, buffer: Buffer, sink: Deduper | null = null, overflow: Overflow | null = null): PartRead {
  // A spilling dedup takes entries one by one (its memory stays flat; rows would hold the file's).
  return t.file.source === 'claude-code' && !sink?.spill && rowsPath ? readRows(t, buffer, sink, overflow) : readEntries(t, buffer, sink, overflow);
}

/** Whether Claude Code files are read straight into rows (rows.ts): tests turn it off to compare the two paths. */
let rowsPath = true;
export function useRowsPath(on: boolean): void {
  rowsPath = on;
}

/**
 * readPart for a Claude Code file, through rows.ts: the file's rows, deduplicated, go into the
 * sink or make the part. Past the budget (the sink's, or the overflow's) the rows read so far go
 * into the report's dedup, which then spills, and the rest of the file goes in entry by entry.
 */
function readRows(t: ReadTask, buffer: Buffer, sink: Deduper | null, overflow: Overflow | null): PartRead {
  const limit = sink ? sink.budget : (overflow?.rows ?? Infinity);
  const r = readClaudeRows(t.file.path, t.file.root, t.from, limit, undefined, t.file.size);
  const into = sink ?? (r.stoppedAt !== null ? overflow!.into() : null);
  const common = { malformed: r.malformed, truncatedTail: r.truncatedTail, end: r.end, snapshot: null, duplicates: r.duplicates };
  if (into === null) return { ...common, packed: r.packed, sunk: false, tail: r.tail };
  into.addAll(r.packed);
  for (const e of r.tail) into.add(e);
  if (r.stoppedAt === null) return { ...common, packed: null, sunk: true, tail: [] };
  const rest = readEntries({ file: t.file, from: r.stoppedAt, resume: undefined }, buffer, into, null);
  return { ...rest, malformed: [...r.malformed, ...rest.malformed], duplicates: r.duplicates + rest.duplicates };
}

/** readPart entry by entry (adapter.ts parsers, a Deduper): every source. */
function readEntries(t: ReadTask, buffer: Buffer, sink: Deduper | null, overflow: Overflow | null): PartRead {
  let dedup = sink ?? partDedup;
  if (dedup === partDedup) dedup.clear();
  let moved = 0;
  // Entries stream in (a huge file holds no list of its lines, and none outlives its line); each
  // line gives at most one, and only the last line can lie past the last newline, so the
  // latest one waits until the next.
  let last: LocalEntry | null = null;
  let lastAt = 0;
  const r = readLogFile(ADAPTERS[t.file.source], t.file.path, t.file.root, {
    from: t.from,
    resume: t.resume,
    includeTail: true,
    buffer,
    onEntry: (e, offset) => {
      if (last) dedup.add(last);
      if (overflow && dedup === partDedup && dedup.table.length >= overflow.rows) {
        dedup = overflow.into();
        dedup.addAll(partDedup.table.packed());
        moved = partDedup.duplicates;
        partDedup.clear();
      }
      last = e;
      lastAt = offset;
    },
  });
  const sunk = dedup !== partDedup;
  const tail: LocalEntry[] = [];
  if (last) (sunk || lastAt < r.end ? dedup.add(last) : tail.push(last));
  const common = { tail, malformed: r.malformed, truncatedTail: r.truncatedTail, end: r.end, snapshot: r.snapshot };
  return sunk ? { ...common, packed: null, sunk, duplicates: moved } : { ...common, packed: dedup.packed(), sunk, duplicates: dedup.duplicates };
}

/** What a worker posts per file: a PartRead with its tail packed too. */
export interface WorkerMessage extends Omit<PartRead, 'packed' | 'tail' | 'sunk'> {
  index: number;
  packed: PackedEntries;
  tail: PackedEntries;
}

function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  // Running from sources (tests, tsx): register tsx inside the worker, then load the TypeScript worker.
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData });
}

/**
 * The order files are taken in: largest first, so no thread is left with a big file at the end.
 * Every thread takes the next one from a counter they share (Atomics), so all finish together.
 */
export function takeOrder(tasks: ReadTask[]): Int32Array {
  const order = Int32Array.from(tasks.keys());
  return order.sort((a, b) => tasks[b]!.file.size - tasks[b]!.from - (tasks[a]!.file.size - tasks[a]!.from) || a - b);
}

/** Take the next task from the shared counter; -1 when none is left. */
function nextTask(order: Int32Array, counter: Int32Array): number {
  const k = Atomics.add(counter, 0, 1);
  return k < order.length ? order[k]! : -1;
}

function readInWorkers(n: number, tasks: ReadTask[], order: Int32Array, counter: Int32Array, onPart: (k: number, r: PartRead) => void): Promise<void> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = startWorker({ tasks, order, counter });
          w.on('message', ({ index, tail, packed, ...rest }: WorkerMessage) => onPart(index, { ...rest, packed: received(packed), sunk: false, tail: unpackEntries(received(tail)) }));
          w.on('error', reject);
          w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`log reader worker exited with code ${code}`))));
        }),
    ),
  ).then(() => undefined);
}

/** Worker side: take tasks until none is left and post each one's part, packed (numbers moved, not copied). */
export function readTasksForWorker(tasks: ReadTask[], order: Int32Array, counter: Int32Array, post: (m: WorkerMessage, transfer: ArrayBuffer[]) => void): void {
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let index = nextTask(order, counter); index !== -1; index = nextTask(order, counter)) {
    const { packed, tail, sunk: _, ...rest } = readPart(tasks[index]!, buffer);
    const tailPacked = packEntries(tail);
    post({ ...rest, index, packed: packed!, tail: tailPacked }, [...columns(packed!), ...columns(tailPacked)]);
  }
}

/** The buffers of packed columns, moved (not copied) to another thread. */
const columns = (p: PackedEntries): ArrayBuffer[] => [p.nums.buffer, p.refs.buffer, p.keys.ends.buffer, p.keys.bytes.buffer] as ArrayBuffer[];

/** Packed columns as another thread sent them: key bytes arrive as a plain Uint8Array. */
function received(p: PackedEntries): PackedEntries {
  const b = p.keys.bytes;
  return { ...p, keys: { ends: p.keys.ends, bytes: Buffer.from(b.buffer, b.byteOffset, b.byteLength) } };
}

/** Where to read `f` given its index record: nothing (unchanged), from the record's end, or from the start. */
function plan(f: SourceFile, rec: IndexedFile | undefined): { cached: IndexedFile | null; task: ReadTask | null } {
  if (rec && rec.ino === f.ino && rec.size === f.size && rec.mtimeMs === f.mtimeMs) {
    // Unchanged: only an unterminated last line (if any) is read again.
    return { cached: rec, task: rec.end < f.size ? { file: f, from: rec.end, resume: rec.resume } : null };
  }
  return rec && rec.end > 0 && onlyGrew(rec, f.path, f) ? { cached: rec, task: { file: f, from: rec.end, resume: rec.resume } } : { cached: null, task: { file: f, from: 0, resume: undefined } };
}

export async function loadEntries(opts: LoadOptions): Promise<LoadResult> {
  const found = discoverFiles(opts.sources, opts.env, opts.home);
  const totalBytes = found.reduce((s, f) => s + f.size, 0);
  const index = opts.index ? readIndex(opts.index) : null;
  // Files are counted in the order they began (byFirstTime): the index knows when for the files
  // it holds; the others are looked at (the first line with a timestamp).
  const planned = found.map((f) => {
    const p = plan(f, index?.get(f.path));
    return { f, ...p, first: p.cached ? p.cached.first : firstTime(f.path) };
  });
  const plans = byFirstTime(planned, planned.map((p) => p.first));
  const files = plans.map((p) => p.f);
  const tasks = plans.flatMap((p) => (p.task ? [p.task] : []));
  const taskNo = new Map(tasks.map((t, i) => [t, i]));
  const fromEnv = Math.floor(Number((opts.env ?? process.env).TOKENBOARD_SPILL_ROWS));
  const budget = opts.spillRows ?? (fromEnv >= 1 ? fromEnv : DEFAULT_SPILL_ROWS);
  const dedup = new Deduper(budget);
  const records: IndexedFile[] = [];
  const malformedByFile = new Map<string, number[]>();
  const truncated: string[] = [];
  let duplicates = 0;
  let done = 0;
  let changed = false;
  // Parts arrive in any order from workers; files are taken in the order they began (so which of two
  // equal copies is kept, and so its session, never depends on timing) as soon as they can be.
  const parts: (PartRead | undefined)[] = new Array(tasks.length);
  let next = 0;
  const takeReady = () => {
    for (; next < files.length; next++) {
      const { cached, task } = plans[next]!;
      const k = task ? taskNo.get(task)! : -1;
      const part = task ? parts[k] : undefined;
      if (task && !part) return;
      const f = files[next]!;
      const kept = keep(f, cached, part, index !== null, plans[next]!.first);
      if (kept.record) {
        if (kept.grew) changed = true;
        if (dedup.spill === null) records.push(kept.record);
      }
      // The table refers to these rows (a cost set on one lands in the record's columns).
      if (kept.body) dedup.addAll(kept.body);
      for (const e of kept.tail) dedup.add(e);
      duplicates += kept.duplicates;
      if (kept.malformed.length) malformedByFile.set(f.path, kept.malformed);
      if (part?.truncatedTail) truncated.push(f.path);
      if (task) parts[k] = undefined;
      done += f.size;
      opts.onProgress?.(done, totalBytes);
    }
    if (dedup.spill !== null) records.length = 0; // no index once spilled: its records would be all the rows again
  };
  // This thread and the workers take files from one shared counter; workers' parts wait (in
  // `parts`) until this thread is done reading, and are taken while it loads prices.
  // Records of files this report did not look at (other sources, other config directories)
  // stay in the index while their files exist.
  const seen = new Set(files.map((f) => f.path));
  const others = index ? [...index.values()].filter((r) => !seen.has(r.path) && existsSync(r.path)) : [];
  const indexed = index?.size ?? 0;
  const toRead = tasks.reduce((n, t) => n + t.file.size - t.from, 0);
  const wanted = opts.workers === 'auto' ? autoWorkers(toRead, os.availableParallelism(), budget) : (opts.workers ?? 0);
  const nWorkers = Math.min(wanted, 16, Math.max(0, tasks.length - 1));
  // One thread takes files in that order, so each is added as soon as it is read.
  const order = nWorkers > 0 ? takeOrder(tasks) : Int32Array.from(tasks.keys());
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const reading = nWorkers > 0 ? readInWorkers(nWorkers, tasks, order, counter, (k, r) => ((parts[k] = r), takeReady())) : null;
  if (reading) opts.onWorkersStarted?.();
  const buffer = Buffer.allocUnsafe(1 << 20);
  takeReady();
  // One thread without an index reads straight into the dedup (files come in that order);
  // parts that may wait (for workers' files before them) or go into the index are kept packed.
  // Once the dedup spills there is no index: one thread reads every file left from its start
  // straight into it (what the index held of them is not used), and a single file holding more
  // responses than the budget spills the dedup itself (what the index held of that file first).
  let sink = index === null && nWorkers === 0 ? dedup : null;
  const fromStart = (k: number) => {
    sink = dedup;
    for (const p of plans) {
      if (p.task && taskNo.get(p.task)! >= k && p.task.from > 0) {
        p.task.from = 0;
        p.task.resume = undefined;
        p.cached = null;
      }
    }
  };
  for (let k = nextTask(order, counter); k !== -1; k = nextTask(order, counter)) {
    if (nWorkers === 0 && sink === null && dedup.spill !== null) fromStart(k);
    const overflow: Overflow | null =
      nWorkers === 0 && sink === null
        ? {
            rows: budget,
            into: () => {
              dedup.startSpill();
              const cached = plans.find((p) => p.task === tasks[k])?.cached;
              if (cached) dedup.addAll(cached.packed); // the file's lines before this part come first
              fromStart(k + 1);
              return dedup;
            },
          }
        : null;
    parts[k] = readPart(tasks[k]!, buffer, sink, overflow);
    takeReady();
  }
  await reading;
  takeReady();
  const indexFile = opts.index;

  const warnings: string[] = [];
  let malformedLines = truncated.length;
  for (const [file, offsets] of malformedByFile) {
    malformedLines += offsets.length;
    const lines = lineNumbersAt(file, offsets);
    for (const off of offsets) warnings.push(`${file}:${lines.get(off) ?? '?'}: malformed JSON line skipped`);
  }
  for (const file of truncated) warnings.push(`${file}: last line is truncated (no newline, not valid JSON), skipped`);
  const spilled = dedup.spill !== null ? dedup.finishSpill() : null;
  const readBytes = tasks.reduce((s, t) => s + t.file.size - t.from, 0); // after any file was read from its start instead
  return {
    table: spilled ? null : dedup.table,
    spilled,
    files: files.length,
    bytes: totalBytes,
    readBytes,
    duplicates: duplicates + dedup.duplicates,
    malformedLines,
    warnings,
    index:
      index && indexFile && !spilled
        ? {
            changed: changed || records.length + others.length !== indexed,
            save: () => writeIndex(indexFile, [...records, ...others]),
          }
        : null,
  };
}

/**
 * One file's entries for this report (what the index had, what was read after it, an
 * unterminated last line) and, when an index is kept, the file's new record.
 */
function keep(
  f: SourceFile,
  cached: IndexedFile | null,
  part: PartRead | undefined,
  indexing: boolean,
  first: number | null,
): { body: PackedEntries | null; tail: LocalEntry[]; record: IndexedFile | null; grew: boolean; duplicates: number; malformed: number[] } {
  // A part that starts at the record's end adds to it; one that read nothing complete leaves it.
  const grew = part !== undefined && (cached === null || part.end !== cached.end);
  const tail = part?.tail ?? [];
  if (!grew) return { body: cached!.packed, tail, record: indexing ? cached : null, grew, duplicates: cached!.duplicates, malformed: cached!.malformed };
  let duplicates = (cached?.duplicates ?? 0) + part.duplicates;
  const malformed = cached?.malformed.length ? [...cached.malformed, ...part.malformed] : part.malformed;
  // Entries read into the report's dedup are in it already (after what the index had, if any).
  if (part.sunk) return { body: null, tail, record: null, grew, duplicates, malformed };
  let body = part.packed;
  if (cached && packedRows(cached.packed)) {
    // What the index had, then what was read after it, deduplicated as one file.
    const d = new Deduper();
    d.addAll(cached.packed);
    if (body) d.addAll(body);
    body = d.table.packed();
    duplicates += d.duplicates;
  }
  const record: IndexedFile | null =
    indexing && body ? { path: f.path, ino: f.ino, size: f.size, mtimeMs: f.mtimeMs, ...fileEdges(f.path, part.end), end: part.end, resume: part.snapshot, first, malformed, duplicates, packed: body } : null;
  return { body, tail, record, grew, duplicates, malformed };
}
