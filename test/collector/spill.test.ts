/**
 * Past the memory budget a report's dedup spills to files (spill.ts): every
 * report must print exactly what it prints in memory, with or without the
 * usage index and worker threads, and leave no file behind.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { REPORT_KINDS, runUsage, type UsageRunOptions } from '../../src/sources/local/report/run.js';
import { ExactSum } from '../../src/sources/local/report/sum.js';
import { copyLogFixtures } from '../support/log-fixtures.js';

let work: string;
let env: NodeJS.ProcessEnv;
const APP = 'claude-code/config-a/projects/-home-dev-app/0b7e3c1a-1111-4a4a-8a8a-000000000001.jsonl';
/** Discovered after files of config-a: read once the dedup has spilled (at a budget of one response). */
const SITE = 'claude-code/config-b/projects/-work-site/0b7e3c1a-3333-4a4a-8a8a-000000000003.jsonl';

beforeEach(() => {
  ({ work, env } = copyLogFixtures('tb-spill-'));
});

const NOW = Date.parse('2026-11-23T12:00:00Z');
const report = async (o: Partial<UsageRunOptions>, spillRows?: number) => {
  const r = await runUsage({
    kind: 'daily',
    sources: ['claude-code', 'codex'],
    json: true,
    breakdown: true,
    timeZone: 'UTC',
    mode: 'calculate',
    env: spillRows === undefined ? env : { ...env, TOKENBOARD_SPILL_ROWS: String(spillRows) },
    home: '/nonexistent-home',
    now: NOW,
    ...o,
  });
  if (r.load.spilled) expect(existsSync(r.load.spilled.dir)).toBe(false); // removed when the report ends
  return r;
};

const assistant = (id: string, output: number, stop: string | null, at: string) =>
  JSON.stringify({
    type: 'assistant',
    sessionId: 'grown',
    requestId: `req_${id}`,
    timestamp: at,
    message: { id, model: 'claude-opus-4-1-20250805', stop_reason: stop, usage: { input_tokens: 7, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 50 } },
  }) + '\n';

describe('a report past its memory budget', () => {
  it('every report and cost mode prints what it prints in memory, at any budget', async () => {
    for (const kind of REPORT_KINDS) {
      for (const mode of ['auto', 'calculate', 'display'] as const) {
        const inMemory = await report({ kind, mode, index: null });
        expect(inMemory.load.spilled).toBeNull();
        expect(inMemory.output.length).toBeGreaterThan(100);
        for (const rows of [1, 2, 5]) {
          const spilled = await report({ kind, mode, index: null }, rows);
          expect(spilled.load.spilled, `${kind} ${mode} ${rows}`).not.toBeNull();
          expect(spilled.load.table).toBeNull();
          expect(spilled.output, `${kind} ${mode} ${rows}`).toBe(inMemory.output);
          expect(spilled.load.duplicates).toBe(inMemory.load.duplicates);
          expect(spilled.warnings).toEqual(inMemory.warnings);
        }
      }
    }
  });

  it('with worker threads', async () => {
    const inMemory = await report({ kind: 'session', index: null });
    const spilled = await report({ kind: 'session', index: null, workers: 1 }, 3);
    expect(spilled.load.spilled).not.toBeNull();
    expect(spilled.output).toBe(inMemory.output);
  });

  it('with the usage index: reads every file in full, keeps no index, and a later report in memory uses the old one', async () => {
    const indexFile = path.join(work, 'cache', 'usage-index.bin');
    const first = await report({ index: indexFile });
    expect(first.load.spilled).toBeNull();
    const saved = readFileSync(indexFile);
    // The logs grow: a new response, and a final chunk of one seen before in the file (it must win).
    const file = path.join(work, SITE);
    const seen = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { requestId: string; timestamp: string; message: { id: string } };
    appendFileSync(file, '\n'); // ends a truncated last line, if any: malformed, counted once
    appendFileSync(file, assistant('msg_new', 30, 'end_turn', '2026-11-23T10:00:00.000Z'));
    appendFileSync(file, assistant(seen.message.id, 12345, 'end_turn', seen.timestamp).replace(`req_${seen.message.id}`, seen.requestId));
    const full = await report({ index: null });
    expect(full.output).toContain('12345'); // the later final chunk counts
    for (const rows of [1, 4]) {
      const spilled = await report({ index: indexFile }, rows);
      expect(spilled.load.spilled).not.toBeNull();
      if (rows === 1) expect(spilled.load.readBytes).toBeGreaterThanOrEqual(statSync(file).size); // from its start, not from the index
      expect(spilled.output).toBe(full.output);
      expect(spilled.warnings).toEqual(full.warnings);
      expect(spilled.load.duplicates).toBe(full.load.duplicates);
      expect(readFileSync(indexFile).equals(saved)).toBe(true); // left as it was
    }
    // In memory again: the old index is used for what did not change, and brought up to date.
    const later = await report({ index: indexFile });
    expect(later.load.spilled).toBeNull();
    expect(later.output).toBe(full.output);
    expect(later.load.readBytes).toBeLessThan(later.load.bytes);
    expect(statSync(indexFile).size).not.toBe(saved.length);
  });

  it('one file with more responses than the budget spills while it is read (its earlier part from the index first)', async () => {
    const indexFile = path.join(work, 'cache', 'usage-index.bin');
    await report({ index: indexFile, sources: ['claude-code'] });
    const file = path.join(work, APP);
    appendFileSync(file, '\n');
    for (let i = 0; i < 20; i++) appendFileSync(file, assistant(`msg_many_${i}`, i, i % 3 ? 'end_turn' : null, `2026-11-2${i % 4}T0${i % 10}:00:00.000Z`));
    appendFileSync(file, assistant('msg_many_3', 99, 'end_turn', '2026-11-23T03:00:00.000Z')); // a final chunk of an earlier response
    const full = await report({ index: null, sources: ['claude-code'] });
    for (const kind of ['daily', 'blocks'] as const) {
      const expected = kind === 'daily' ? full : await report({ kind, index: null, sources: ['claude-code'] });
      const spilled = await report({ kind, index: indexFile, sources: ['claude-code'] }, 8);
      expect(spilled.load.spilled).not.toBeNull();
      expect(spilled.output).toBe(expected.output);
      expect(spilled.load.duplicates).toBe(expected.load.duplicates);
      expect(spilled.warnings).toEqual(expected.warnings);
    }
  });
});

describe('the temporary files', () => {
  it('a missing or unwritable temporary directory gives a clear error; directories left by killed reports are swept', async () => {
    const saved = process.env.TMPDIR;
    try {
      process.env.TMPDIR = path.join(work, 'no-such-dir');
      await expect(report({ index: null }, 1)).rejects.toThrow(/cannot write this report's temporary files in .*no-such-dir \(ENOENT\).*TMPDIR.*TOKENBOARD_SPILL_ROWS/);
      const tmp = path.join(work, 'tmp');
      const stale = path.join(tmp, 'tokenboard-spill-stale');
      const recent = path.join(tmp, 'tokenboard-spill-recent'); // another report may be using it
      mkdirSync(stale, { recursive: true });
      mkdirSync(recent);
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
      utimesSync(stale, twoDaysAgo, twoDaysAgo);
      process.env.TMPDIR = tmp;
      const r = await report({ index: null }, 1);
      expect(path.dirname(r.load.spilled!.dir)).toBe(tmp);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(recent)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('are removed when the report is interrupted (SIGINT), and the process still ends by the signal', async () => {
    const script = `
      const { Spill } = await import(${JSON.stringify(path.resolve('src/sources/local/spill.ts'))});
      const s = new Spill(10, () => { throw new Error('unused'); });
      const e = { source: 'claude-code', key: 'k', time: 0, model: 'm', sessionId: 's', project: 'p', input: 1, output: 1, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, reasoning: 0, costUSD: null, final: true };
      s.add(e, Buffer.from('ck'), 0, 2);
      console.log(s.dir);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const dir = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim())));
    expect(existsSync(dir)).toBe(true);
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGINT');
    expect(await ended).toBe('SIGINT');
    expect(existsSync(dir)).toBe(false);
  }, 30_000);
});

describe('exact sums (report costs)', () => {
  it('give one total whatever the order of the terms', () => {
    const sum = (xs: number[]) => {
      const s = new ExactSum();
      for (const x of xs) s.add(x);
      return s.value();
    };
    expect(sum([1e16, 1, -1e16])).toBe(1);
    expect(sum([0.1, 0.2, 0.3])).toBe(0.6);
    expect(0.1 + 0.2 + 0.3).not.toBe(0.6); // what a plain running sum gives
    expect(sum([])).toBe(0);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const terms = Array.from({ length: 2000 }, () => Math.round(rnd() * 1e6) / 1e6 * 10 ** Math.floor(rnd() * 4));
    const first = sum(terms);
    let plainDiffers = false;
    for (let k = 0; k < 20; k++) {
      const shuffled = [...terms].sort(() => rnd() - 0.5);
      expect(sum(shuffled)).toBe(first);
      if (shuffled.reduce((a, b) => a + b, 0) !== terms.reduce((a, b) => a + b, 0)) plainDiffers = true;
    }
    expect(plainDiffers).toBe(true); // the plain sum depends on the order: the test can fail
  });
});
