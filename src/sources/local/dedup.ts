/**
 * One count per model response.
 *
 * Claude Code writes one streamed response as several lines with the same
 * message id + request id. ccusage keeps the first such line; when the chunks
 * carry growing output counts that undercounts output. tokenboard keeps the
 * final chunk: the one with a stop_reason, else the one with the most output.
 * When the chunks are identical (the common case) both rules give the same
 * totals. Entries without ids are always counted (as ccusage does).
 *
 * Keys are compared as bytes (source tag + key, keys.ts) through a hash index
 * over the table's rows, so none of them is a string on the JavaScript heap.
 * Given a budget of rows, the dedup spills to files once it holds that many
 * (spill.ts), so memory stays flat whatever the size of the logs.
 */
import type { LocalEntry } from './entry.js';
import { KeyIndex, keyStart } from './keys.js';
import { EntryTable, PACKED_NUMS as F, packedRows, storedKey, type PackedEntries } from './pack.js';
import { Spill, type SpilledEntries } from './spill.js';

/** True when `next` should replace `kept` as the line that counts for their shared key. */
export function supersedes(kept: { final: boolean; output: number }, next: { final: boolean; output: number }): boolean {
  return wins(kept.final, kept.output, next.final, next.output);
}

function wins(keptFinal: boolean, keptOutput: number, final: boolean, output: number): boolean {
  return final !== keptFinal ? final : output > keptOutput;
}

/** The kept entries, in a table (pack.ts): a row per response, in the order each was first seen. */
export class Deduper {
  private index = new KeyIndex();
  /** The kept rows (empty once spilled: they are in `spill`). */
  table = new EntryTable();
  duplicates = 0;
  private readonly keyOf = (row: number) => this.table.keyRef(row);
  /** Where rows go past the budget (spill.ts); null while they fit. */
  spill: Spill | null = null;

  /** `budget`: rows kept in memory before spilling to files (none: never). */
  constructor(readonly budget = Infinity) {}

  /** The last key added and its row: a streamed response's chunks come one after another. */
  private lastKey: string | null = null;
  private lastSource = '';
  private lastRow = -1;

  add(e: LocalEntry): void {
    if (this.spill !== null) {
      const k = storedKey(e);
      return this.spill.add(e, k.bytes, k.start, k.end);
    }
    let at: number;
    if (e.key !== null && e.key === this.lastKey && e.source === this.lastSource) at = this.lastRow;
    else {
      const k = storedKey(e);
      if (k.end === 0) {
        this.table.push(e);
        if (this.table.length >= this.budget) this.startSpill();
        return;
      }
      at = this.index.findOrAdd(k.bytes, k.start, k.end, this.table.length, this.keyOf);
      this.lastKey = e.key;
      this.lastSource = e.source;
      this.lastRow = at === -1 ? this.table.pushKeyed(e, k.bytes, k.start, k.end) : at;
      if (at === -1) {
        if (this.table.length >= this.budget) this.startSpill();
        return;
      }
    }
    this.duplicates++;
    if (this.beats(at, e.final, e.output)) this.table.write(at, e);
  }

  /** Row `i` of packed columns, as `add` would take it (the table refers to the row; it is not copied). */
  addRow(p: PackedEntries, i: number): void {
    if (this.spill !== null) return this.spill.addRow(p, i);
    const k = p.keys;
    const s = keyStart(k, i);
    const e = k.ends[i]!;
    const at = e === s ? -1 : p.hashes ? this.index.findOrAdd(k.bytes, s, e, this.table.length, this.keyOf, p.hashes[i]!) : this.index.findOrAdd(k.bytes, s, e, this.table.length, this.keyOf);
    if (at === -1) {
      this.table.pushRow(p, i);
      if (this.table.length >= this.budget) this.startSpill();
    } else {
      this.duplicates++;
      if (this.beats(at, p.nums[i * F + 7] === 1, p.nums[i * F + 2]!)) this.table.refer(at, p, i);
    }
  }

  /**
   * From now on rows go to files (spill.ts), those kept so far first, in their order (the order
   * each response was first seen). The memory they held is let go.
   */
  startSpill(): void {
    if (this.spill !== null) return;
    const spill = new Spill(this.budget, () => new Deduper());
    const t = this.table;
    for (let i = 0; i < t.length; i++) {
      const k = t.keyRef(i);
      spill.add(t.at(i), k.bytes, k.start, k.end);
    }
    this.spill = spill;
    this.table = new EntryTable();
    this.index = new KeyIndex();
    this.lastKey = null;
    this.lastRow = -1;
  }

  /** Once spilled: every partition deduplicated, the entries to read in time order (their duplicates counted here). */
  finishSpill(): SpilledEntries {
    const out = this.spill!.finish();
    this.duplicates += out.duplicates;
    return out;
  }

  /** The kept rows as packed columns, with their keys' hashes (so a dedup they are added to need not hash them again). */
  packed(): PackedEntries {
    const p = this.table.packed();
    p.hashes = this.index.rowHashes(this.table.length);
    return p;
  }

  /** Forget every row and key, keeping the memory (a reader deduplicates one file after another). */
  clear(): void {
    this.index.clear();
    this.table.clear();
    this.duplicates = 0;
    this.lastKey = null;
    this.lastSource = '';
    this.lastRow = -1;
  }

  addAll(p: PackedEntries): void {
    for (let i = 0, n = packedRows(p); i < n; i++) this.addRow(p, i);
  }

  /** Whether a copy with these values replaces the one kept in row `at`. */
  private beats(at: number, final: boolean, output: number): boolean {
    return wins(this.table.final(at), this.table.output(at), final, output);
  }
}
