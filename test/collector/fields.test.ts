/**
 * The byte-level reader of Claude Code lines (src/sources/claude-code/fields.ts) must give what
 * JSON.parse gives: on every line here parseClaudeBytes equals parseClaudeLine on the UTF-8 text,
 * and the fast path is checked to be taken (or declined) where it should be.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeCode, parseClaudeBytes, parseClaudeLine } from '../../src/sources/claude-code/adapter.js';
import { pickFields, TIME_MS, UNSURE } from '../../src/sources/claude-code/fields.js';
import { readLogFile } from '../../src/sources/local/read.js';

const FIXTURES = path.resolve('test/fixtures/claude-code');
const bytes = (line: string) => Buffer.from(line, 'utf8');
const viaBytes = (line: string) => {
  const b = bytes(line);
  return parseClaudeBytes(b, 0, b.length, 'proj', 'sess');
};
const viaJson = (line: string) => parseClaudeLine(line, 'proj', 'sess');
const fast = (line: string) => {
  const b = bytes(line);
  return pickFields(b, 0, b.length) !== UNSURE;
};

const usage = { input_tokens: 10, cache_creation_input_tokens: 2000, cache_read_input_tokens: 5000, cache_creation: { ephemeral_5m_input_tokens: 1500, ephemeral_1h_input_tokens: 500 }, output_tokens: 300 };
const assistant = (over: Record<string, unknown> = {}, message: Record<string, unknown> = {}) =>
  JSON.stringify({
    parentUuid: 'p',
    isSidechain: false,
    cwd: '/home/dev/app',
    message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'ok' }], stop_reason: null, usage, ...message },
    requestId: 'req_1',
    type: 'assistant',
    timestamp: '2026-11-20T09:00:05.000Z',
    ...over,
  });

/** Lines the fast path must read itself, with the same result as JSON.parse. */
const FAST: [string, string][] = [
  ['a typical assistant line', assistant()],
  ['keys in another order, usage first, timestamp last', JSON.stringify({ timestamp: '2026-11-20T09:00:05Z', message: { usage: { output_tokens: 7, input_tokens: 3 }, model: 'claude-opus-4-1-20250805', id: 'msg_2' }, requestId: 'req_2' })],
  ['whitespace everywhere, tabs and CRLF', '{ "message" :\t{ "id" : "msg_3" , "usage" : { "input_tokens" : 1 , "output_tokens" : 2 } , "model" : "m" } ,\r\n "requestId":"req_3", "timestamp" : "2026-11-20T10:00:00.000Z" }\r'],
  [
    'content with escaped quotes and the literal text "usage" and "output_tokens"',
    assistant({}, { content: [{ type: 'text', text: 'the log says "usage":{"input_tokens":999999,"output_tokens":999999} and \\"quoted\\" \\\\' }] }),
  ],
  ['a string ending in a backslash before its closing quote', assistant({}, { content: [{ type: 'text', text: 'C:\\dir\\' }] })],
  ['a Task tool result with a subagent usage nested deeper (not message.usage)', JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', content: 'x' }] }, toolUseResult: { usage: { input_tokens: 999, output_tokens: 999 } }, timestamp: '2026-11-20T09:00:00.000Z' })],
  ['duplicate keys: the last wins as in JSON.parse', '{"message":{"usage":{"input_tokens":1,"output_tokens":1},"id":"a"},"message":{"usage":{"input_tokens":5,"output_tokens":6},"id":"b"},"requestId":"r","timestamp":"2026-11-20T09:00:00Z"}'],
  ['a later message that is not an object replaces the earlier one', '{"message":{"usage":{"input_tokens":1,"output_tokens":1}},"message":"gone","timestamp":"2026-11-20T09:00:00Z"}'],
  ['stop_reason set', assistant({}, { stop_reason: 'end_turn' })],
  ['stop_reason missing', assistant({}, { stop_reason: undefined })],
  ['stop_reason an object', assistant({}, { stop_reason: { why: 'x' } })],
  ['costUSD as a fraction with exponent', assistant({ costUSD: 1.5e-3 })],
  ['costUSD not a number', assistant({ costUSD: '0.5' })],
  ['negative, fractional and very large token counts', assistant({}, { usage: { input_tokens: -5, output_tokens: 10.5, cache_read_input_tokens: 12345678901234567890, cache_creation_input_tokens: 1e3 } })],
  ['input_tokens a string: not counted', assistant({}, { usage: { input_tokens: '5', output_tokens: 1 } })],
  ['usage an array', assistant({}, { usage: [1, 2] })],
  ['usage null', assistant({}, { usage: null })],
  ['cache_creation not an object', assistant({}, { usage: { ...usage, cache_creation: 7 } })],
  ['model missing and id null', assistant({}, { model: undefined, id: null })],
  ['timestamp not a date: malformed', assistant({ timestamp: 'yesterday' })],
  ['timestamp a number: malformed', assistant({ timestamp: 1763629205000 })],
  ['timestamp without milliseconds, in another zone, with micro- or no seconds', assistant({ timestamp: '2026-11-20T09:00:05Z' })],
  ['timestamp with an offset instead of Z', assistant({ timestamp: '2026-11-20T10:00:05.000+01:00' })],
  ['timestamp with microseconds', assistant({ timestamp: '2026-11-20T09:00:05.123456Z' })],
  ['timestamp a day past the month end (Date.parse rolls over)', assistant({ timestamp: '2026-02-30T09:00:05.000Z' })],
  ['timestamp at 24:00 and with second 60', assistant({ timestamp: '2026-11-20T24:00:00.000Z' })],
  ['timestamp in year 0050 (Date.UTC would say 1950)', assistant({ timestamp: '0050-11-20T09:00:05.000Z' })],
  ['timestamp twice: the last (not in the usual form) wins', '{"timestamp":"2026-01-01T00:00:00.000Z","message":{"usage":{"input_tokens":1,"output_tokens":1}},"timestamp":"2026-11-20T10:00:05.000+01:00"}'],
  ['timestamp twice: a number after a string wins (malformed)', '{"message":{"usage":{"input_tokens":1,"output_tokens":1}},"timestamp":"2026-11-20T09:00:00.000Z","timestamp":5}'],
  ['a summary line', '{"type":"summary","summary":"Fix the \\"login\\" bug","leafUuid":"x"}'],
  ['empty object', '{}'],
  ['nested arrays and literals in skipped values', assistant({ extra: [[], [true, false, null, -0.5e+2, { a: [{}] }]] })],
];

/** Lines the fast path must hand to JSON.parse (it would have to guess), still with equal results. */
const DECLINED: [string, string][] = [
  ['non-ASCII model name', assistant({}, { model: 'claude-sonnet-ü' })],
  ['escaped characters in a picked string', assistant().replace('"msg_1"', '"msg_\\u0031"')],
  ['a raw control character in a picked string (invalid JSON)', assistant().replace('"req_1"', '"req\t1"')],
  ['an escaped key', assistant().replace('"requestId"', '"request\\u0049d"')],
  ['a missing comma inside skipped content', assistant().replace('"type":"text","text"', '"type":"text" "text"')],
  ['a truncated line', assistant().slice(0, 300)],
  ['two lines run together by an interrupted write', assistant().slice(0, 250) + assistant()],
  ['trailing garbage after the object', assistant() + ' x'],
  ['a top-level array', '[1,2]'],
  ['a bare number', '42'],
  ['an unterminated string', '{"message":"abc'],
  ['a bad literal', assistant().replace('"isSidechain":false', '"isSidechain":fals')],
  ['a bad number', assistant().replace('"input_tokens":10', '"input_tokens":01')],
  ['nesting deeper than the fast path goes', assistant({ deep: JSON.parse('['.repeat(100) + ']'.repeat(100)) })],
];

describe('Claude Code lines read from bytes', () => {
  it.each(FAST)('%s: fast path, same entry as JSON.parse', (_name, line) => {
    expect(fast(line)).toBe(true);
    expect(viaBytes(line)).toEqual(viaJson(line));
  });

  it.each(DECLINED)('%s: left to JSON.parse, same result', (_name, line) => {
    expect(fast(line)).toBe(false);
    expect(viaBytes(line)).toEqual(viaJson(line));
  });

  it('a counted line really is counted by both (the cases above are not all null)', () => {
    const line = (cases: [string, string][], name: string) => cases.find(([n]) => n.startsWith(name))![1];
    expect(viaBytes(FAST[0]![1])).toMatchObject({ key: 'msg_1:req_1', input: 10, output: 300, cacheRead: 5000, cacheWrite: 2000, cacheWrite1h: 500, final: false });
    expect(viaBytes(FAST[2]![1])).toMatchObject({ key: 'msg_3:req_3', input: 1, output: 2, model: 'm' });
    expect(viaBytes(FAST[3]![1])).toMatchObject({ input: 10, output: 300 });
    expect(viaBytes(FAST[5]![1])).toBeNull();
    expect(viaBytes(FAST[6]![1])).toMatchObject({ key: 'b:r', input: 5, output: 6 });
    expect(viaBytes(line(DECLINED, 'non-ASCII model'))).toMatchObject({ model: 'claude-sonnet-ü' });
    expect(viaBytes(line(DECLINED, 'escaped characters'))).toMatchObject({ key: 'msg_1:req_1' });
    expect(viaBytes(line(DECLINED, 'a raw control'))).toBe('malformed');
    expect(viaBytes(line(DECLINED, 'a missing comma'))).toBe('malformed');
  });

  it('every fixture line, and the same lines with keys shuffled and whitespace added, read as JSON.parse reads them', () => {
    const files: string[] = [];
    const walk = (d: string) => readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.jsonl') && files.push(path.join(d, e.name))));
    walk(FIXTURES);
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
    expect(lines.length).toBeGreaterThan(10);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const spaces = () => [' ', '\t', '', '  ', '\r'][Math.floor(rnd() * 5)]!;
    // A JSON writer with random key order and random whitespace between tokens.
    const write = (v: unknown): string => {
      if (Array.isArray(v)) return `[${spaces()}${v.map((x) => write(x)).join(`${spaces()},${spaces()}`)}${spaces()}]`;
      if (v && typeof v === 'object') {
        const keys = Object.keys(v).sort(() => rnd() - 0.5);
        return `{${spaces()}${keys.map((k) => `${JSON.stringify(k)}${spaces()}:${spaces()}${write((v as Record<string, unknown>)[k])}`).join(`${spaces()},${spaces()}`)}${spaces()}}`;
      }
      return JSON.stringify(v);
    };
    let counted = 0;
    for (const line of lines) {
      expect(viaBytes(line)).toEqual(viaJson(line));
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // the fixtures' malformed lines are covered above
      }
      for (let i = 0; i < 20; i++) {
        const variant = spaces() + write(parsed) + spaces();
        const r = viaBytes(variant);
        expect(r).toEqual(viaJson(variant));
        expect(fast(variant)).toBe(true);
        if (r && r !== 'malformed') counted++;
      }
    }
    expect(counted).toBeGreaterThan(100);
  });

  it('files: a byte order mark, CRLF endings, spaces before the colon and a truncated last line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tb-fields-'));
    const file = path.join(dir, 's.jsonl');
    const a = assistant();
    const b = assistant({ requestId: 'req_2' }).replace('"output_tokens":300', '"output_tokens" : 301');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${a}\r\n${b}\r\n${assistant({ requestId: 'req_3' }).slice(0, 200)}`)]));
    const r = readLogFile(claudeCode, file, dir, { includeTail: true });
    expect(r.entries.map((e) => [e.key, e.output])).toEqual([
      ['msg_1:req_1', 300],
      ['msg_1:req_2', 301],
    ]);
    expect(r.malformed).toEqual([]);
    expect(r.truncatedTail).toBe(true);
  });
});

describe('timestamps read from bytes', () => {
  // The walk reads a timestamp in the usual form as epoch milliseconds (TIME_MS), else keeps the string.
  const isoUtcMs = (b: Buffer, s: number, e: number): number => {
    const line = Buffer.concat([Buffer.from('{"timestamp":"'), b.subarray(s, e), Buffer.from('"}')]);
    const o = pickFields(line, 0, line.length);
    if (o === UNSURE) throw new Error(`declined ${line.toString()}`);
    return (o[TIME_MS] as number | undefined) ?? NaN;
  };

  it('timestamps equal Date.parse wherever the walk reads them, and every other form is left as the string', () => {
    const samples = [
      '2026-11-20T09:00:05.000Z', '2026-11-20T09:00:05Z', '1970-01-01T00:00:00.000Z', '2099-12-31T23:59:59.999Z', '2024-02-29T12:00:00.500Z',
      '2026-02-31T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-00-10T00:00:00.000Z', '2026-11-20T24:00:00.000Z', '2026-11-20T23:60:00.000Z',
      '2026-11-20T23:59:60.000Z', '2026-11-20T09:00:05.12Z', '2026-11-20T09:00:05.1234Z', '2026-11-20 09:00:05.000Z', '2026-11-20T09:00:05.000+00:00',
      '1969-12-31T23:59:59.999Z', '0099-01-01T00:00:00.000Z', '2026-1a-20T09:00:05.000Z', '2026-11-20T09:00:05,000Z', '+02026-11-20T09:00:05.000Z',
    ];
    let answered = 0;
    for (const s of samples) {
      const b = Buffer.from(`"${s}"`);
      const ms = isoUtcMs(b, 1, b.length - 1);
      if (Number.isNaN(ms)) continue;
      answered++;
      expect(ms, s).toBe(Date.parse(s));
    }
    expect(answered).toBe(6);
    // every millisecond-bearing instant of a sweep round-trips
    for (let t = Date.UTC(2020, 0, 1); t < Date.UTC(2030, 0, 1); t += 7_777_777_777 / 97) {
      const s = new Date(Math.floor(t)).toISOString();
      const b = Buffer.from(s);
      expect(isoUtcMs(b, 0, b.length)).toBe(Math.floor(t));
    }
    // month ends (a day past the end rolls over as in Date.parse), leap and century years
    for (const y of [1970, 1999, 2000, 2024, 2025, 2100, 2400, 9999]) {
      for (let m = 1; m <= 12; m++) {
        for (const d of [1, 28, 29, 30, 31]) {
          const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T23:59:59.999Z`;
          const b = Buffer.from(s);
          expect(isoUtcMs(b, 0, b.length), s).toBe(Date.parse(s));
        }
      }
    }
  });
});

describe('the WebAssembly walk', () => {
  it('agrees with JSON.parse on random lines and on every kind of single-byte damage to them', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const chars = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', 'é', '€', '😀', '{', '}', '[', ']', ':', ',', '\u0000', '\u001f'];
    const str = () => Array.from({ length: Math.floor(rnd() * 40) }, () => pick(chars)).join('');
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.35) return pick([str(), 0, -1.5e-7, 12345678901234567890, 3.25, true, false, null, '']);
      if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(['type', 'text', 'input', 'usage', 'id', str()]), value(depth + 1)]));
    };
    let fastOnes = 0;
    for (let n = 0; n < 400; n++) {
      const line = assistant(
        { requestId: pick(['req_1', `req_${n}`, 'req_é']), extra: value(0) },
        { content: [{ type: 'text', text: str() }, value(0)], stop_reason: pick([null, 'end_turn']), usage: { ...usage, output_tokens: pick([1, 2.5, -3, 1e21]) } },
      );
      expect(viaBytes(line), line).toEqual(viaJson(line));
      if (fast(line)) fastOnes++;
      const b = Buffer.from(line);
      for (let k = 0; k < 8; k++) {
        const at = Math.floor(rnd() * b.length);
        const byte = pick([0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x20, 0x30, 0x61, 0x00, 0x0a]);
        const damaged = [
          Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]), // a byte missing
          Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]), // one too many
          Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at + 1)]), // one changed
        ];
        for (const d of damaged) {
          const text = d.toString('utf8');
          expect(parseClaudeBytes(d, 0, d.length, 'proj', 'sess'), text).toEqual(viaJson(text));
        }
      }
    }
    expect(fastOnes).toBeGreaterThan(100); // the walk read most of them itself
  });


  it('pick-wasm.ts is what pick.as.ts compiles to (scripts/build-wasm.mjs --check)', () => {
    const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a line longer than the memory it had grows it, and the next lines still read right', () => {
    const long = assistant({}, { content: [{ type: 'text', text: 'x\\"'.repeat(4_000_000) }] });
    expect(long.length).toBeGreaterThan(12_000_000);
    expect(fast(long)).toBe(true);
    expect(viaBytes(long)).toEqual(viaJson(long));
    for (const [, line] of FAST) expect(viaBytes(line)).toEqual(viaJson(line));
  });

  it('a repeated picked string is the same text, and a changed one is read afresh (also after a line it declined)', () => {
    const a = assistant({ requestId: 'req_a' });
    const declined = assistant({ requestId: 'req_b' }) + ' x'; // read to its end, then declined
    const b = assistant({ requestId: 'req_b' });
    expect(viaBytes(a)).toMatchObject({ key: 'msg_1:req_a' });
    expect(fast(declined)).toBe(false);
    expect(viaBytes(b)).toMatchObject({ key: 'msg_1:req_b' });
    expect(viaBytes(b)).toMatchObject({ key: 'msg_1:req_b' });
    expect(viaBytes(a)).toMatchObject({ key: 'msg_1:req_a' });
  });
});
