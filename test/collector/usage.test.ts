import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runUsage, type UsageRunOptions } from '../../src/sources/local/report/run.js';

const FX = path.resolve('test/fixtures');
const env = {
  CLAUDE_CONFIG_DIR: `${FX}/claude-code/config-a, ${FX}/claude-code/config-b`,
  CODEX_HOME: `${FX}/codex/home`,
};
const base: UsageRunOptions = {
  kind: 'daily',
  sources: ['claude-code', 'codex'],
  json: true,
  breakdown: false,
  timeZone: 'UTC',
  mode: 'calculate',
  env,
  home: '/nonexistent-home',
  workers: 0,
};
const run = async (o: Partial<UsageRunOptions>) => {
  const r = await runUsage({ ...base, ...o });
  return { json: JSON.parse(r.output), r };
};

describe('tokenboard usage on a fixture tree', () => {
  it('daily: claude-code tokens once per response, final chunk, subagents included, ccusage JSON shape', async () => {
    const { json, r } = await run({ sources: ['claude-code'] });
    expect(Object.keys(json)).toEqual(['daily', 'totals']);
    expect(json.daily.map((d: { date: string }) => d.date)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23']);
    const d20 = json.daily[0];
    expect(Object.keys(d20)).toEqual(['date', 'inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens', 'totalCost', 'modelsUsed', 'modelBreakdowns']);
    // msg_A1 (3 identical chunks + a copy in another session) once, msg_A2's final chunk (420, not 1), subagent lines,
    // and never the Task tool result's embedded usage (999999).
    expect(d20).toMatchObject({ inputTokens: 173, outputTokens: 860, cacheCreationTokens: 2100, cacheReadTokens: 15100, totalTokens: 18233 });
    expect(d20.modelsUsed).toEqual(['claude-haiku-4-5-20251001', 'claude-opus-4-1-20250805', 'claude-sonnet-4-5-20250929']);
    expect(Object.keys(d20.modelBreakdowns[0])).toEqual(['modelName', 'inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'cost']);
    expect(json.totals).toMatchObject({ inputTokens: 173 + 12 + 8 + 30, outputTokens: 860 + 700 + 90 + 1000 });
    expect(Object.keys(json.totals).sort()).toEqual(['cacheCreationTokens', 'cacheReadTokens', 'inputTokens', 'outputTokens', 'totalCost', 'totalTokens']);
    // one malformed line (with its line number) and the truncated last line, skipped and counted
    expect(r.load.malformedLines).toBe(2);
    expect(r.warnings.some((w) => /000000000001\.jsonl:7: malformed/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /truncated/.test(w))).toBe(true);
  });

  it('codex: cached input split out, re-emitted totals and a forked history counted once', async () => {
    const { json } = await run({ sources: ['codex'] });
    expect(json.daily).toHaveLength(1);
    expect(json.daily[0]).toMatchObject({ inputTokens: 5000, cacheReadTokens: 15000, outputTokens: 1200, cacheCreationTokens: 0 });
    expect(json.daily[0].modelsUsed).toEqual(['gpt-5', 'gpt-5-codex']);
  });

  it('cost modes: display uses only logged cost, auto prefers it, calculate prices tokens', async () => {
    const only20 = { sources: ['claude-code'] as const, since: '2026-11-20', until: '2026-11-20' };
    const display = (await run({ ...only20, mode: 'display' })).json;
    expect(display.totals.totalCost).toBeCloseTo(0.5, 10);
    const calc = (await run({ ...only20, mode: 'calculate' })).json.totals.totalCost;
    const auto = (await run({ ...only20, mode: 'auto' })).json.totals.totalCost;
    expect(calc).toBeGreaterThan(0);
    // msg_A3 costs 100*3/1e6 + 50*15/1e6 by tokens but logged 0.5
    expect(auto - calc).toBeCloseTo(0.5 - (100 * 3 + 50 * 15) / 1e6, 6);
  });

  it('worker threads give exactly the same report', async () => {
    const a = (await run({ workers: 0 })).json;
    expect(a.daily.length).toBeGreaterThan(1);
    expect((await run({ workers: 1 })).json).toEqual(a);
    expect((await run({ workers: 2 })).json).toEqual(a);
  });

  it('timezone moves a late-evening response to the next day', async () => {
    const { json } = await run({ sources: ['claude-code'], timeZone: 'Europe/Berlin', since: '2026-11-21', until: '2026-11-21' });
    // msg_A3 at 23:30 UTC is 00:30 on the 21st in Berlin
    expect(json.daily[0]).toMatchObject({ date: '2026-11-21', inputTokens: 100 + 12, outputTokens: 50 + 700 });
  });

  it('weekly, monthly and session reports', async () => {
    const w = (await run({ kind: 'weekly', sources: ['claude-code'] })).json;
    expect(w.weekly.map((x: { week: string }) => x.week)).toEqual(['2026-11-15', '2026-11-22']);
    const m = (await run({ kind: 'monthly' })).json;
    expect(m.monthly).toHaveLength(1);
    expect(m.monthly[0].month).toBe('2026-11');
    const s = (await run({ kind: 'session', sources: ['claude-code'] })).json;
    const s1 = s.sessions.find((x: { sessionId: string }) => x.sessionId.endsWith('0001'));
    const s2 = s.sessions.find((x: { sessionId: string }) => x.sessionId.endsWith('0002'));
    // msg_A1 counts in the session it was made in (0001, begun 09:00:00), not in 0002, which
    // replays it and began later, though 0002 is listed first (ccusage too takes files by time)
    expect(s1).toMatchObject({ projectPath: '-home-dev-app', lastActivity: '2026-11-20', inputTokens: 173, outputTokens: 860 });
    expect(s2).toMatchObject({ projectPath: '-home-dev-api', inputTokens: 20, outputTokens: 790 });
    expect(Object.keys(s1)).toEqual(['sessionId', 'inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens', 'totalCost', 'modelsUsed', 'modelBreakdowns', 'lastActivity', 'projectPath']);
  });

  it('blocks: 5-hour windows from the hour of the first entry, gaps, active block with burn rate', async () => {
    const now = Date.parse('2026-11-23T11:00:00Z');
    const { json } = await run({ kind: 'blocks', sources: ['claude-code'], now });
    const ids = json.blocks.map((b: { id: string }) => b.id);
    expect(ids[0]).toBe('2026-11-20T09:00:00.000Z');
    expect(json.blocks[0]).toMatchObject({ isGap: false, isActive: false, entries: 4, tokenCounts: { inputTokens: 73, outputTokens: 810, cacheCreationInputTokens: 2100, cacheReadInputTokens: 15100 } });
    expect(json.blocks[1]).toMatchObject({ isGap: true, id: 'gap-2026-11-20T14:02:09.000Z', actualEndTime: null });
    const last = json.blocks.at(-1);
    expect(last).toMatchObject({ id: '2026-11-23T10:00:00.000Z', isActive: true, entries: 1 });
    expect(last.burnRate).toBeNull(); // a single entry has no duration to rate
  });

  it('daily --instances and --project (as ccusage): a row per day and project, JSON grouped by project', async () => {
    const all = (await run({ sources: ['claude-code'] })).json;
    const inst = (await run({ sources: ['claude-code'], instances: true })).json;
    expect(Object.keys(inst)).toEqual(['projects', 'totals']);
    expect(Object.keys(inst.projects).sort()).toEqual(['-home-dev-api', '-home-dev-app', '-work-site']);
    expect(inst.totals).toEqual(all.totals);
    const app = inst.projects['-home-dev-app'];
    expect(app.map((d: { date: string }) => d.date)).toEqual(['2026-11-20']);
    expect(Object.keys(app[0])).toEqual(Object.keys(all.daily[0])); // no project field inside a project's rows
    const sum = (rows: { inputTokens: number }[]) => rows.reduce((n, r) => n + r.inputTokens, 0);
    expect(Object.values(inst.projects as Record<string, { inputTokens: number }[]>).reduce((n, rows) => n + sum(rows), 0)).toBe(all.totals.inputTokens);
    const only = (await run({ sources: ['claude-code'], project: '-home-dev-app' })).json;
    expect(Object.keys(only)).toEqual(['daily', 'totals']);
    expect(only.daily).toEqual(app.map((r: object) => ({ ...r, project: '-home-dev-app' })));
    expect((await run({ sources: ['claude-code'], project: 'no-such-project' })).json.daily).toEqual([]);
    const table = (await runUsage({ ...base, sources: ['claude-code'], instances: true, json: false })).output;
    // projects in the order of their first day, as ccusage: app (the 20th), api (the 21st), site
    expect(Object.keys(inst.projects)).toEqual(['-home-dev-app', '-home-dev-api', '-work-site']);
    expect(table.indexOf('Project: -home-dev-app')).toBeGreaterThan(0);
    expect(table.indexOf('Project: -home-dev-api')).toBeGreaterThan(table.indexOf('Project: -home-dev-app'));
  });

  it('blocks --token-limit (as ccusage): the active block\'s projection against a number or the most a finished block used', async () => {
    // A finished block of 2 responses, then an active one of 2 responses 30 minutes apart.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tb-limit-'));
    const line = (id: string, at: string, output: number) =>
      JSON.stringify({ type: 'assistant', sessionId: 's', timestamp: at, requestId: `req_${id}`, message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', stop_reason: 'end_turn', usage: { input_tokens: 100, output_tokens: output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } } }) + '\n';
    mkdirSync(path.join(dir, 'projects', 'p'), { recursive: true });
    writeFileSync(path.join(dir, 'projects', 'p', 's.jsonl'), line('a', '2026-11-22T08:00:00.000Z', 4900) + line('b', '2026-11-22T09:00:00.000Z', 4900) + line('c', '2026-11-23T10:00:00.000Z', 900) + line('d', '2026-11-23T10:30:00.000Z', 900));
    const now = Date.parse('2026-11-23T11:00:00Z');
    type B = { isActive: boolean; totalTokens: number; projection: { totalTokens: number } | null; tokenLimitStatus?: { limit: number; projectedUsage: number; percentUsed: number; status: string } };
    const blocks = async (tokenLimit?: string) => (await run({ kind: 'blocks', sources: ['claude-code'], env: { CLAUDE_CONFIG_DIR: dir }, now, tokenLimit })).json.blocks as B[];
    try {
      const plain = await blocks();
      const active = plain.find((b) => b.isActive)!;
      const projected = active.projection!.totalTokens; // 2,000 in 30 minutes, 4 hours left
      expect(projected).toBe(18000);
      expect(plain.every((b) => b.tokenLimitStatus === undefined)).toBe(true);
      const status = async (limit: string) => (await blocks(limit)).find((b) => b.isActive)!.tokenLimitStatus;
      expect(await status('10000')).toEqual({ limit: 10000, projectedUsage: 18000, percentUsed: 180, status: 'exceeds' });
      expect((await status('20000'))!.status).toBe('warning'); // over 80 %
      expect((await status('25000'))!.status).toBe('ok');
      expect(await status('max')).toMatchObject({ limit: 10000, status: 'exceeds' }); // the finished block's 2 x 5000
      expect((await blocks('10000')).filter((b) => b.tokenLimitStatus).length).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('blocks --since/--until: drawn over every entry, then kept by the day each starts on in the time zone (as ccusage)', async () => {
    const now = Date.parse('2026-11-23T11:00:00Z');
    const ids = async (o: Partial<UsageRunOptions>) => (await run({ kind: 'blocks', sources: ['claude-code'], now, ...o })).json.blocks.map((b: { id: string; entries: number }) => `${b.id} ${b.entries}`);
    // the block from 23:00 UTC on the 20th holds an entry of the 21st: it is not cut at midnight
    expect(await ids({ since: '2026-11-21', until: '2026-11-21' })).toEqual(['gap-2026-11-21T04:31:00.000Z 0', '2026-11-21T14:00:00.000Z 1', 'gap-2026-11-21T19:00:05.000Z 0']);
    expect(await ids({ since: '2026-11-21', until: '2026-11-21', timeZone: 'Asia/Tokyo' })).toEqual(['2026-11-20T23:00:00.000Z 2', 'gap-2026-11-21T04:31:00.000Z 0', '2026-11-21T14:00:00.000Z 1']);
    expect(await ids({ until: '2026-11-20' })).toEqual(['2026-11-20T09:00:00.000Z 4', 'gap-2026-11-20T14:02:09.000Z 0', '2026-11-20T23:00:00.000Z 2']);
  });

  it('empty logs still print complete JSON', async () => {
    const { json } = await run({ env: { CLAUDE_CONFIG_DIR: '/nonexistent', CODEX_HOME: '/nonexistent' } });
    expect(json).toEqual({ daily: [], totals: { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0 } });
  });

  it('tables render totals and model rows', async () => {
    const r = await runUsage({ ...base, json: false, breakdown: true });
    expect(r.output).toContain('Total');
    expect(r.output).toContain('└─ sonnet-4-5');
    expect(r.output).toContain('2026-11-20');
  });
});

describe('pricing of local entries', () => {
  it('1-hour cache writes cost more than 5-minute ones, through the server pricer', async () => {
    const { entryCost } = await import('../../src/sources/local/pricing.js');
    const e = { source: 'claude-code' as const, key: null, time: Date.parse('2026-11-20T00:00:00Z'), model: 'claude-sonnet-4-5-20250929', sessionId: 's', project: 'p', input: 0, output: 0, cacheRead: 0, cacheWrite: 1_000_000, cacheWrite1h: 0, reasoning: 0, costUSD: null, final: true };
    const fiveMin = entryCost(e, 'calculate');
    const oneHour = entryCost({ ...e, cacheWrite1h: 1_000_000 }, 'calculate');
    expect(fiveMin).toBeGreaterThan(0);
    expect(oneHour).toBeGreaterThan(fiveMin);
    expect(entryCost({ ...e, costUSD: 0.25 }, 'auto')).toBe(0.25);
    expect(entryCost(e, 'display')).toBe(0);
  });
});

describe('the bundled usage command (what bin/tokenboard.js runs for `usage`)', () => {
  it('prints the same report as the sources: building its index, from the index, without it, with worker threads', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tb-bundle-'));
    execFileSync(process.execPath, ['scripts/bundle-cli.mjs', dir]);
    writeFileSync(path.join(dir, 'run.mjs'), "import { main } from './usage.js';\nawait main();\n");
    const cache = path.join(dir, 'cache');
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [path.join(dir, 'run.mjs'), 'usage', 'daily', '--json', '-z', 'UTC', ...args], {
        env: { ...process.env, ...env, HOME: '/nonexistent-home', XDG_CACHE_HOME: cache },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const expected = JSON.parse((await runUsage({ ...base, mode: 'auto' })).output);
    expect(JSON.parse(cli())).toEqual(expected);
    const index = path.join(cache, 'tokenboard', 'usage-index.bin');
    expect(existsSync(index)).toBe(true);
    expect(JSON.parse(cli())).toEqual(expected);
    rmSync(index);
    expect(JSON.parse(cli('--no-cache', '--workers', '2'))).toEqual(expected);
    expect(existsSync(index)).toBe(false);
    // Past the memory budget (spill.ts): the same report, a note on stderr, and no index written.
    const spilled = spawnSync(process.execPath, [path.join(dir, 'run.mjs'), 'usage', 'daily', '--json', '-z', 'UTC'], {
      env: { ...process.env, ...env, HOME: '/nonexistent-home', XDG_CACHE_HOME: cache, TOKENBOARD_SPILL_ROWS: '2' },
      encoding: 'utf8',
    });
    expect(spilled.status).toBe(0);
    expect(JSON.parse(spilled.stdout)).toEqual(expected);
    expect(spilled.stderr).toMatch(/note: \d+ responses are more than a report keeps in memory \(TOKENBOARD_SPILL_ROWS\).*usage index was not updated/);
    expect(existsSync(index)).toBe(false);
    expect(expected.daily.length).toBeGreaterThan(0);
  }, 60_000);
});

describe('sharing files between threads', () => {
  it('files are taken largest first (by what is left to read), ties in discovery order', async () => {
    const { takeOrder } = await import('../../src/sources/local/load.js');
    const t = (size: number, from = 0) => ({ file: { size } as never, from, resume: undefined });
    expect([...takeOrder([t(10), t(300), t(50), t(300, 290), t(50)])]).toEqual([1, 2, 4, 0, 3]);
    expect([...takeOrder([])]).toEqual([]);
  });
});
