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
import { EntryTable, PACKED_NUMS as F, PACKED_REFS as R, type PackedEntries } from './pack.js';

/** True when `next` should replace `kept` as the line that counts for their shared key. */
export function supersedes(kept: { final: boolean; output: number }, next: { final: boolean; output: number }): boolean {
  if (next.final !== kept.final) return next.final;
  return next.output > kept.output;
}

/** The kept entries, in a table (pack.ts): a row per response, in the order each was first seen. */
export class Deduper {
  private byKey = new Map<string, number>();
  readonly table = new EntryTable();
  duplicates = 0;

  add(e: LocalEntry): void {
    const at = this.slot(e.key, e.source);
    if (at === -1) this.table.push(e);
    else if (supersedes(this.kept(at), e)) this.table.write(at, e);
  }

  /** Row `i` of packed columns, as `add` would take it (the table refers to the row; it is not copied). */
  addRow(p: PackedEntries, i: number): void {
    const key = p.keys[i]!;
    const at = this.slot(key, key === null ? '' : p.strings[p.refs[i * R]!]!);
    if (at === -1) this.table.pushRow(p, i);
    else if (supersedes(this.kept(at), { final: p.nums[i * F + 7] === 1, output: p.nums[i * F + 2]! })) this.table.refer(at, p, i);
  }

  addAll(p: PackedEntries): void {
    for (let i = 0; i < p.keys.length; i++) this.addRow(p, i);
  }

  /** The row already kept for this key (a duplicate), or -1 after reserving the next row for it. */
  private slot(key: string | null, source: string): number {
    if (key === null) return -1;
    const k = source === 'codex' ? 'x' + key : key;
    const at = this.byKey.get(k);
    if (at === undefined) {
      this.byKey.set(k, this.table.length);
      return -1;
    }
    this.duplicates++;
    return at;
  }

  private kept(at: number): { final: boolean; output: number } {
    return { final: this.table.final(at), output: this.table.output(at) };
  }
}
