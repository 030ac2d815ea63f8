/**
 * The usage index (src/sources/local/log-index.ts): a report with the index
 * must print exactly what a report reading every file prints, after every
 * kind of change to the logs, while reading only what changed.
 */
import { appendFileSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { unpricedRows } from '../../src/sources/local/cost.js';
import { loadEntries } from '../../src/sources/local/load.js';
import { readIndex } from '../../src/sources/local/log-index.js';
import { runUsage, type UsageRunOptions } from '../../src/sources/local/report/run.js';
import { copyLogFixtures } from '../support/log-fixtures.js';

let work: string;
let indexFile: string;
let env: NodeJS.ProcessEnv;
const claude = (rel: string) => path.join(work, 'claude-code', rel);
const API = 'config-a/projects/-home-dev-api/0b7e3c1a-2222-4a4a-8a8a-000000000002.jsonl';
const APP = 'config-a/projects/-home-dev-app/0b7e3c1a-1111-4a4a-8a8a-000000000001.jsonl';
const SITE = 'config-b/projects/-work-site/0b7e3c1a-3333-4a4a-8a8a-000000000003.jsonl';
const CODEX = 'codex/home/sessions/2026/11/20/rollout-2026-11-20T10-00-00-019a1b2c-aaaa-7bbb-8ccc-000000000001.jsonl';

beforeEach(() => {
  ({ work, env } = copyLogFixtures('tb-index-'));
  indexFile = path.join(work, 'cache', 'usage-index.bin');
});

const report = async (o: Partial<UsageRunOptions> = {}) => {
  const r = await runUsage({ kind: 'daily', sources: ['claude-code', 'codex'], json: true, breakdown: true, timeZone: 'UTC', mode: 'auto', env, home: '/nonexistent-home', ...o });
  return { output: r.output, warnings: r.warnings, load: r.load };
};
/** The report with the index and the same report reading every file: they must print the same. */
const both = async (o: Partial<UsageRunOptions> = {}) => {
  const indexed = await report({ ...o, index: indexFile });
  const full = await report({ ...o, index: null });
  expect(indexed.output).toBe(full.output);
  expect(indexed.warnings).toEqual(full.warnings);
  expect(indexed.load.duplicates).toBe(full.load.duplicates);
  return indexed;
};
const assistant = (id: string, req: string, output: number, stop: string | null, at: string) =>
  JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    type: 'assistant',
    sessionId: 'x',
    requestId: req,
    timestamp: at,
    message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'streamed "chunk"' }], stop_reason: stop, usage: { input_tokens: 10, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 } },
  }) + '\n';
const tailBytes = (file: string) => {
  const b = readFileSync(file);
  return b.length - (b.lastIndexOf(0x0a) + 1);
};

describe('usage index', () => {
  it('a second report reads only unterminated last lines and prints the same', async () => {
    const first = await both();
    expect(first.load.readBytes).toBe(first.load.bytes);
    const index = readIndex(indexFile);
    expect(index.size).toBe(first.load.files);
    const second = await both();
    // Only the fixture's truncated last line (no newline) is read again.
    const tails = (readdirSync(work, { recursive: true }) as string[]).filter((f) => f.endsWith('.jsonl')).reduce((s, f) => s + tailBytes(path.join(work, f)), 0);
    expect(tails).toBeGreaterThan(0);
    expect(second.load.readBytes).toBe(tails);
    expect(second.output).toBe(first.output);
  });

  it('keeps costs: entries from the index need no pricing', async () => {
    await report({ index: indexFile, mode: 'calculate' });
    const load = await loadEntries({ sources: ['claude-code', 'codex'], env, home: '/nonexistent-home', index: indexFile });
    expect(load.table!.length).toBeGreaterThan(0);
    expect(unpricedRows(load.table!, 'calculate')).toBe(0);
    const fresh = await loadEntries({ sources: ['claude-code', 'codex'], env, home: '/nonexistent-home', index: null });
    // Every row read afresh needs pricing (the count also takes copies that lost to a later one).
    const t = fresh.table!;
    expect(Array.from({ length: t.length }, (_, i) => t.hasCalc(i)).filter(Boolean)).toEqual([]);
    expect(unpricedRows(t, 'calculate')).toBeGreaterThanOrEqual(t.length);
  });

  it('a grown file is read from where the index stopped; a later final chunk replaces an indexed one', async () => {
    await both();
    const tails = (await both()).load.readBytes; // unterminated last lines are read every time
    const file = claude(API);
    // The API session ends with a complete line: append a response streamed over two runs.
    const first = assistant('msg_NEW', 'req_NEW', 5, null, '2026-11-22T09:00:00.000Z');
    appendFileSync(file, first);
    const mid = await both();
    expect(mid.load.readBytes - tails).toBe(Buffer.byteLength(first));
    const last = assistant('msg_NEW', 'req_NEW', 777, 'end_turn', '2026-11-22T09:00:01.000Z');
    appendFileSync(file, last);
    const after = await both();
    expect(after.load.readBytes - tails).toBe(Buffer.byteLength(last));
    const day = (o: string) => JSON.parse(o).daily.find((d: { date: string }) => d.date === '2026-11-22');
    expect(day(after.output).outputTokens - day(mid.output).outputTokens).toBe(777 - 5);
  });

  it('a replaced, shortened or rewritten file is read again; a deleted one drops out', async () => {
    const first = await both();
    // rewritten in place: other counts, the same size
    const api = claude(API);
    const text = readFileSync(api, 'utf8');
    writeFileSync(api, text.replace('"output_tokens":90,', '"output_tokens":10,'));
    expect(statSync(api).size).toBe(Buffer.byteLength(text));
    utimesSync(api, new Date(), new Date(Date.now() + 5000));
    const rewritten = await both();
    expect(JSON.parse(rewritten.output).totals.outputTokens).toBe(JSON.parse(first.output).totals.outputTokens - 80);
    // shortened
    const site = claude(SITE);
    writeFileSync(site, readFileSync(site, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const short = await both();
    // replaced by a new file (new inode)
    const content = readFileSync(api, 'utf8');
    rmSync(api);
    writeFileSync(api, content + assistant('msg_R', 'req_R', 42, 'end_turn', '2026-11-23T10:00:00.000Z'));
    await both();
    // deleted
    rmSync(api);
    const gone = await both();
    expect(gone.load.files).toBe(short.load.files - 1);
    expect(readIndex(indexFile).has(api)).toBe(false);
  });

  it('an unterminated last line counts while it parses and once it is finished', async () => {
    await both();
    const file = claude(API);
    const line = assistant('msg_T', 'req_T', 300, 'end_turn', '2026-11-23T11:00:00.000Z');
    appendFileSync(file, line.slice(0, -1)); // complete JSON, no newline yet: reports count it
    const open = await both();
    appendFileSync(file, '\n');
    const closed = await both();
    expect(closed.output).toBe(open.output);
    expect(JSON.parse(closed.output).totals.outputTokens).toBe(JSON.parse(open.output).totals.outputTokens);
  });

  it('codex: a session read in two runs counts each turn once (running totals resume)', async () => {
    const file = path.join(work, CODEX);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    writeFileSync(file, lines.slice(0, -2).join('\n') + '\n');
    await both({ sources: ['codex'] });
    appendFileSync(file, lines.slice(-2).join('\n') + '\n');
    const grown = await both({ sources: ['codex'] });
    expect(grown.load.readBytes).toBeLessThan(grown.load.bytes);
  });

  it('a report on some sources keeps the other sources\' records in the index', async () => {
    await both();
    // The Codex session grows, so the Codex-only report writes the index.
    const codex = path.join(work, CODEX);
    const lines = readFileSync(codex, 'utf8').split('\n').filter(Boolean);
    writeFileSync(codex, lines.slice(0, -2).join('\n') + '\n');
    await both();
    appendFileSync(codex, lines.slice(-2).join('\n') + '\n');
    const codexOnly = await both({ sources: ['codex'] });
    expect(codexOnly.load.readBytes).toBeGreaterThan(0);
    const again = await report({ index: indexFile });
    expect(again.output).toBe((await report({ index: null })).output);
    const tails = (await both()).load.readBytes;
    expect(again.load.readBytes).toBe(tails); // the Claude Code files were not read again
  });

  it('an unreadable or foreign index is ignored and rebuilt', async () => {
    const good = await both();
    writeFileSync(indexFile, 'not an index');
    const again = await both();
    expect(again.output).toBe(good.output);
    expect(again.load.readBytes).toBe(again.load.bytes);
    expect(readIndex(indexFile).size).toBe(again.load.files);
    // an index that cannot be written does not fail the report
    const blocked = await report({ index: path.join(indexFile, 'not-a-dir', 'x.bin') });
    expect(blocked.output).toBe(good.output);
  });

  it('without the index (--no-cache) every file is read and the index is left alone', async () => {
    await report({ index: indexFile });
    const stamp = statSync(indexFile).mtimeMs;
    appendFileSync(claude(API), assistant('msg_C', 'req_C', 1, 'end_turn', '2026-11-23T12:00:00.000Z'));
    const r = await report({ index: null });
    expect(r.load.readBytes).toBe(r.load.bytes);
    expect(statSync(indexFile).mtimeMs).toBe(stamp);
  });
});
