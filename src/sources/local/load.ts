/**
 * detect -> read -> dedup: every local entry of the chosen sources, for reports.
 * With worker threads, the files (in discovery order) are cut into runs of
 * about equal bytes: this thread reads the first run itself while each worker
 * reads one of the others, so only one run's entries cross threads per worker.
 * Every reader streams its files, so memory depends on the number of usage
 * lines kept, not on the size of the logs.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ADAPTERS } from './adapters.js';
import { Deduper } from './dedup.js';
import type { LocalEntry, LocalSource } from './entry.js';
import { lineNumbersAt } from './lines.js';
import { listJsonl, type LogFile } from './paths.js';
import { packEntries, unpackEntries, type PackedEntries } from './pack.js';
import { readLogFile, type FileRead } from './read.js';

export interface LoadOptions {
  sources: readonly LocalSource[];
  env?: NodeJS.ProcessEnv;
  home?: string;
  /**
   * Worker threads reading besides this one; 0 (the default) reads in this thread only. On the
   * 2-vCPU machine measured so far a worker cost more CPU than it saved in wall time
   * (bench:collect), so threads are opt-in until a machine with cores to spare shows otherwise.
   */
  workers?: number;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Called once worker threads are reading, so this thread can do other work (load prices) meanwhile. */
  onWorkersStarted?: () => void;
}

export interface LoadResult {
  entries: LocalEntry[];
  files: number;
  bytes: number;
  duplicates: number;
  malformedLines: number;
  /** "file:line: reason", one per malformed line (callers print a few). */
  warnings: string[];
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

/** Cut `files` into at most `n` runs of consecutive files with about equal bytes (none empty). */
export function splitByBytes<T extends { size: number }>(files: T[], n: number): T[][] {
  const share = files.reduce((s, f) => s + f.size, 0) / n;
  const runs: T[][] = Array.from({ length: n }, () => []);
  let bytes = 0;
  for (const f of files) {
    // A file goes to the run its middle byte falls in, so a large file is not split off from its share.
    runs[Math.min(n - 1, Math.floor((bytes + f.size / 2) / (share || 1)))]!.push(f);
    bytes += f.size;
  }
  return runs.filter((r) => r.length);
}

export interface WorkerFileResult {
  index: number;
  read: Pick<FileRead, 'entries' | 'malformed' | 'truncatedTail'>;
  /** Duplicates already dropped (workers dedup within each file before posting). */
  duplicates: number;
}

/** What a worker posts per file. */
export interface WorkerMessage {
  index: number;
  packed: PackedEntries;
  malformed: number[];
  truncatedTail: boolean;
  duplicates: number;
}

function readInThread(files: SourceFile[], onFile: (r: WorkerFileResult) => void): void {
  const buffer = Buffer.allocUnsafe(1 << 20);
  files.forEach((f, index) => {
    const r = readLogFile(ADAPTERS[f.source], f.path, f.root, { includeTail: true, buffer });
    onFile({ index, read: r, duplicates: 0 });
  });
}

function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  // Running from sources (tests, tsx): register tsx inside the worker, then load the TypeScript worker.
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData });
}

function readInWorkers(groups: SourceFile[][], onFile: (file: SourceFile, r: WorkerFileResult) => void): Promise<void> {
  return Promise.all(
    groups.map(
      (files) =>
        new Promise<void>((resolve, reject) => {
          const w = startWorker({ files });
          w.on('message', (m: WorkerMessage) =>
            onFile(files[m.index]!, {
              index: m.index,
              read: { entries: unpackEntries(m.packed), malformed: m.malformed, truncatedTail: m.truncatedTail },
              duplicates: m.duplicates,
            }),
          );
          w.on('error', reject);
          w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`log reader worker exited with code ${code}`))));
        }),
    ),
  ).then(() => undefined);
}

/**
 * Worker side: read the files and post each one's entries packed. Duplicates within a file
 * (the streamed chunks of one response, the common case) are dropped here: the copy kept is
 * the one the main thread would keep, because the final-chunk rule picks the best copy with
 * the earliest winning ties, whatever subset it is applied to first.
 */
export function readFilesForWorker(files: SourceFile[], post: (m: WorkerMessage, transfer: ArrayBuffer[]) => void): void {
  readInThread(files, (r) => {
    const dedup = new Deduper();
    for (const e of r.read.entries) dedup.add(e);
    const packed = packEntries(dedup.entries);
    post(
      { index: r.index, packed, malformed: r.read.malformed, truncatedTail: r.read.truncatedTail, duplicates: dedup.duplicates },
      [packed.nums.buffer as ArrayBuffer, packed.refs.buffer as ArrayBuffer],
    );
  });
}

export async function loadEntries(opts: LoadOptions): Promise<LoadResult> {
  const files = discoverFiles(opts.sources, opts.env, opts.home);
  const totalBytes = files.reduce((s, f) => s + f.size, 0);
  const nWorkers = Math.min(opts.workers ?? 0, 16);
  const dedup = new Deduper();
  const malformedByFile = new Map<string, number[]>();
  const truncated: string[] = [];
  let done = 0;
  let duplicates = 0;
  // Results arrive in any order from workers; dedup takes them in discovery order (so which of
  // two equal copies is kept, and so its session, never depends on timing) and as soon as they
  // can be taken, so duplicate lines are not all held at once.
  const results: (FileRead['entries'] | undefined)[] = new Array(files.length);
  const indexOf = new Map(files.map((f, i) => [f, i]));
  let next = 0;
  const take = (f: SourceFile, r: WorkerFileResult) => {
    results[indexOf.get(f)!] = r.read.entries;
    for (; next < files.length && results[next] !== undefined; next++) {
      for (const e of results[next]!) dedup.add(e);
      results[next] = [];
    }
    duplicates += r.duplicates;
    if (r.read.malformed.length) malformedByFile.set(f.path, r.read.malformed);
    if (r.read.truncatedTail) truncated.push(f.path);
    done += f.size;
    opts.onProgress?.(done, totalBytes);
  };
  // This thread reads the first run of files, sending every entry straight to dedup in discovery
  // order; workers' runs come later in that order, so their results wait (in `results`) at most
  // until this thread is done, and are taken while it loads prices (onWorkersStarted).
  const [mine = [], ...theirs] = nWorkers > 0 ? splitByBytes(files, nWorkers + 1) : [files];
  const reading = theirs.length ? readInWorkers(theirs, take) : null;
  if (reading) opts.onWorkersStarted?.();
  const buffer = Buffer.allocUnsafe(1 << 20);
  const add = (e: LocalEntry) => dedup.add(e);
  mine.forEach((f, index) => {
    const r = readLogFile(ADAPTERS[f.source], f.path, f.root, { includeTail: true, buffer, onEntry: add });
    take(f, { index, read: r, duplicates: 0 });
  });
  await reading;

  const warnings: string[] = [];
  let malformedLines = truncated.length;
  for (const [file, offsets] of malformedByFile) {
    malformedLines += offsets.length;
    const lines = lineNumbersAt(file, offsets);
    for (const off of offsets) warnings.push(`${file}:${lines.get(off) ?? '?'}: malformed JSON line skipped`);
  }
  for (const file of truncated) warnings.push(`${file}: last line is truncated (no newline, not valid JSON), skipped`);
  return { entries: dedup.entries, files: files.length, bytes: totalBytes, duplicates: duplicates + dedup.duplicates, malformedLines, warnings };
}
