/** Commands written for ccusage keep working: its options are accepted, --jq runs jq, blocks takes -n for the block length. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/tokenboard.js');
const FIXTURES = path.resolve('test/fixtures/claude-code');
const env = { ...process.env, TZ: 'UTC', HOME: '/nonexistent-home', CLAUDE_CONFIG_DIR: `${FIXTURES}/config-a,${FIXTURES}/config-b`, XDG_CACHE_HOME: '/nonexistent-cache' };
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'usage', ...args, '--source', 'claude-code', '--no-cache'], { env, encoding: 'utf8' });

describe('ccusage options', () => {
  it('options that change nothing here are accepted and change nothing', () => {
    const plain = cli('daily', '--json');
    expect(plain.status).toBe(0);
    const same = cli('daily', '--json', '-O', '--no-offline', '-l', 'ja-JP', '--color', '--no-color', '--compact');
    expect(same.status).toBe(0);
    expect(same.stdout).toBe(plain.stdout);
  });

  it('--jq prints the JSON through jq (and implies --json); a bad filter is jq\'s error and status 1', () => {
    const r = cli('daily', '--jq', '.totals.inputTokens');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(String(JSON.parse(cli('daily', '--json').stdout).totals.inputTokens));
    const bad = cli('daily', '--jq', '.bad(');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--jq: jq: error/);
    const missing = spawnSync(process.execPath, [BIN, 'usage', 'daily', '--jq', '.', '--source', 'claude-code', '--no-cache'], { env: { ...env, PATH: '/nonexistent-bin' }, encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/--jq needs the jq program on PATH \(ENOENT\)/);
  });

  it('blocks: -n is the block length, -l the locale (as ccusage)', () => {
    const hours = (b: { startTime: string; endTime: string }) => (Date.parse(b.endTime) - Date.parse(b.startTime)) / 3_600_000;
    expect(hours(JSON.parse(cli('blocks', '--json').stdout).blocks[0])).toBe(5);
    const two = cli('blocks', '--json', '-n', '2', '-l', 'en-US');
    expect(two.status).toBe(0);
    expect(hours(JSON.parse(two.stdout).blocks[0])).toBe(2);
  });
});
