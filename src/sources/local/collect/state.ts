/**
 * Collector state on disk: where each log file was read up to, the machine id,
 * and the spool of batches not yet acknowledged by the server. Every write is
 * write-to-temp + rename, so a kill at any moment leaves the old or the new
 * file, never half of one.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onlyGrew, type ReadMark } from '../file-edges.js';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  return path.join(env.XDG_STATE_HOME ?? path.join(home, '.local', 'state'), 'tokenboard', 'collector');
}

/** Write `data` (or its chunks, in order) to `file` via a temporary file and a rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string | Uint8Array>, mode = 0o600, sync = true): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) writeFileSync(fd, data);
    else for (const chunk of data) writeFileSync(fd, chunk);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function readJson<T>(file: string, fallback: T): T {
  if (!existsSync(file)) return fallback;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${file}: cannot read collector state (${(e as Error).message}); delete it to start over (the server ignores resent events)`);
  }
}

/** Where a file was read up to (file-edges.ts decides whether it only grew since). */
export interface FileCursor extends ReadMark {
  /** Offset up to which every usage line is spooled (or deliberately held back). */
  end: number;
  /** Parser state at `end` (Codex: model and running totals). */
  resume: unknown;
  /** When the file began (file-edges.ts `firstTime`); absent in cursors written before it existed. */
  first?: number | null;
}

export interface CursorState {
  version: 1;
  files: Record<string, FileCursor>;
}

/** Where to resume reading `file`: its cursor if the file only grew since, else the start. */
export function resumePoint(c: FileCursor | undefined, file: string, now: { ino: number; size: number; mtimeMs: number }): { from: number; resume: unknown } {
  return c && onlyGrew(c, file, now) ? { from: c.end, resume: c.resume } : { from: 0, resume: undefined };
}

export class CollectorState {
  readonly cursorFile: string;
  readonly spoolDir: string;
  readonly machineFile: string;
  constructor(readonly dir: string) {
    this.cursorFile = path.join(dir, 'cursors.json');
    this.spoolDir = path.join(dir, 'spool');
    this.machineFile = path.join(dir, 'machine-id');
  }
  loadCursors(): CursorState {
    return readJson<CursorState>(this.cursorFile, { version: 1, files: {} });
  }
  saveCursors(s: CursorState): void {
    writeFileAtomic(this.cursorFile, JSON.stringify(s));
  }
  /** A random id per machine (never derived from hardware or user names), made once. */
  machineId(): string {
    if (existsSync(this.machineFile)) return readFileSync(this.machineFile, 'utf8').trim();
    const id = `m-${randomUUID()}`;
    writeFileAtomic(this.machineFile, id + '\n');
    return id;
  }
}
