/**
 * Dashboard panel latency: the demo organisation scaled to 10,000 people and
 * one year (seeded once through the ingest pipeline into a reusable SQLite
 * file), then every panel's API endpoint called in-process as the dashboard
 * calls it, for the default 28-day view and a 90-day trend view.
 *
 *   npm run bench:query                      # seeds .tokenboard/bench-query on first run (minutes)
 *   TOKENBOARD_BENCH_DATA=/tmp/x npm run bench:query
 *   BENCH_RUNS=30 npm run bench:query
 *   BENCH_ONLY='28d' npm run bench:query      # only endpoints whose name matches this regular expression
 *
 * Prints p50 and p95 wall time per endpoint (target: p95 < 100 ms), the CPU
 * time per call, and the machine's load, since shared machines inflate wall time.
 * Whole days are read by the in-memory fact engine (TOKENBOARD_FACT_ENGINE=sql
 * reads them with SQL instead); "after a write" is the first call after a
 * write to the most recent day's facts (what an ingest does), which the
 * engine must read again.
 */
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/server/app.js';
import { buildDeps } from '../src/server/start.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { seedOrg10k } from './org10k.js';
import { DEFAULT_LEADERBOARD } from '../src/query/leaderboard.js';

const DAY = 86_400_000;
const dataDir = process.env.TOKENBOARD_BENCH_DATA ?? path.join('.tokenboard', 'bench-query');
const runs = Number(process.env.BENCH_RUNS ?? 20);
/** Slow endpoints stop after this long (with at least 5 runs), so the bench finishes on a slow machine. */
const budgetMs = Number(process.env.BENCH_BUDGET_MS ?? 10_000);
const ADMIN = 'bench-admin';

const store = new SqliteStore({ file: path.join(dataDir, 'tokenboard.db') });
const deps = buildDeps(store, { adminToken: ADMIN });
const t0 = Date.now();
const seededEnd = Number((await store.getMeta('bench.end')) ?? Math.floor(Date.now() / DAY) * DAY);
await store.setMeta('bench.end', String(seededEnd));
const events = await seedOrg10k(deps.ingestor, seededEnd, 365, (s) => console.log(s));
const people = await store.countPeople();
const rollupRows = store.db.prepare('SELECT count(*) FROM usage_daily').pluck().get() as number;
console.log(`store: ${people} people, ${events} events, ${rollupRows} daily rollup rows, ${((await store.sizeOnDisk()) / 1e6).toFixed(0)} MB (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
// Leaderboards are off by default; the bench measures them switched on.
await store.setMeta('leaderboard.config', JSON.stringify({ ...DEFAULT_LEADERBOARD, enabled: true }));

const app = createApp(deps);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const range = (days: number) => `from=${iso(seededEnd - days * DAY)}&to=${iso(seededEnd)}`;

const PANELS: [name: string, path: string][] = [];
for (const days of [28, 90]) {
  const r = range(days);
  PANELS.push(
    [`overview ${days}d`, `/api/v1/insights/overview?${r}`],
    [`adoption ${days}d`, `/api/v1/insights/adoption?${r}`],
    [`distribution ${days}d`, `/api/v1/insights/distribution?${r}`],
    [`spend ${days}d`, `/api/v1/insights/spend?${r}`],
    [`mix tools ${days}d`, `/api/v1/usage/series?${r}&groupBy=tool&bucket=${days > 45 ? 'week' : 'day'}&top=7&sort=tokens`],
    [`mix models ${days}d`, `/api/v1/usage/series?${r}&groupBy=model&bucket=${days > 45 ? 'week' : 'day'}&top=7&sort=tokens`],
    [`outcomes ${days}d`, `/api/v1/insights/outcomes?${r}`],
    [`teams ${days}d`, `/api/v1/insights/teams?${r}`],
    [`unattributed ${days}d`, `/api/v1/insights/unattributed?${r}`],
    [`leaderboard ${days}d`, `/api/v1/insights/leaderboard?${r}&scope=team&metric=activeDays`],
  );
}
const r28 = range(28);
PANELS.push(
  ['overview 28d, function filter', `/api/v1/insights/overview?${r28}&function=Engineering`],
  ['team page summary 28d', `/api/v1/usage/summary?${r28}&team=${encodeURIComponent('Engineering · Platform')}`],
  ['person page 28d (admin)', `/api/v1/insights/person?${r28}&email=${encodeURIComponent((await store.listPeople())[5]!.email)}`],
  ['dimensions', '/api/v1/insights/dimensions'],
);

const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
if (only) PANELS.splice(0, PANELS.length, ...PANELS.filter(([name]) => only.test(name)));

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
console.log(`\nup to ${runs} runs per endpoint (at least 5, about ${budgetMs / 1000} s each) after 2 warm-ups; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores\n`);
console.log(`whole days read by: ${store.facts ? 'the in-memory fact engine' : 'SQL (TOKENBOARD_FACT_ENGINE=sql)'}\n`);
console.log('| panel endpoint | runs | p50 ms | p95 ms | CPU ms/call | < 100 ms p95 | after a write: p50 ms | max ms |');
console.log('|---|---:|---:|---:|---:|:---:|---:|---:|');
// A write to one fact row of the most recent day with data (a no-op update, like an ingest's += 0): the engine drops that day.
const lastDay = store.db.prepare('SELECT max(day) FROM usage_fact_daily').pluck().get() as number;
const touch = store.db.prepare('UPDATE usage_fact_daily SET events = events WHERE day = ? AND identity_id = (SELECT min(identity_id) FROM usage_fact_daily WHERE day = ?)');
let over = 0;
let refusedCount = 0;
for (const [name, url] of PANELS) {
  // Since governance, insights need a signed-in viewer: the bench reads as the admin (who also may open person pages).
  const headers = { authorization: `Bearer ${ADMIN}` };
  let refused = '';
  for (let i = 0; i < 2 && !refused; i++) {
    const res = await app.request(url, { headers });
    // The policy may refuse the bench's viewer (governance: the admin sees only their own person page): say so, go on.
    if (res.status === 403) refused = `refused (403: ${((await res.json()) as { error?: string }).error ?? ''})`;
    else if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  }
  if (refused) {
    console.log(`| ${name} | 0 | ${refused} | | | n/a |`);
    refusedCount++;
    continue;
  }
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < runs && !(i >= 5 && performance.now() - started > budgetMs); i++) {
    const s = performance.now();
    const res = await app.request(url, { headers });
    await res.arrayBuffer();
    times.push(performance.now() - s);
  }
  const cpu = process.cpuUsage(cpu0);
  const p95 = pct(times, 95);
  if (p95 >= 100) over++;
  const cold: number[] = [];
  for (let i = 0; i < Math.min(5, runs); i++) {
    touch.run(lastDay, lastDay);
    const s = performance.now();
    await (await app.request(url, { headers })).arrayBuffer();
    cold.push(performance.now() - s);
  }
  console.log(
    `| ${name} | ${times.length} | ${pct(times, 50).toFixed(1)} | ${p95.toFixed(1)} | ${((cpu.user + cpu.system) / 1000 / times.length).toFixed(1)} | ${p95 < 100 ? 'yes' : 'no'} | ${pct(cold, 50).toFixed(1)} | ${Math.max(...cold).toFixed(1)} |`,
  );
}
console.log(`\n${PANELS.length - over - refusedCount} of ${PANELS.length - refusedCount} measured endpoints under 100 ms p95${refusedCount ? ` (${refusedCount} refused to the bench's viewer)` : ''}`);
if (store.facts) {
  const st = store.facts.cache.stats();
  const heap = process.memoryUsage();
  console.log(
    `fact engine: ${st.days} days, ${st.rows} fact rows in memory, ${(st.bytes / 1e6).toFixed(1)} MB of columns (${(st.bytes / Math.max(1, st.rows)).toFixed(0)} bytes a row); ` +
      `${st.loads} day loads; process heap ${(heap.heapUsed / 1e6).toFixed(0)} MB, array buffers ${(heap.arrayBuffers / 1e6).toFixed(0)} MB, RSS ${(heap.rss / 1e6).toFixed(0)} MB`,
  );
}
await store.close();
