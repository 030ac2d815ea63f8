/**
 * bench:collect — time and peak memory to report on a large Claude Code log
 * tree: `tokenboard usage daily --json` against ccusage 18.0.11 (JavaScript)
 * and ccusage 20.0.24 (native binary), side by side on the same files, with
 * their token totals compared day by day.
 *
 *   npm run bench:collect                 # 500 MB tree, 3 runs each, median
 *   BENCH_MB=1000 BENCH_RUNS=5 npm run bench:collect
 *
 * The tree is generated once into the temp directory in the real on-disk shape
 * (projects/<project>/<session>.jsonl plus <session>/subagents/*.jsonl; user
 * prompts, large tool results, streamed assistant responses written as several
 * lines sharing message and request ids, summaries). ccusage is installed from
 * the npm registry into the temp directory by this script (never into the
 * project). Peak RSS comes from GNU time (/usr/bin/time) when it is present.
 * tokenboard runs three ways: a first run (no usage index yet: it reads every
 * file and writes the index), a later run (the index is up to date: only
 * unterminated last lines are read), and --no-cache (reads every file, no index);
 * by default with one worker thread (64 MB to ~1.8 GB to read, 2+ CPUs), and the
 * first run and --no-cache also with --workers 0 (this thread only).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeSync, closeSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MB = Number(process.env.BENCH_MB ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROOT = path.join(os.tmpdir(), 'tokenboard-bench-collect');
const HOME = path.join(ROOT, `home-${MB}mb`);
const TOOLS = path.join(ROOT, 'ccusage');
const EMPTY_HOME = path.join(ROOT, 'home-empty');
const COLD_CACHE = path.join(ROOT, 'cache-cold');
const WARM_CACHE = path.join(ROOT, `cache-warm-${MB}mb`);

// --- deterministic generator ---------------------------------------------------------------
// mulberry32: a small PRNG with a full 2^32 period (ids must not repeat across sessions)
let seed = 42;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
const WORDS = 'const function return await import export the a of to in is for that with "quoted" path/to/file.ts {} [] => if else 0 1 42 error: \\ \t tokens model cache'.split(' ');
const POOL = Array.from({ length: 200_000 }, () => pick(WORDS)).join(' ') + '\n';
const text = (n: number) => {
  const at = Math.floor(rnd() * (POOL.length - n - 1));
  return POOL.slice(at, at + n);
};
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001'];
const uuid = () => 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () => Math.floor(rnd() * 16).toString(16));

function writeSession(file: string, sessionId: string, bytes: number, startMs: number, sidechain: boolean): number {
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  let written = 0;
  let t = startMs;
  let parent: string | null = null;
  const put = (o: object) => {
    const s = JSON.stringify(o) + '\n';
    writeSync(fd, s);
    written += Buffer.byteLength(s);
  };
  const common = () => ({ parentUuid: parent, isSidechain: sidechain, userType: 'external', cwd: '/home/dev/project', sessionId, version: '2.0.31', gitBranch: 'main' });
  let n = 0;
  while (written < bytes) {
    t += 1000 + Math.floor(rnd() * 90_000);
    if (rnd() < 0.02) t += 6 * 3600_000; // an evening off: new 5-hour block
    const u = uuid();
    put({ ...common(), type: 'user', message: { role: 'user', content: text(100 + Math.floor(rnd() * 400)) }, uuid: u, timestamp: new Date(t).toISOString() });
    parent = u;
    const id = `msg_${uuid().replace(/-/g, '').slice(0, 24)}`;
    const req = `req_${uuid().replace(/-/g, '').slice(0, 24)}`;
    const cacheWrite = Math.floor(rnd() * 5000);
    const usage = {
      input_tokens: Math.floor(rnd() * 50),
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: Math.floor(rnd() * 80_000),
      cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
      output_tokens: Math.floor(rnd() * 2000),
      service_tier: 'standard',
    };
    const model = pick(MODELS);
    const chunks = 1 + Math.floor(rnd() * 3);
    for (let c = 0; c < chunks; c++) {
      const content = c === chunks - 1 && rnd() < 0.6
        ? [{ type: 'tool_use', id: `toolu_${n}`, name: 'Edit', input: { file_path: '/home/dev/project/src/x.ts', old_string: text(200), new_string: text(300) } }]
        : [{ type: 'text', text: text(200 + Math.floor(rnd() * 1500)) }];
      put({ ...common(), message: { id, type: 'message', role: 'assistant', model, content, stop_reason: null, stop_sequence: null, usage }, requestId: req, type: 'assistant', uuid: uuid(), timestamp: new Date(t + c * 300).toISOString() });
    }
    // tool result: the bulk of the bytes in real transcripts
    put({ ...common(), type: 'user', message: { role: 'user', content: [{ tool_use_id: `toolu_${n}`, type: 'tool_result', content: text(1000 + Math.floor(rnd() * 12_000)) }] }, uuid: uuid(), timestamp: new Date(t + 2000).toISOString(), toolUseResult: { stdout: text(200), stderr: '', interrupted: false } });
    if (++n % 60 === 0) put({ type: 'summary', summary: text(60), leafUuid: u });
  }
  closeSync(fd);
  return written;
}

function generate(): void {
  const marker = path.join(HOME, '.complete');
  if (existsSync(marker)) return;
  rmSync(HOME, { recursive: true, force: true });
  const target = MB * 1024 * 1024;
  const start = Date.UTC(2026, 8, 1);
  let total = 0;
  let i = 0;
  process.stdout.write(`generating a ${MB} MB Claude Code log tree in ${HOME} ...\n`);
  while (total < target) {
    const project = `-home-dev-project-${i % 24}`;
    const session = uuid();
    // mostly 1-20 MB sessions, and one very large one
    const size = i === 3 ? Math.min(target / 5, 120 * 1024 * 1024) : (1 + rnd() * 19) * 1024 * 1024;
    const dir = path.join(HOME, '.claude', 'projects', project);
    const t0 = start + Math.floor(rnd() * 75) * 86_400_000;
    total += writeSession(path.join(dir, `${session}.jsonl`), session, size, t0, false);
    if (rnd() < 0.3) total += writeSession(path.join(dir, session, 'subagents', `agent-${uuid().slice(0, 8)}.jsonl`), session, size / 4, t0 + 60_000, true);
    i++;
  }
  writeFileSync(marker, String(total));
}

// --- tools ---------------------------------------------------------------------------------
function installCcusage(): { v18?: string; v20?: string; notes: string[] } {
  const notes: string[] = [];
  const want: [string, string[]][] = [
    ['v18', ['ccusage@18.0.11']],
    ['v20', ['ccusage@20.0.24', '@ccusage/ccusage-linux-x64@20.0.24']],
  ];
  const out: { v18?: string; v20?: string; notes: string[] } = { notes };
  for (const [name, pkgs] of want) {
    const dir = path.join(TOOLS, name);
    const bin = path.join(dir, 'node_modules', 'ccusage', name === 'v18' ? 'dist/index.js' : 'src/cli.js');
    if (!existsSync(bin)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), '{"private":true}');
      const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, ...pkgs], { encoding: 'utf8' });
      if (r.status !== 0) {
        notes.push(`could not install ${pkgs.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
        continue;
      }
    }
    if (existsSync(bin)) out[name as 'v18' | 'v20'] = bin;
    else notes.push(`${pkgs[0]} installed but ${bin} is missing`);
  }
  return out;
}

interface RunStat {
  seconds: number;
  /** user + system CPU seconds of the process and its children. */
  cpu: number | null;
  rssMB: number | null;
  stdout: string;
}

const hasTime = existsSync('/usr/bin/time');
function runOnce(argv: string[], home = HOME, cache = COLD_CACHE): RunStat {
  // The usage index lives in XDG_CACHE_HOME: a fresh directory for first runs, a kept one otherwise.
  if (cache === COLD_CACHE) rmSync(COLD_CACHE, { recursive: true, force: true });
  const env = { ...process.env, HOME: home, XDG_CACHE_HOME: cache, TZ: 'UTC', CLAUDE_CONFIG_DIR: '', CODEX_HOME: path.join(HOME, '.codex'), NO_COLOR: '1' };
  delete (env as Record<string, string | undefined>).CLAUDE_CONFIG_DIR;
  const stats = path.join(ROOT, 'time.txt');
  const cmd = hasTime ? ['/usr/bin/time', '-f', '%e %M %U %S', '-o', stats, ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
  let rssMB: number | null = null;
  let cpu: number | null = null;
  if (hasTime) {
    const f = execFileSync('cat', [stats], { encoding: 'utf8' }).trim().split('\n').at(-1)!.split(' ').map(Number);
    rssMB = f[1]! / 1024;
    cpu = f[2]! + f[3]!;
  }
  return { seconds, cpu, rssMB, stdout: r.stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ccusage 20 names the day `period` (18 and tokenboard: `date`).
interface Daily {
  daily: { date?: string; period?: string; inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number }[];
}
const tokensKey = (d: Daily) => JSON.stringify(d.daily.map((x) => [x.date ?? x.period, x.inputTokens, x.outputTokens, x.cacheCreationTokens, x.cacheReadTokens]));

function main(): void {
  generate();
  if (process.env.BENCH_GENERATE_ONLY) return; // bench:memory makes its trees here
  const tools = installCcusage();
  const readFloor = () => {
    const t0 = process.hrtime.bigint();
    execFileSync('sh', ['-c', `find ${JSON.stringify(path.join(HOME, '.claude'))} -name '*.jsonl' -print0 | xargs -0 cat > /dev/null`]);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  readFloor(); // warm the page cache
  const loadBefore = os.loadavg()[0]!;
  const tb = [process.execPath, path.resolve('bin/tokenboard.js'), 'usage', 'daily', '--json', '--source', 'claude-code'];
  mkdirSync(EMPTY_HOME, { recursive: true });
  // The index kept by every later run: built once here (the first-run row measures building it).
  rmSync(WARM_CACHE, { recursive: true, force: true });
  runOnce(tb, HOME, WARM_CACHE);
  const contenders: [name: string, argv: string[], home?: string, cache?: string][] = [
    // The default reads with one worker thread on 64 MB to ~1.8 GB of logs and 2+ CPUs (load.ts autoWorkers).
    ['tokenboard usage daily --json, first run (builds its usage index)', tb],
    ['tokenboard usage daily --json, later runs (index up to date)', tb, HOME, WARM_CACHE],
    ['tokenboard --no-cache (reads every file, no index)', [...tb, '--no-cache']],
    ['tokenboard first run, --workers 0 (this thread only)', [...tb, '--workers', '0']],
    ['tokenboard --no-cache --workers 0 (this thread only)', [...tb, '--no-cache', '--workers', '0']],
    ['tokenboard --version (startup only)', [process.execPath, path.resolve('bin/tokenboard.js'), '--version']],
    ['tokenboard usage on an empty HOME (startup)', tb, EMPTY_HOME],
  ];
  if (tools.v20) contenders.push(['ccusage 20.0.24 (native)', [process.execPath, tools.v20, 'daily', '--json', '--offline']]);
  if (tools.v18) contenders.push(['ccusage 18.0.11 (JS)', [process.execPath, tools.v18, 'daily', '--json', '--offline']]);
  const results: { name: string; seconds: number; cpu: number | null; rssMB: number | null; same: string }[] = [];
  // Round-robin (every contender once per round) so that load from other work on the machine falls
  // on all of them alike, each round starting one contender later, so that none always runs right
  // after another (after ccusage exits, the next process ran up to 0.2 s slower in some rounds);
  // ccusage 18 takes ~10x longer, so it runs in at most 3 rounds.
  const runs = new Map<string, RunStat[]>(contenders.map(([name]) => [name, []]));
  for (let round = 0; round < RUNS; round++) {
    const order = contenders.map((_, k) => contenders[(k + round) % contenders.length]!);
    for (const [name, argv, home, cache] of order) {
      if (name.includes('18.0') && round >= 3) continue;
      runs.get(name)!.push(runOnce(argv, home, cache));
    }
  }
  let reference: string | null = null;
  for (const [name] of contenders) {
    const rs = runs.get(name)!;
    const key = name.includes('startup') ? '-' : tokensKey(JSON.parse(rs[0]!.stdout) as Daily);
    reference ??= key;
    results.push({
      name,
      seconds: median(rs.map((r) => r.seconds)),
      cpu: rs[0]!.cpu === null ? null : median(rs.map((r) => r.cpu!)),
      rssMB: rs[0]!.rssMB === null ? null : Math.max(...rs.map((r) => r.rssMB!)),
      same: key === '-' ? '-' : key === reference ? 'yes' : 'NO',
    });
  }
  const floor = median([readFloor(), readFloor(), readFloor()]);
  const bytes = Number(execFileSync('cat', [path.join(HOME, '.complete')], { encoding: 'utf8' }));
  const lines = execFileSync('sh', ['-c', `find ${JSON.stringify(path.join(HOME, '.claude'))} -name '*.jsonl' -print0 | xargs -0 cat | wc -l`], { encoding: 'utf8' }).trim();
  console.log(`\nClaude Code log tree: ${(bytes / 1048576).toFixed(0)} MB, ${lines} lines; ${os.cpus().length} cores; warm page cache; median of ${RUNS} runs`);
  console.log(`reading the files (cat): ${floor.toFixed(2)} s`);
  console.log(`load average: ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after (other work on the machine inflates wall times; CPU seconds are steadier)`);
  console.log('| tool | wall (s) | CPU user+sys (s) | peak RSS (MB) | same daily tokens as tokenboard |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  const n = (x: number | null, d: number) => (x === null ? 'n/a' : x.toFixed(d));
  for (const r of results) console.log(`| ${r.name} | ${r.seconds.toFixed(2)} | ${n(r.cpu, 2)} | ${n(r.rssMB, 0)} | ${r.same} |`);
  for (const tbRow of results.filter((x) => x.name.startsWith('tokenboard') && !x.name.includes('startup'))) {
    for (const r of results.filter((x) => x.name.startsWith('ccusage'))) {
      console.log(`${tbRow.name.replace(/^tokenboard usage daily --json, /, '')} vs ${r.name}: ${(r.seconds / tbRow.seconds).toFixed(1)}x wall, ${r.cpu && tbRow.cpu ? (r.cpu / tbRow.cpu).toFixed(1) : 'n/a'}x CPU`);
    }
  }
  for (const n of tools.notes) console.log(`note: ${n}`);
}

main();
