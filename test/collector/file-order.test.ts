/** The order files are counted in (file-edges.ts): when each began, by its first timestamp. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { byFirstTime, firstTime } from '../../src/sources/local/file-edges.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tb-first-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('when a log file began', () => {
  it('is the first line with a timestamp, however long the lines before it', () => {
    const long = JSON.stringify({ type: 'summary', summary: 'x'.repeat(40_000) }) + '\n'; // no timestamp, 40 KB
    const user = JSON.stringify({ type: 'user', message: { content: 'a "timestamp":"1999-01-01T00:00:00Z" in text'.repeat(500) }, timestamp: '2026-11-20T09:00:00.000Z' }) + '\n';
    expect(firstTime(file('a.jsonl', long + user + JSON.stringify({ timestamp: '2026-11-19T00:00:00.000Z' }) + '\n'))).toBe(Date.parse('2026-11-20T09:00:00.000Z'));
  });

  it('finds a timestamp split across two reads, and is null without one (or without the file)', () => {
    for (const pad of [16_384 - 20, 16_384 - 5, 16_384 + 3]) {
      const text = 'x'.repeat(pad) + '\n{"timestamp":"2026-11-21T10:11:12.000Z","type":"user"}\n';
      expect(firstTime(file(`split-${pad}.jsonl`, text))).toBe(Date.parse('2026-11-21T10:11:12.000Z'));
    }
    expect(firstTime(file('none.jsonl', '{"type":"summary"}\n{"timestamp":"not a time"}\n'))).toBeNull();
    expect(firstTime(path.join(dir, 'missing.jsonl'))).toBeNull();
  });

  it('orders files earliest first; ties and files without a time keep their order, the latter last', () => {
    const files = ['a', 'b', 'c', 'd', 'e'];
    const t: Record<string, number | null> = { a: 30, b: null, c: 10, d: 30, e: 10 };
    expect(byFirstTime(files, files.map((f) => t[f]!))).toEqual(['c', 'e', 'a', 'd', 'b']);
  });
});
