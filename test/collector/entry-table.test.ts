/** The columnar entry table (src/sources/local/pack.ts) and the dedup over it (dedup.ts), across chunk boundaries. */
import { describe, expect, it } from 'vitest';
import { Deduper } from '../../src/sources/local/dedup.js';
import type { LocalEntry } from '../../src/sources/local/entry.js';
import { hashBytes } from '../../src/sources/local/keys.js';
import { EntryTable, packEntries, readRow, unpackEntries } from '../../src/sources/local/pack.js';

const entry = (i: number, over: Partial<LocalEntry> = {}): LocalEntry => ({
  source: i % 7 === 0 ? 'codex' : 'claude-code',
  key: i % 11 === 0 ? null : `msg_${i}:req_${i}`,
  time: 1_763_000_000_000 + i * 1000,
  model: ['claude-sonnet-4-5', 'gpt-5', 'claude-opus-4-1'][i % 3]!,
  sessionId: `s${i % 50}`,
  project: `p${i % 5}`,
  input: i,
  output: i * 2 + 0.5,
  cacheRead: i * 3,
  cacheWrite: i * 4,
  cacheWrite1h: i % 2,
  reasoning: i % 9,
  costUSD: i % 4 === 0 ? i / 100 : null,
  final: i % 3 === 0,
  calc: i % 5 === 0 ? i / 1000 : undefined,
  ...over,
});

describe('EntryTable', () => {
  it('keeps every field of 20,000 rows (several chunks) and packs them back', () => {
    const t = new EntryTable();
    const all = Array.from({ length: 20_000 }, (_, i) => entry(i));
    all.forEach((e) => t.push(e));
    expect(t.length).toBe(20_000);
    for (const i of [0, 1, 255, 256, 8191, 8192, 8193, 16_384, 19_999]) expect(t.get(i)).toEqual(all[i]);
    let n = 0;
    for (const e of t.reused()) expect(e).toEqual(all[n++]);
    expect(n).toBe(20_000);
    const p = t.packed();
    expect(unpackEntries(p)).toEqual(all);
    expect(unpackEntries(packEntries(all))).toEqual(all);
  });

  it('byTime: the accepted rows in time order, ties in row order, each read through the reused entry', () => {
    const t = new EntryTable();
    const all = Array.from({ length: 5000 }, (_, i) => entry(i, { time: ((i * 7919) % 997) * 1000 }));
    all.forEach((e) => t.push(e));
    const seen = [...t.byTime((e) => e.input % 2 === 0)].length;
    const got: [number, number][] = [];
    for (const e of t.byTime((e) => e.input % 2 === 0)) got.push([e.time, e.input]);
    const want = all
      .map((e, row) => ({ e, row }))
      .filter(({ e }) => e.input % 2 === 0)
      .sort((a, b) => a.e.time - b.e.time || a.row - b.row)
      .map(({ e }) => [e.time, e.input]);
    expect(got).toEqual(want);
    expect(seen).toBe(want.length);
    expect(new Set(got.map(([time]) => time)).size).toBeLessThan(got.length); // there were ties
  });

  it('rows referring to packed columns read them, and a cost set on one lands there', () => {
    const parts = [packEntries(Array.from({ length: 9000 }, (_, i) => entry(i, { calc: undefined }))), packEntries([entry(50_000, { calc: undefined })])];
    const t = new EntryTable();
    t.push(entry(99_999));
    for (let i = 0; i < 9000; i++) t.pushRow(parts[0]!, i);
    t.pushRow(parts[1]!, 0);
    expect(t.get(9000)).toEqual(entry(8999, { calc: undefined }));
    for (let i = 0; i < t.length; i++) t.setCalc(i, i + 0.25);
    expect(t.get(0).calc).toBe(0.25);
    expect(readRow(parts[0]!, 8999).calc).toBe(9000.25);
    expect(readRow(parts[0]!, 0).calc).toBe(1.25);
    expect(readRow(parts[1]!, 0).calc).toBe(9001.25);
    // an owned row replaced by a reference and back
    t.refer(0, parts[1]!, 0);
    expect(t.get(0).input).toBe(50_000);
    t.write(0, entry(7));
    expect(t.get(0)).toEqual(entry(7));
    expect(unpackEntries(t.packed()).slice(0, 2)).toEqual([entry(7), { ...entry(0, { calc: undefined }), calc: 1.25 }]);
  });
});

describe('reusing a table and its dedup (one per reading thread, cleared per file)', () => {
  it('after clear, packs exactly the new rows, smaller or larger than before, with their own strings and keys', () => {
    const d = new Deduper();
    for (const [from, n] of [[0, 20_000], [100_000, 300], [200_000, 9_000], [300_000, 0], [400_000, 8_192]] as const) {
      d.clear();
      const rows = Array.from({ length: n }, (_, i) => entry(from + i, { key: `k${from + i}`, sessionId: `s${from}-${i % 7}` }));
      for (const e of [...rows, ...rows.slice(0, 50)]) d.add(e); // the last 50 are duplicates
      expect(d.duplicates).toBe(Math.min(50, n));
      const p = d.table.packed();
      expect(unpackEntries(p)).toEqual(rows);
      expect(p.strings.every((s) => !s.startsWith('s') || s.startsWith(`s${from}-`))).toBe(true);
    }
  });
});

describe('Deduper over the table', () => {
  it('objects and packed rows dedup alike: one row per key, the final chunk, at the first copy\'s place', () => {
    const a = entry(1, { key: 'k', output: 5, final: false });
    const b = entry(2, { key: 'k', output: 9, final: false });
    const c = entry(3, { key: 'k', output: 1, final: true });
    const other = entry(4, { key: 'other' });
    const noKey = entry(5, { key: null });
    const viaObjects = new Deduper();
    [a, other, b, noKey, c, noKey].forEach((e) => viaObjects.add(e));
    const viaRows = new Deduper();
    viaRows.addAll(packEntries([a, other, b, noKey, c, noKey]));
    for (const d of [viaObjects, viaRows]) {
      expect(d.table.length).toBe(4);
      expect(d.duplicates).toBe(2);
      expect(d.table.get(0).time).toBe(c.time); // the final chunk, in the first copy's place
      expect(d.table.get(1).key).toBe('other');
    }
    // Codex and Claude Code keys never collide.
    const mixed = new Deduper();
    mixed.add(entry(7, { key: 'same' }));
    mixed.add(entry(8, { key: 'same', source: 'claude-code' }));
    expect(mixed.table.length).toBe(2);
  });

  it('never merges two keys whose hashes collide, and keeps keys of any length and script', () => {
    // Find two different keys with the same 32-bit hash (a birthday search: ~80k keys).
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null; i++) {
      const k = `msg_${i.toString(36)}:req_x`;
      const b = Buffer.from('c' + k); // a stored key: source tag, then the key
      const h = hashBytes(b, 0, b.length);
      const before = seen.get(h);
      if (before !== undefined) pair = [before, k];
      else seen.set(h, k);
    }
    const d = new Deduper();
    const [k1, k2] = pair;
    d.add(entry(1, { source: 'claude-code', key: k1, output: 1 }));
    d.add(entry(2, { source: 'claude-code', key: k2, output: 2 }));
    d.add(entry(3, { source: 'claude-code', key: k1, output: 3 }));
    expect(d.table.length).toBe(2);
    expect(d.duplicates).toBe(1);
    expect([d.table.get(0).key, d.table.get(0).output, d.table.get(1).key, d.table.get(1).output]).toEqual([k1, 3, k2, 2]);
    // Packed rows (index records, worker parts) take the same path.
    const viaRows = new Deduper();
    viaRows.addAll(packEntries([entry(1, { source: 'claude-code', key: k1 }), entry(2, { source: 'claude-code', key: k2 })]));
    expect(viaRows.table.length).toBe(2);

    const odd = ['msg_é:req_ü', 'ключ:запрос', '🙂:🙃', 'x'.repeat(300_000), 'a', ''];
    const t = new Deduper();
    for (const key of [...odd, ...odd]) t.add(entry(9, { source: 'claude-code', key }));
    expect(t.table.length).toBe(odd.length);
    expect(unpackEntries(t.table.packed()).map((e) => e.key)).toEqual(odd);
  });
});


describe('keys longer than the encoding buffer', () => {
  it('are read after encoding, so a key that grows the buffer still matches its copies (here once spilled)', () => {
    const key = 'k'.repeat(50_000); // longer than any key before: the reused buffer grows for it
    const d = new Deduper(1);
    d.add(entry(0, { key: 'short' })); // the dedup spills at its first row
    d.add(entry(1, { key, output: 1 }));
    d.add(entry(2, { key, output: 5 }));
    const kept = [...d.finishSpill().byTime()].map((e) => `${e.sessionId}:${e.output}`);
    expect(kept).toHaveLength(2); // 'short' and the long key once (its copies were not matched: 3)
    expect(kept).toContain(`${entry(2).sessionId}:5`);
    expect(d.duplicates).toBe(1);
  });
});
