/**
 * Peak memory of `tokenboard usage` by size of the logs (GNU time's maximum
 * resident set size), for every report, with and without the usage index, on
 * Claude Code log trees that bench/collect.ts generates in the real on-disk
 * shape. Past TOKENBOARD_SPILL_ROWS responses (default 450k, ~5 GB of logs) a
 * report's dedup spills to temporary files (src/sources/local/spill.ts): the
 * figure to watch is that peak memory stops growing there.
 *
 *   BENCH_SIZES=500,5000,12000 npm run bench:collect-memory
 *
 * Trees are made once and kept in $TMPDIR/tokenboard-bench-collect (12 GB takes ~3 minutes and 12 GB of disk).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SIZES = (process.env.BENCH_SIZES ?? '500,5000,12000').split(',').map(Number);
const ROOT = path.join(os.tmpdir(), 'tokenboard-bench-collect');
const BIN = path.resolve('bin/tokenboard.js');
if (!existsSync('/usr/bin/time')) throw new Error('bench:collect-memory needs GNU time (/usr/bin/time: apt-get install time)');

interface Run {
  seconds: number;
  peakMB: number;
  spilled: boolean;
}

function run(home: string, cache: string, args: string[], extraEnv: Record<string, string> = {}): Run {
  const stats = path.join(ROOT, 'memory-time.txt');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CACHE_HOME: cache, TZ: 'UTC', NO_COLOR: '1', ...extraEnv };
  delete env.CLAUDE_CONFIG_DIR;
  delete env.CODEX_HOME;
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', stats, process.execPath, BIN, 'usage', ...args, '--json'], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`usage ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
  const [seconds, kb] = readFileSync(stats, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: seconds!, peakMB: kb! / 1024, spilled: r.stderr.includes('through temporary files') };
}

const rows: string[] = [];
for (const mb of SIZES) {
  execFileSync(process.execPath, ['--import', 'tsx', 'bench/collect.ts'], { env: { ...process.env, BENCH_MB: String(mb), BENCH_GENERATE_ONLY: '1' }, stdio: 'inherit' });
  const home = path.join(ROOT, `home-${mb}mb`);
  const bytes = Number(readFileSync(path.join(home, '.complete'), 'utf8'));
  const cache = mkdtempSync(path.join(os.tmpdir(), 'tb-memory-cache-'));
  const cases: [string, string[], Record<string, string>?][] = [
    ['daily, first run (writes the index)', ['daily']],
    ['daily, later run', ['daily']],
    ['daily --no-cache', ['daily', '--no-cache']],
    ['monthly --breakdown --no-cache', ['monthly', '--breakdown', '--no-cache']],
    ['session --no-cache', ['session', '--no-cache']],
    ['blocks --no-cache', ['blocks', '--no-cache']],
  ];
  if (mb === Math.max(...SIZES)) cases.push(['daily --no-cache, TOKENBOARD_SPILL_ROWS=50000', ['daily', '--no-cache'], { TOKENBOARD_SPILL_ROWS: '50000' }]);
  for (const [name, args, extra] of cases) {
    const r = run(home, cache, args, extra);
    const line = `| ${(bytes / 1e9).toFixed(1)} GB | ${name} | ${r.peakMB.toFixed(0)} MB | ${r.seconds.toFixed(1)} s | ${r.spilled ? 'spilled' : 'in memory'} |`;
    console.log(line);
    rows.push(line);
  }
  rmSync(cache, { recursive: true, force: true });
}
console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}`);
console.log('| logs | report | peak memory | wall | dedup |\n|---|---|---|---|---|');
for (const r of rows) console.log(r);
