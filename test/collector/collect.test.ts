import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDeps, listen, openStore, registerIngestKey, type Running } from '../../src/server/start.js';
import type { Store } from '../../src/store/types.js';
import { collectOnce, FileSettler, scanNew, SETTLE_WINDOW, type ScanOptions } from '../../src/sources/local/collect/collect.js';
import type { LocalEntry } from '../../src/sources/local/entry.js';
import { schedule } from '../../src/sources/local/collect/install.js';

const KEY = 'tb_test_collector_key';
let store: Store;
let server: Running;
let proxy: http.Server;
let proxyUrl: string;
/** What the proxy in front of the server does with the next requests. */
let faults: ('503' | 'drop')[] = [];
let requests = 0;
let work: string;

beforeAll(async () => {
  const data = mkdtempSync(path.join(os.tmpdir(), 'tb-collect-srv-'));
  store = openStore(data);
  await registerIngestKey(store, KEY);
  server = await listen(buildDeps(store), 0);
  // A proxy that can fail requests the way real networks and overloaded servers do.
  proxy = http.createServer((req, res) => {
    requests++;
    const fault = faults.shift();
    if (fault === 'drop') return req.socket.destroy();
    if (fault === '503') {
      res.writeHead(503, { 'retry-after': '0' });
      return res.end('{"error":"unavailable"}');
    }
    const up = http.request(new URL(req.url!, server.url), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((r) => proxy.close(r));
  await server.close();
  await store.close();
});

beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'tb-collect-'));
  cpSync(path.resolve('test/fixtures'), work, { recursive: true });
  faults = [];
  requests = 0;
});

const opts = (extra: Partial<ScanOptions> = {}): ScanOptions => ({
  sources: ['claude-code', 'codex'],
  stateDir: path.join(work, 'state'),
  identity: { email: 'dev@example.com' },
  env: { CLAUDE_CONFIG_DIR: `${work}/claude-code/config-a,${work}/claude-code/config-b`, CODEX_HOME: `${work}/codex/home` },
  home: '/nonexistent-home',
  ...extra,
});
const collect = (extra: Partial<ScanOptions> = {}, attempts = 3) =>
  collectOnce({ ...opts(extra), upload: { server: proxyUrl, key: KEY, attempts, baseDelayMs: 1, wait: async () => {} } });

const S1 = 'claude-code/config-a/projects/-home-dev-app/0b7e3c1a-1111-4a4a-8a8a-000000000001.jsonl';
const line = (o: object) => JSON.stringify(o) + '\n';
const asst = (id: string, ts: string, out: number, stop: string | null) =>
  line({ type: 'assistant', sessionId: 's', timestamp: ts, requestId: `req_${id}`, message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', stop_reason: stop, usage: { input_tokens: 1, output_tokens: out, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } } });

describe('tokenboard collect against a real server', () => {
  // One server for the file, so each test measures what it added.
  const totals = async () => {
    const t = await store.rawTotals();
    return { input: t.input, output: t.output, cacheRead: t.cacheRead, events: t.events };
  };

  it('sends everything once, the same totals as the report, and nothing on a second run', async () => {
    const before = await totals();
    const r1 = await collect({ batchEvents: 3 });
    expect(r1.upload.error).toBeUndefined();
    expect(r1.scan.malformedLines).toBe(1);
    const after = await totals();
    // Claude Code (deduplicated across files by message+request id) and Codex, as in usage.test.ts
    expect(after.input - before.input).toBe(223 + 5000);
    expect(after.output - before.output).toBe(2650 + 1200);
    const r2 = await collect();
    expect(r2.scan.events).toBe(0);
    expect(r2.scan.filesRead).toBe(0);
    expect(await totals()).toEqual(after);
  });

  it('a file that grows: only the new lines go, a response still streaming waits for its final chunk', async () => {
    await collect();
    const base = await totals();
    const f = path.join(work, S1);
    appendFileSync(f, '\n' + asst('G1', '2026-11-24T10:00:00.000Z', 77, 'end_turn') + asst('G2', '2026-11-24T10:01:00.000Z', 5, null));
    const r = await collect();
    expect(r.scan.events).toBe(1);
    expect(r.scan.heldBack).toBe(1);
    expect((await totals()).output - base.output).toBe(77);
    appendFileSync(f, asst('G2', '2026-11-24T10:01:04.000Z', 5, null) + asst('G2', '2026-11-24T10:01:09.000Z', 640, 'end_turn'));
    const r2 = await collect();
    expect(r2.scan.events).toBe(1);
    expect((await totals()).output - base.output).toBe(77 + 640);
  });

  it('a stale response without stop_reason is not held back forever', async () => {
    await collect();
    const base = await totals();
    const f = path.join(work, S1);
    appendFileSync(f, '\n' + asst('H1', '2026-11-24T11:00:00.000Z', 9, null));
    const old = new Date(Date.now() - 3600_000);
    utimesSync(f, old, old);
    await collect();
    expect((await totals()).output - base.output).toBe(9);
  });

  it('a server failing mid-upload: batches stay spooled, the next run sends them, nothing is counted twice', async () => {
    const before = await totals();
    faults = ['drop', 'drop']; // with 2 attempts the first batch gives up
    const r1 = await collect({ batchEvents: 2 }, 2);
    expect(r1.upload.error).toMatch(/stay spooled/);
    expect(r1.upload.left).toBeGreaterThan(0);
    expect(readdirSync(path.join(work, 'state', 'spool')).filter((n) => n.endsWith('.json')).length).toBe(r1.upload.left);
    // 503 with Retry-After, then healthy: retried within the run
    faults = ['503'];
    const r2 = await collect({ batchEvents: 2 }, 3);
    expect(r2.upload.error).toBeUndefined();
    expect(r2.upload.left).toBe(0);
    const after = await totals();
    expect(after.input - before.input).toBe(0); // fixtures already sent by the first test: every event is a duplicate
    expect(r2.upload.duplicates).toBeGreaterThan(0);
  });

  it('a replaced or truncated file is read again from the start without double counting', async () => {
    await collect();
    const base = await totals();
    const f = path.join(work, S1);
    rmSync(f);
    writeFileSync(f, asst('R1', '2026-11-25T10:00:00.000Z', 33, 'end_turn'));
    const r = await collect();
    expect(r.scan.events).toBe(1);
    expect((await totals()).output - base.output).toBe(33);
  });

  it('a file rewritten in place (same size, a line changed after its first bytes) is read again', async () => {
    const f = path.join(work, S1);
    // A first line longer than the bytes compared at the start, so only the later line differs.
    const first = line({ type: 'user', sessionId: 's', timestamp: '2026-11-26T09:59:00.000Z', message: { role: 'user', content: 'x'.repeat(400) } });
    const a = asst('W1', '2026-11-26T10:00:00.000Z', 11, 'end_turn');
    writeFileSync(f, first + a);
    await collect();
    const base = await totals();
    const b = asst('W2', '2026-11-26T10:00:00.000Z', 12, 'end_turn');
    expect(b.length).toBe(a.length);
    writeFileSync(f, first + b);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const r = await collect();
    expect(r.scan.events).toBe(1);
    expect((await totals()).output - base.output).toBe(12);
  });

  it('--show prints counters only and changes nothing on disk', async () => {
    const shown: unknown[] = [];
    const r = scanNew(opts(), (evs) => shown.push(...evs), false);
    expect(r.events).toBe(shown.length);
    expect(existsSync(path.join(work, 'state', 'cursors.json'))).toBe(false);
    const text = JSON.stringify(shown);
    expect(text).not.toMatch(/please fix|Sure, here is|-home-dev-app/); // no text, project hashed
    expect(shown[0]).toMatchObject({ identity: { email: 'dev@example.com' }, attributes: { project: expect.stringMatching(/^sha256:/) } });
  });
});

describe('collect --install', () => {
  const cmd = ['/usr/bin/node', '/opt/tokenboard/bin/tokenboard.js', 'collect', '--config', '/home/u/.config/tokenboard/collector.json'];
  it('systemd: a oneshot service and a persistent timer', () => {
    const s = schedule('systemd', cmd, '/home/u', 30);
    expect(s.files.map((f) => f.path)).toEqual(['/home/u/.config/systemd/user/tokenboard-collect.service', '/home/u/.config/systemd/user/tokenboard-collect.timer']);
    expect(s.files[0]!.content).toContain('ExecStart=/usr/bin/node /opt/tokenboard/bin/tokenboard.js collect --config');
    expect(s.files[1]!.content).toMatch(/OnUnitActiveSec=30min[\s\S]*Persistent=true/);
    expect(s.activate.at(-1)).toEqual(['systemctl', '--user', 'enable', '--now', 'tokenboard-collect.timer']);
  });
  it('launchd: a user agent with the interval in seconds', () => {
    const s = schedule('launchd', cmd, '/Users/u', 15);
    expect(s.files[0]!.path).toBe('/Users/u/Library/LaunchAgents/dev.tokenboard.collect.plist');
    expect(s.files[0]!.content).toContain('<integer>900</integer>');
  });
  it('cron: replaces its own line and keeps the others', () => {
    const existing = '0 1 * * * backup\n*/5 * * * * old-tokenboard # tokenboard-collect\n';
    const s = schedule('cron', cmd, '/home/u', 30, existing);
    const lines = s.files[0]!.content.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('0 1 * * * backup');
    expect(lines[1]).toMatch(/^\*\/30 \* \* \* \* \/usr\/bin\/node .* # tokenboard-collect$/);
  });
});

describe('one file streamed into events (FileSettler)', () => {
  const entry = (key: string | null, output: number, final: boolean): LocalEntry => ({
    source: 'claude-code',
    key,
    time: 0,
    model: 'm',
    sessionId: 's',
    project: 'p',
    input: 1,
    output,
    cacheRead: 0,
    cacheWrite: 0,
    cacheWrite1h: 0,
    reasoning: 0,
    costUSD: null,
    final,
  });
  const settle = (lines: LocalEntry[], recent = true) => {
    const out: [string | null, number, number][] = [];
    const s = new FileSettler((e, offset) => out.push([e.key, e.output, offset]));
    lines.forEach((e, i) => s.add(e, i * 100));
    return { out, ...s.finish(recent, lines.length * 100) };
  };

  it('one event per key, the final chunk (else the largest output), in the order keys were first seen', () => {
    const r = settle([entry('a', 1, false), entry('b', 5, true), entry('a', 40, true), entry(null, 3, false), entry('a', 2, false), entry(null, 4, true)]);
    expect(r.out).toEqual([
      ['a', 40, 200],
      ['b', 5, 100],
      [null, 3, 300],
      [null, 4, 500],
    ]);
    expect(r).toMatchObject({ end: 600, held: 0 });
  });

  it('a response whose last chunk has no stop_reason waits in a recent file; its first line is where reading resumes', () => {
    const lines = [entry('a', 1, true), entry('b', 2, false), entry('c', 3, true), entry('b', 9, false)];
    const r = settle(lines);
    expect(r.out).toEqual([
      ['a', 1, 0],
      ['c', 3, 200],
    ]);
    expect(r).toMatchObject({ end: 100, held: 2 });
    expect(settle(lines, false)).toMatchObject({ end: 400, held: 0 }); // an old file: sent as it is
  });

  it(`a key seen again after ${SETTLE_WINDOW} other keys is not sent twice; memory is the window, not the file`, () => {
    const lines = [entry('first', 7, true), ...Array.from({ length: SETTLE_WINDOW + 1 }, (_, i) => entry(`k${i}`, 1, true)), entry('first', 99, true)];
    const r = settle(lines);
    expect(r.out.filter(([k]) => k === 'first')).toEqual([['first', 7, 0]]);
    expect(r.out).toHaveLength(SETTLE_WINDOW + 2);
  });
});
