/**
 * Claude Code files read straight into rows (WebAssembly: pick.as.ts `row`, rows.ts) against
 * the same files read entry by entry (adapter.ts, Deduper): the same rows in the same order,
 * the same duplicates, malformed lines, tail and end, on generated files that hold every shape
 * the walk decides itself and every shape it hands back to JavaScript.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readClaudeRows } from '../../src/sources/claude-code/rows.js';
import { readPart, useRowsPath, type ReadTask } from '../../src/sources/local/load.js';
import { packedRows, unpackEntries } from '../../src/sources/local/pack.js';
import { runUsage } from '../../src/sources/local/report/run.js';

afterEach(() => useRowsPath(true));

function rng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

/** A JSON writer with random key order and whitespace, as transcripts written by other tools could be. */
function writer(rnd: () => number): (v: unknown) => string {
  const spaces = () => (rnd() < 0.8 ? '' : [' ', '\t', '  ', '\r'][Math.floor(rnd() * 4)]!);
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (rnd() < 0.3) keys.sort(() => rnd() - 0.5);
      return `{${spaces()}${keys.map((k) => `${JSON.stringify(k)}${spaces()}:${spaces()}${write((v as Record<string, unknown>)[k])}`).join(`,${spaces()}`)}}`;
    }
    return JSON.stringify(v);
  };
  return write;
}

/**
 * Lines of a transcript: `responses` responses streamed as 1-4 chunks each, some replayed much
 * later (so the file's hash table has grown in between), among user, summary and damaged lines.
 */
function transcript(seed: number, responses: number): string[] {
  const rnd = rng(seed);
  const write = writer(rnd);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const models: unknown[] = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5', '', 42, null, 'claude-sonnet-ü', 'model\\"q'];
  const made: string[][] = [];
  const lines: string[] = [];
  const count = () => (rnd() < 0.9 ? Math.floor(rnd() * 5000) : pick([0, 1.5, -3, 1e3, 0.25e2, '7', null]));
  for (let k = 0; k < responses; k++) {
    const long = rnd() < 0.05 ? 'x'.repeat(100 + Math.floor(rnd() * 200)) : '';
    const id = rnd() < 0.03 ? pick([undefined, '', 7]) : `msg_${seed}_${k}${long}`;
    const req = rnd() < 0.03 ? pick([undefined, '']) : `req_${k % 997}_${Math.floor(k / 997)}`;
    const model = rnd() < 0.9 ? models[Math.floor(rnd() * 3)] : pick(models);
    const chunks: string[] = [];
    for (let c = 0, n = 1 + Math.floor(rnd() * 4); c < n; c++) {
      const usage: Record<string, unknown> = { input_tokens: count(), output_tokens: c * 100 + Math.floor(rnd() * 100) };
      if (rnd() < 0.02) usage.output_tokens = pick([1.5, '9', undefined]);
      if (rnd() < 0.8) usage.cache_read_input_tokens = count();
      if (rnd() < 0.8) usage.cache_creation_input_tokens = count();
      if (rnd() < 0.4) usage.cache_creation = rnd() < 0.9 ? { ephemeral_5m_input_tokens: count(), ephemeral_1h_input_tokens: count() } : pick([[], 5, 'x']);
      const message: Record<string, unknown> = { id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'some "quoted" text\n\twith _tokens" in it' }], usage };
      if (rnd() < 0.7) message.stop_reason = c === n - 1 && rnd() < 0.7 ? pick(['end_turn', 'tool_use', 0, false]) : null;
      const line: Record<string, unknown> = { parentUuid: null, isSidechain: rnd() < 0.1, type: 'assistant', message, requestId: req, uuid: `u${k}.${c}` };
      const t = Date.UTC(2026, 8, 1) + k * 7000 + c;
      const ts = rnd();
      line.timestamp = ts < 0.9 ? new Date(t).toISOString() : ts < 0.94 ? new Date(t).toISOString().replace('.000Z', 'Z').replace(/\.\d{3}Z$/, 'Z') : ts < 0.97 ? '2026-09-18 10:00:00Z' : ts < 0.99 ? 'not a time' : undefined;
      if (rnd() < 0.05) line.costUSD = pick([0.0123, 2, -1, 'x']);
      if (rnd() < 0.02) message.usage = pick([null, [], 'x']);
      if (rnd() < 0.01) line.message = 'x';
      chunks.push(write(line));
    }
    made.push(chunks);
    lines.push(...chunks);
    if (rnd() < 0.1) lines.push(write({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', content: '"input_tokens": 5, "output_tokens": 6' }] } }));
    if (rnd() < 0.02) lines.push(write({ type: 'summary', summary: 'a summary', leafUuid: 'x' }));
    if (rnd() < 0.05 && made.length > 1) lines.push(pick(pick(made))); // a replayed response, from anywhere before
    if (rnd() < 0.02) {
      // Damage: a line cut short, two lines run together, a stray byte.
      const l = pick(chunks);
      lines.push(pick([l.slice(0, Math.floor(l.length / 2)), l.slice(0, 100) + l, l.replace('"usage"', '"usage" x'), `[${l}]`]));
    }
  }
  return lines;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'tb-rows-'));
function file(name: string, text: string | Buffer): ReadTask {
  const root = path.join(dir, 'projects');
  const p = path.join(root, 'proj-a', `${name}.jsonl`);
  writeFileSync(p, text, { flag: 'w' });
  // The real size: readPart sets room aside for the rows from it; readClaudeRows called without it grows as they come.
  return { file: { path: p, root, size: statSync(p).size, mtimeMs: 0, ino: 0, source: 'claude-code' }, from: 0, resume: undefined };
}
mkdirSync(path.join(dir, 'projects', 'proj-a'), { recursive: true });

/**
 * A part read both ways: into rows (reading 4 KB at a time, so lines straddle reads and long ones
 * are copied out of a buffer of their own) and entry by entry.
 */
function bothWays(t: ReadTask) {
  useRowsPath(false);
  const js = readPart(t, Buffer.allocUnsafe(1 << 12));
  useRowsPath(true);
  const rows = readClaudeRows(t.file.path, t.file.root, t.from, Infinity, 1 << 12);
  const view = (p: Omit<typeof rows, 'stoppedAt'>) => ({ packed: unpackEntries(p.packed), duplicates: p.duplicates, tail: p.tail, truncatedTail: p.truncatedTail, malformed: p.malformed, end: p.end });
  // readPart takes this path by default, and gives the same.
  const viaPart = readPart(t, Buffer.allocUnsafe(1 << 20));
  expect(view({ ...viaPart, packed: viaPart.packed! })).toEqual(view(rows));
  return { js: view({ ...js, packed: js.packed! }), rows: view(rows), packed: rows.packed };
}

describe('Claude Code files straight into rows', () => {
  it('give the rows, duplicates, malformed lines, tail and end that entry-by-entry reading gives', () => {
    let total = 0;
    let replaced = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const lines = transcript(seed, 1500);
      const eol = seed % 2 ? '\n' : '\r\n';
      const bom = seed === 3 ? '\ufeff' : '';
      const tail = seed % 2 ? lines[5]! : lines[5]!.slice(0, 40);
      const t = file(`s${seed}`, bom + lines.join(eol) + eol + tail);
      const { js, rows, packed } = bothWays(t);
      expect(rows).toEqual(js);
      expect(rows.malformed.length).toBeGreaterThan(0);
      expect(rows.tail.length + Number(rows.truncatedTail)).toBe(1);
      total += rows.packed.length;
      replaced += rows.duplicates;
      // The hashes handed on are those the report's dedup would compute.
      expect(packed.hashes).toBeDefined();
      // From the middle of the file, as after the usage index.
      const mid = Buffer.byteLength(bom + lines.slice(0, 700).join(eol) + eol);
      const again = bothWays({ ...t, from: mid });
      expect(again.rows).toEqual(again.js);
      expect(again.rows.packed.length).toBeLessThan(rows.packed.length);
    }
    expect(total).toBeGreaterThan(5000); // enough rows to grow every table of the file several times
    expect(replaced).toBeGreaterThan(1000);
  });

  it('many cut-short lines in one read (more than the scan lists at once) are all counted, in order', () => {
    const lines = transcript(31, 300);
    const cut = (i: number) => `{"type":"user","message":{"role":"user","content":"line ${i} cut short`;
    const mixed = lines.flatMap((l, i) => [l, ...Array.from({ length: 12 }, (_, k) => cut(i * 12 + k))]);
    const { js, rows } = bothWays(file('cut', mixed.join('\n') + '\n'));
    expect(rows).toEqual(js);
    expect(rows.malformed.length).toBeGreaterThan(3000);
    // Read 1 MB at a time too: most of the file in one chunk, so the scan's list fills up.
    const whole = readClaudeRows(path.join(dir, 'projects', 'proj-a', 'cut.jsonl'), path.join(dir, 'projects'), 0);
    expect(whole.malformed).toEqual(js.malformed);
  });

  it('a file read after a much larger one starts afresh (no rows, keys or models carried over)', () => {
    // A line longer than the walker's line room moves where lines go; the next file must know.
    const longLine = JSON.stringify({ type: 'assistant', timestamp: '2026-09-01T00:00:00.000Z', requestId: 'r', message: { id: 'long', model: 'm', content: [{ type: 'text', text: 'y'.repeat(200_000) }], usage: { input_tokens: 1, output_tokens: 2 } } });
    const big = file('big', [longLine, ...transcript(11, 4000)].join('\n') + '\n');
    const small = file('small', transcript(11, 30).join('\n') + '\n');
    bothWays(big);
    const { js, rows } = bothWays(small);
    expect(rows).toEqual(js);
    expect(rows.duplicates).toBe(js.duplicates);
  });

  it('an unterminated last line longer than the room for lines is read as it is (its view of the memory outlives the room growing)', () => {
    const long = JSON.stringify({ type: 'assistant', timestamp: '2026-09-02T00:00:00.000Z', requestId: 'r2', message: { id: 'tail', model: 'm', content: [{ type: 'text', text: 'z'.repeat(900_000) }], usage: { input_tokens: 3, output_tokens: 4 } } });
    const { js, rows } = bothWays(file('long-tail', transcript(41, 20).join('\n') + '\n' + long));
    expect(rows).toEqual(js);
    expect(rows.tail.map((e) => e.key)).toEqual(['tail:r2']);
    // In a fresh process the room for lines is small, and making it larger grows the memory the
    // line was read into (copying it from there read a detached view before).
    const only = file('only-long-tail', long);
    const script = `import { readClaudeRows } from ${JSON.stringify(path.resolve('src/sources/claude-code/rows.ts'))};
      const r = readClaudeRows(${JSON.stringify(only.file.path)}, ${JSON.stringify(only.file.root)}, 0);
      console.log(JSON.stringify({ tail: r.tail.map((e) => e.key), truncated: r.truncatedTail }));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ tail: ['tail:r2'], truncated: false });
  });

  it('stops at the row limit at a line boundary: the rows so far, and where to read on', () => {
    const lines = transcript(21, 400);
    const t = file('limit', lines.join('\n') + '\n');
    const all = readClaudeRows(t.file.path, t.file.root, 0);
    const some = readClaudeRows(t.file.path, t.file.root, 0, 100);
    expect(packedRows(some.packed)).toBe(100);
    expect(some.stoppedAt).not.toBeNull();
    const before = Buffer.from(lines.join('\n') + '\n').subarray(0, some.stoppedAt!);
    expect(before.at(-1)).toBe(10); // just past a newline
    // The first 100 rows are the first 100 of the whole file (a row is only replaced after).
    expect(unpackEntries(some.packed).map((e) => e.key)).toEqual(unpackEntries(all.packed).slice(0, 100).map((e) => e.key));
    expect(all.stoppedAt).toBeNull();
  });

  it('reports are the same either way, in memory and spilled at any budget', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tb-rows-tree-'));
    for (let p = 0; p < 3; p++) {
      mkdirSync(path.join(root, 'projects', `proj-${p}`), { recursive: true });
      for (let s = 0; s < 3; s++) writeFileSync(path.join(root, 'projects', `proj-${p}`, `sess-${s}.jsonl`), transcript(100 + p * 3 + s, 300).join('\n') + '\n');
    }
    const env = { CLAUDE_CONFIG_DIR: root };
    const report = (spillRows?: number) =>
      runUsage({ kind: 'daily', sources: ['claude-code'], json: true, breakdown: true, mode: 'calculate', timeZone: 'UTC', order: 'asc', env, index: null, ...(spillRows ? { env: { ...env, TOKENBOARD_SPILL_ROWS: String(spillRows) } } : {}) }).then((r) => r.output);
    useRowsPath(false);
    const expected = await report();
    useRowsPath(true);
    expect(await report()).toBe(expected);
    for (const budget of [1, 50, 700, 3000]) expect(await report(budget)).toBe(expected);
  });
});

describe('worker threads by default', () => {
  it('one when there is enough to read and a CPU to spare; none for small reads, reads that could spill, or one CPU', async () => {
    const { autoWorkers, AUTO_WORKER_MIN_BYTES, DEFAULT_SPILL_ROWS } = await import('../../src/sources/local/load.js');
    const { DENSEST_BYTES_PER_RESPONSE } = await import('../../src/sources/claude-code/rows.js');
    const budget = DEFAULT_SPILL_ROWS;
    expect(autoWorkers(AUTO_WORKER_MIN_BYTES, 2, budget)).toBe(1);
    expect(autoWorkers(500 << 20, 8, budget)).toBe(1);
    expect(autoWorkers(AUTO_WORKER_MIN_BYTES - 1, 2, budget)).toBe(0);
    expect(autoWorkers(budget * DENSEST_BYTES_PER_RESPONSE + 1, 2, budget)).toBe(0);
    expect(autoWorkers(500 << 20, 2, 1000)).toBe(0); // a small budget (TOKENBOARD_SPILL_ROWS): never
    expect(autoWorkers(500 << 20, 1, budget)).toBe(0);
  });
});
