/**
 * One count per model response.
 *
 * Claude Code writes one streamed response as several lines with the same
 * message id + request id. ccusage keeps the first such line; when the chunks
 * carry growing output counts that undercounts output. tokenboard keeps the
 * final chunk: the one with a stop_reason, else the one with the most output.
 * When the chunks are identical (the common case) both rules give the same
 * totals. Entries without ids are always counted (as ccusage does).
 */
import type { LocalEntry } from './entry.js';

/** True when `next` should replace `kept` as the line that counts for their shared key. */
export function supersedes(kept: LocalEntry, next: LocalEntry): boolean {
  if (next.final !== kept.final) return next.final;
  return next.output > kept.output;
}

export class Deduper {
  private byKey = new Map<string, number>();
  readonly entries: LocalEntry[] = [];
  duplicates = 0;

  add(e: LocalEntry): void {
    if (e.key === null) {
      this.entries.push(e);
      return;
    }
    const k = e.source === 'codex' ? 'x' + e.key : e.key;
    const at = this.byKey.get(k);
    if (at === undefined) {
      this.byKey.set(k, this.entries.length);
      this.entries.push(e);
      return;
    }
    this.duplicates++;
    if (supersedes(this.entries[at]!, e)) this.entries[at] = e;
  }
}
