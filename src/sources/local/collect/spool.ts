/**
 * The spool: batches of events on disk, waiting for the server. Events are
 * spooled before the read position moves past them and a batch file is
 * deleted only after the server acknowledged it, so nothing read is ever lost;
 * a batch sent twice (killed between the answer and the delete) is counted
 * once by the server because every event carries its key.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { UsageEventInput } from '../../../domain/event.js';
import { writeFileAtomic } from './state.js';

export class Spool {
  private seq = 0;
  constructor(readonly dir: string) {}

  add(events: UsageEventInput[]): string {
    mkdirSync(this.dir, { recursive: true });
    // Names sort by creation so batches go out in order.
    const name = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${String(this.seq++).padStart(6, '0')}.json`;
    const file = path.join(this.dir, name);
    writeFileAtomic(file, JSON.stringify({ events }));
    return file;
  }

  pending(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => n.endsWith('.json'))
      .sort()
      .map((n) => path.join(this.dir, n));
  }

  read(file: string): { events: UsageEventInput[] } {
    return JSON.parse(readFileSync(file, 'utf8'));
  }

  done(file: string): void {
    rmSync(file, { force: true });
  }

  /** A batch the server refused as a whole: kept aside for a person to look at, not retried forever. */
  reject(file: string): string {
    const dir = path.join(this.dir, 'rejected');
    mkdirSync(dir, { recursive: true });
    const to = path.join(dir, path.basename(file));
    renameSync(file, to);
    return to;
  }
}
