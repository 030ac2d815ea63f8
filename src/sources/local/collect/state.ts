/**
 * Collector state on disk: where each log file was read up to, the machine id,
 * and the spool of batches not yet acknowledged by the server. Every write is
 * write-to-temp + rename, so a kill at any moment leaves the old or the new
 * file, never half of one.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  return path.join(env.XDG_STATE_HOME ?? path.join(home, '.local', 'state'), 'tokenboard', 'collector');
}

export function writeFileAtomic(file: string, data: string, mode = 0o600): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
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

export interface FileCursor {
  /** Identity of the file when it was read: a replaced file (new inode) or a shorter one starts over. */
  ino: number;
  /** Size when last read: unchanged size and cursor means nothing to read. */
  size: number;
  /** First bytes of the file, to notice a file rewritten in place. */
  head: string;
  /** Offset up to which every usage line is spooled (or deliberately held back). */
  end: number;
  /** Parser state at `end` (Codex: model and running totals). */
  resume: unknown;
}

export interface CursorState {
  version: 1;
  files: Record<string, FileCursor>;
}

export const HEAD_BYTES = 256;

export function fileHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, b, 0, HEAD_BYTES, 0);
    return b.subarray(0, n).toString('base64');
  } finally {
    closeSync(fd);
  }
}

/** Where to resume reading `file`: its cursor if still valid, else the start. */
export function resumePoint(c: FileCursor | undefined, ino: number, size: number, file: string): { from: number; resume: unknown } {
  if (!c || c.ino !== ino || size < c.end) return { from: 0, resume: undefined };
  // The head is compared over the bytes both versions have; a file shorter than HEAD_BYTES grows in place.
  const now = Buffer.from(fileHead(file), 'base64');
  const then = Buffer.from(c.head, 'base64');
  const n = Math.min(now.length, then.length);
  if (!now.subarray(0, n).equals(then.subarray(0, n))) return { from: 0, resume: undefined };
  return { from: c.end, resume: c.resume };
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
