import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildOrg, demoEvents, FUNCTIONS, AUTOMATION } from '../../src/demo/org.js';
import { ev } from '../support/events.js';

const BIN = path.resolve('bin/tokenboard.js');
const procs: ChildProcess[] = [];
afterEach(() => procs.splice(0).forEach((p) => p.kill('SIGTERM')));

/** Start the built CLI and wait for the line that announces the URL. */
function startCli(args: string[], env: Record<string, string> = {}): Promise<{ url: string; output: () => string }> {
  const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
  procs.push(p);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 200_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, output: () => out });
      }
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

describe('tokenboard CLI', () => {
  it('serve prints its URL and accepts events with the ingest key from the environment', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-cli-'));
    const { url } = await startCli(['serve', '--port', '0', '--data', data], { TOKENBOARD_INGEST_KEY: 'env-key' });
    const r = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer env-key', 'content-type': 'application/json' },
      body: JSON.stringify({ events: [ev({ n: 1 })] }),
    });
    expect(await r.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(fs.existsSync(path.join(data, 'tokenboard.db'))).toBe(true);
  });

  it('rejects a bad --port with a clear message', async () => {
    await expect(startCli(['serve', '--port', 'eighty', '--data', fs.mkdtempSync(path.join(os.tmpdir(), 'tb-cli-'))])).rejects.toThrow(/--port must be a port number/);
  });

  it('demo seeds once, prints its ingest key, and serves real-looking numbers', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-demo-'));
    const first = await startCli(['demo', '--port', '0', '--data', data]);
    expect(first.output()).toMatch(/seeded demo organisation: 1000 people/);
    expect(first.output()).toMatch(/ingest key: tb_demo_ingest_key/);
    // The newcomer follows the printed one-time link and is signed in as the demo admin.
    const link = new URL(/sign in as the demo admin \([^)]*\): (\S+)/.exec(first.output())![1]!);
    const signIn = await fetch(`${first.url}/auth/link`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${link.searchParams.get('token')}`, redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const { totals } = await (await fetch(`${first.url}/api/v1/usage/summary`, { headers: { cookie } })).json();
    expect(totals.people).toBeGreaterThan(300);
    expect(totals.cost).toBeGreaterThan(1000);
    const posted = await fetch(`${first.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer tb_demo_ingest_key', 'content-type': 'application/json' },
      body: JSON.stringify({ events: [ev({ n: 7, time: Date.now() - 60_000 })] }),
    });
    expect((await posted.json()).accepted).toBe(1);
    procs.splice(0).forEach((p) => p.kill('SIGTERM'));
    await new Promise((r) => setTimeout(r, 300));
    const again = await startCli(['demo', '--port', '0', '--data', data]);
    expect(again.output()).toMatch(/already present/);
  }, 420_000);
});

describe('demo organisation', () => {
  const end = Date.UTC(2026, 10, 2);
  const org = buildOrg(7, end);

  it('has about 1,000 people in 12 functions, each with a manager chain to the top', () => {
    expect(org.people).toHaveLength(1000);
    expect(new Set(org.people.map((p) => p.function)).size).toBe(FUNCTIONS.length);
    expect(FUNCTIONS).toHaveLength(12);
    const byEmail = new Map(org.people.map((p) => [p.email, p]));
    const roots = org.people.filter((p) => !p.managerEmail);
    expect(roots).toHaveLength(1);
    for (const p of org.people) if (p.managerEmail) expect(byEmail.has(p.managerEmail)).toBe(true);
  });

  it('is deterministic and shows weekday rhythm, uneven adoption, heavy users and automation', () => {
    const days = [...demoEvents(org, 7)];
    const again = [...demoEvents(buildOrg(7, end), 7)];
    expect(again.map((d) => d.length)).toEqual(days.map((d) => d.length));
    const weekday = days.filter((_, d) => ![0, 6].includes(new Date(org.start + d * 86_400_000).getUTCDay()));
    const weekend = days.filter((_, d) => [0, 6].includes(new Date(org.start + d * 86_400_000).getUTCDay()));
    const avg = (xs: unknown[][]) => xs.reduce((s, x) => s + x.length, 0) / xs.length;
    expect(avg(weekday)).toBeGreaterThan(3 * avg(weekend));
    const active = (fn: string) => {
      const people = org.people.filter((p) => p.function === fn);
      return people.filter((p) => Number.isFinite(p.adoptDay)).length / people.length;
    };
    expect(active('Engineering')).toBeGreaterThan(0.7);
    expect(active('Legal')).toBeLessThan(0.35);
    expect(org.people.filter((p) => p.heavy).length).toBeGreaterThan(3);
    const automation = days[10]!.filter((e) => e.identity?.apiKeyId);
    expect(automation).toHaveLength(AUTOMATION.length * 24);
    const tools = new Set(days.flat().map((e) => e.tool));
    for (const t of ['Claude Code', 'Codex', 'ChatGPT', 'Copilot', 'Gemini CLI']) expect(tools.has(t)).toBe(true);
  });
});
