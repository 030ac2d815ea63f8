/**
 * Every dashboard panel's API response with whole days read by the in-memory
 * fact engine and by SQL (the reference), on the same database file, compared
 * byte for byte: the engine must change speed only. Reuses bench:query's data.
 *
 *   TOKENBOARD_BENCH_DATA=/tmp/x npm run bench:query-compare
 *   COMPARE_DUMP=/tmp/dump npm run bench:query-compare   # also writes both bodies of each response
 *
 * Prints one line per response that differs and exits 1 if any does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createApp } from '../src/server/app.js';
import { buildDeps } from '../src/server/start.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { DEFAULT_LEADERBOARD } from '../src/query/leaderboard.js';

const DAY = 86_400_000;
const dataDir = process.env.TOKENBOARD_BENCH_DATA ?? path.join('.tokenboard', 'bench-query');
const file = path.join(dataDir, 'tokenboard.db');
if (!fs.existsSync(file)) throw new Error(`${file}: no database; run npm run bench:query first`);
const dump = process.env.COMPARE_DUMP;
const ADMIN = 'bench-admin';

const stores = { memory: new SqliteStore({ file, factReads: 'memory' }), sql: new SqliteStore({ file, factReads: 'sql' }) };
await stores.sql.setMeta('leaderboard.config', JSON.stringify({ ...DEFAULT_LEADERBOARD, enabled: true }));
const apps = Object.fromEntries(Object.entries(stores).map(([k, s]) => [k, createApp(buildDeps(s, { adminToken: ADMIN }))])) as Record<keyof typeof stores, ReturnType<typeof createApp>>;
const end = Number((await stores.sql.getMeta('bench.end')) ?? Math.floor(Date.now() / DAY) * DAY);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const urls: string[] = ['/api/v1/insights/dimensions'];
for (const days of [7, 28, 90]) {
  const r = `from=${iso(end - days * DAY)}&to=${iso(end)}`;
  for (const filter of ['', '&function=Engineering', '&tool=Codex', `&team=${encodeURIComponent('Engineering · Platform')}`]) {
    for (const panel of ['overview', 'adoption', 'distribution', 'spend', 'outcomes', 'teams', 'unattributed']) urls.push(`/api/v1/insights/${panel}?${r}${filter}`);
    for (const groupBy of ['tool', 'model', 'team', 'function', 'provider']) {
      urls.push(`/api/v1/usage/series?${r}${filter}&groupBy=${groupBy}&bucket=${days > 45 ? 'week' : 'day'}&top=7&sort=tokens`);
      urls.push(`/api/v1/usage/breakdown?${r}${filter}&groupBy=${groupBy}`);
    }
    urls.push(`/api/v1/usage/summary?${r}${filter}`, `/api/v1/usage/series?${r}${filter}&bucket=month`);
    for (const metric of ['activeDays', 'tokens', 'cost']) urls.push(`/api/v1/insights/leaderboard?${r}${filter}&scope=team&metric=${metric}`);
  }
}

let differ = 0;
let bytes = 0;
const statuses = new Map<number, number>();
for (const url of urls) {
  const bodies: string[] = [];
  for (const [name, app] of Object.entries(apps)) {
    const res = await app.request(url, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = `${res.status} ${await res.text()}`;
    bodies.push(body);
    if (name === 'sql') statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (dump) {
      fs.mkdirSync(path.join(dump, name), { recursive: true });
      fs.writeFileSync(path.join(dump, name, encodeURIComponent(url).slice(0, 200) + '.json'), body);
    }
  }
  bytes += bodies[0]!.length;
  if (bodies[0] !== bodies[1]) {
    differ++;
    let at = 0;
    while (bodies[0]![at] === bodies[1]![at]) at++;
    console.log(`DIFFERS ${url} at ${at}: memory …${bodies[0]!.slice(Math.max(0, at - 60), at + 60)}… sql …${bodies[1]!.slice(Math.max(0, at - 60), at + 60)}…`);
  }
}
console.log(`${urls.length} responses (${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}; ${(bytes / 1e6).toFixed(1)} MB): ${differ ? `${differ} differ` : 'byte-identical'}`);
for (const s of Object.values(stores)) await s.close();
if (differ) process.exit(1);
