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
import { fileEdges } from '../file-edges.js';
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

/** Keep the final chunk per key within what was read; drop a trailing response that may still stream. */
export function settle(entries: LocalEntry[], offsets: number[], end: number, recent: boolean): { keep: { e: LocalEntry; offset: number }[]; end: number; held: number } {
  let cut = entries.length;
  const last = entries.at(-1);
  if (recent && last && last.source === 'claude-code' && !last.final && last.key) {
    while (cut > 0 && entries[cut - 1]!.key === last.key) cut--;
  }
  const byKey = new Map<string, number>();
  const keep: { e: LocalEntry; offset: number }[] = [];
  for (let i = 0; i < cut; i++) {
    const e = entries[i]!;
    const at = e.key ? byKey.get(e.key) : undefined;
    if (at === undefined) {
      if (e.key) byKey.set(e.key, keep.length);
      keep.push({ e, offset: offsets[i]! });
    } else if (supersedes(keep[at]!.e, e)) keep[at] = { e, offset: offsets[i]! };
  }
  return { keep, end: cut < entries.length ? offsets[cut]! : end, held: entries.length - cut };
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
  const files = discoverFiles(o.sources, o.env, o.home);
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
    const read = readLogFile(ADAPTERS[f.source], f.path, f.root, { from, resume, includeTail: false, buffer });
    r.filesRead++;
    r.malformedLines += read.malformed.length;
    for (const off of read.malformed) r.warnings.push(`${f.path}: malformed line at byte ${off} skipped`);
    const s = settle(read.entries, read.offsets, read.end, now - st.mtimeMs < SETTLE_MS);
    r.heldBack += s.held;
    for (const { e, offset } of s.keep) {
      batch.push(toEvent(e, eventKey(e, id, f.path, offset), id));
      if (batch.length >= (o.batchEvents ?? BATCH_EVENTS)) flush();
    }
    r.events += s.keep.length;
    // Held-back lines are re-read from their start; Claude Code keeps no parser state, Codex never holds back.
    cursors.files[f.path] = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ...fileEdges(f.path, s.end), end: s.end, resume: s.held ? resume ?? null : read.snapshot };
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
