/**
 * One collector pass: read what is new in every log file, spool it as usage
 * events, move the cursors, then upload the spool.
 *
 * A Claude Code response still being streamed (its last lines have no
 * stop_reason and the file was written in the last minutes) is held back and
 * re-read next time, because the server counts a key once and the final chunk
 * carries the full output count.
 */
import { statSync } from 'node:fs';
import type { UsageEventInput } from '../../../domain/event.js';
import { ADAPTERS } from '../adapters.js';
import { supersedes } from '../dedup.js';
import type { LocalEntry, LocalSource } from '../entry.js';
import { discoverFiles } from '../load.js';
import { readLogFile } from '../read.js';
import { eventKey, toEvent, type EventIdentity } from './events.js';
import { Spool } from './spool.js';
import { byFirstTime, fileEdges, firstTime } from '../file-edges.js';
import { CollectorState, resumePoint, type CursorState } from './state.js';
import { uploadSpool, type UploadOptions, type UploadResult } from './upload.js';

export const BATCH_EVENTS = 2000;
/** A response without stop_reason in a file written this recently may still be streaming. */
export const SETTLE_MS = 10 * 60_000;

export interface ScanOptions {
  sources: readonly LocalSource[];
  stateDir: string;
  identity: Omit<EventIdentity, 'machineId'>;
  env?: NodeJS.ProcessEnv;
  home?: string;
  now?: number;
  /** Events per spooled batch (one POST each). */
  batchEvents?: number;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface ScanResult {
  files: number;
  filesRead: number;
  events: number;
  heldBack: number;
  malformedLines: number;
  warnings: string[];
}

/** The keys still open for a later chunk: one response's chunks are consecutive usage lines, or nearly. */
export const SETTLE_WINDOW = 64;

interface Group {
  e: LocalEntry;
  offset: number;
  /** Offset of the group's first line, and how many lines it had. */
  first: number;
  lines: number;
}

/**
 * One file's entries as they are read, one event per key: among the chunks of a response the
 * final one wins (`supersedes`), while its key is one of the last SETTLE_WINDOW keys seen. A key
 * seen again after that is not sent again (the server counts a key once). Events go out in the
 * order their keys were first seen. Memory is the window and the keys sent from the file, never
 * the file's entries (a 1 GB transcript held them all: 175 MB).
 */
export class FileSettler {
  private open = new Map<string | symbol, Group>();
  private sent = new Set<string>();
  private last: LocalEntry | null = null;

  constructor(private readonly emit: (e: LocalEntry, offset: number) => void) {}

  add(e: LocalEntry, offset: number): void {
    this.last = e;
    const k = e.key ?? Symbol(); // no key: a group of its own
    const g = this.open.get(k);
    if (g) {
      g.lines++;
      if (supersedes(g.e, e)) {
        g.e = e;
        g.offset = offset;
      }
      return;
    }
    if (e.key !== null && this.sent.has(e.key)) return;
    this.open.set(k, { e, offset, first: offset, lines: 1 });
    if (this.open.size > SETTLE_WINDOW) {
      const [oldest, og] = this.open.entries().next().value as [string | symbol, Group];
      this.open.delete(oldest);
      this.send(oldest, og);
    }
  }

  /**
   * Send what is still open, except, in a file written recently (`recent`), a Claude Code
   * response whose last chunk has no stop_reason: it may still be streaming, so it is held back
   * and the file's cursor stays at its first line (`end`; what is sent after that line is sent
   * again next time, and the server counts it once).
   */
  finish(recent: boolean, end: number): { end: number; held: number } {
    let held = 0;
    const last = this.last;
    if (recent && last && last.source === 'claude-code' && !last.final && last.key) {
      const g = this.open.get(last.key);
      if (g) {
        this.open.delete(last.key);
        held = g.lines;
        end = g.first;
      }
    }
    for (const [k, g] of this.open) this.send(k, g);
    this.open.clear();
    return { end, held };
  }

  private send(k: string | symbol, g: Group): void {
    if (typeof k === 'string') this.sent.add(k);
    this.emit(g.e, g.offset);
  }
}

/**
 * Read new usage and hand it to `sink` in batches. With `commit`, batches go to the spool and
 * cursors move; without it (--show) nothing on disk changes.
 */
export function scanNew(o: ScanOptions, sink: (events: UsageEventInput[]) => void, commit: boolean): ScanResult {
  const state = new CollectorState(o.stateDir);
  const cursors: CursorState = state.loadCursors();
  const id: EventIdentity = { ...o.identity, machineId: state.machineId() };
  const now = o.now ?? Date.now();
  // In the order files began, as reports count them: a response also found in a session that
  // replays it is sent from the session it was made in (the server keeps the first it gets).
  const found = discoverFiles(o.sources, o.env, o.home);
  /** From the cursor when it has it (looked at again below if the file turns out to be another). */
  const known = (path: string) => cursors.files[path]?.first !== undefined;
  const firsts = new Map(found.map((f) => [f.path, known(f.path) ? (cursors.files[f.path]!.first as number | null) : firstTime(f.path)]));
  const files = byFirstTime(found, found.map((f) => (firsts.get(f.path) ?? null)));
  const r: ScanResult = { files: files.length, filesRead: 0, events: 0, heldBack: 0, malformedLines: 0, warnings: [] };
  let batch: UsageEventInput[] = [];
  const flush = () => {
    if (batch.length) sink(batch);
    batch = [];
  };
  const seen = new Set<string>();
  const buffer = Buffer.allocUnsafe(1 << 20);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  let doneBytes = 0;
  for (const f of files) {
    doneBytes += f.size;
    o.onProgress?.(doneBytes, totalBytes);
    seen.add(f.path);
    let st;
    try {
      st = statSync(f.path);
    } catch {
      continue;
    }
    const c = cursors.files[f.path];
    const { from, resume } = resumePoint(c, f.path, st);
    if (c && from === c.end && st.size === c.size) continue; // nothing new (an unterminated last line is not re-read until it grows)
    // Events stream from the file into batches (a batch full goes to the sink at once).
    const settler = new FileSettler((e, offset) => {
      batch.push(toEvent(e, eventKey(e, id, f.path, offset), id));
      r.events++;
      if (batch.length >= (o.batchEvents ?? BATCH_EVENTS)) flush();
    });
    const read = readLogFile(ADAPTERS[f.source], f.path, f.root, { from, resume, includeTail: false, buffer, onEntry: (e, offset) => settler.add(e, offset) });
    r.filesRead++;
    r.malformedLines += read.malformed.length;
    for (const off of read.malformed) r.warnings.push(`${f.path}: malformed line at byte ${off} skipped`);
    const s = settler.finish(now - st.mtimeMs < SETTLE_MS, read.end);
    r.heldBack += s.held;
    // Held-back lines are re-read from their start; Claude Code keeps no parser state, Codex never holds back.
    const first = from === 0 && known(f.path) ? firstTime(f.path) : (firsts.get(f.path) ?? null); // read from the start: the file may be another
    cursors.files[f.path] = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ...fileEdges(f.path, s.end), end: s.end, resume: s.held ? resume ?? null : read.snapshot, first };
  }
  flush();
  if (commit) {
    // Forget files that are gone (Claude Code deletes old transcripts).
    for (const p of Object.keys(cursors.files)) if (!seen.has(p)) delete cursors.files[p];
    state.saveCursors(cursors);
  }
  return r;
}

export interface CollectResult {
  scan: ScanResult;
  upload: UploadResult;
}

export async function collectOnce(o: ScanOptions & { upload: Omit<UploadOptions, 'wait'> & Pick<UploadOptions, 'wait'> }): Promise<CollectResult> {
  const spool = new Spool(new CollectorState(o.stateDir).spoolDir);
  // Spool first, then move cursors (scanNew saves them last): a kill in between re-reads, never loses.
  const scan = scanNew(o, (events) => spool.add(events), true);
  const upload = await uploadSpool(spool, o.upload);
  return { scan, upload };
}
