/**
 * bench:governance — what the privacy policy and sign-in cost per request on
 * the demo organisation (1,000 people, six months):
 *  - a filtered summary and a grouped breakdown as an analyst (scoping,
 *    filter-suppression and differencing checks, complementary suppression)
 *    next to the same questions with the checks out of the way (an admin the
 *    policy lets see individuals);
 *  - a request on a session cookie, on an API token, and with no credential.
 *
 *   npm run bench:governance [-- --runs 200]
 */
import { parseArgs } from 'node:util';
import { SESSION_COOKIE } from '../src/auth/guard.js';
import { seedDemo } from '../src/demo/seed.js';
import { createApp } from '../src/server/app.js';
import { buildDeps } from '../src/server/start.js';
import { SqliteStore } from '../src/store/sqlite/store.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '200' } } });
const RUNS = Number(values.runs);

const store = new SqliteStore({ file: ':memory:' });
const deps = buildDeps(store);
const t0 = performance.now();
await seedDemo(deps.ingestor, { end: Date.UTC(2026, 5, 1) });
console.log(`seeded demo organisation in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const app = createApp(deps);
const gov = deps.governance!;
const session = async (email: string, role: 'admin' | 'analyst') => {
  const a = await store.governance.createAccount({ email, role }, Date.now());
  return { cookie: `${SESSION_COOKIE}=${(await gov.auth.startSession(a, 'bench')).cookie}` };
};
const analyst = await session('analyst@bench', 'analyst');
const admin = await session('admin@bench', 'admin');
const token = { authorization: `Bearer ${(await gov.auth.createApiToken({ role: 'admin', via: 'admin-token' }, { name: 'bench', role: 'analyst' })).token}` };

async function time(label: string, path: string, headers: Record<string, string>, expect = 200): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < RUNS + 5; i++) {
    const s = performance.now();
    const res = await app.request(path, { headers });
    await res.arrayBuffer();
    if (res.status !== expect) throw new Error(`${label}: ${res.status}`);
    if (i >= 5) ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(2);
  console.log(`${label.padEnd(58)} p50 ${q(0.5).padStart(7)} ms   p95 ${q(0.95).padStart(7)} ms`);
}

const R = 'from=2026-03-01&to=2026-06-01';
const filtered = `/api/v1/usage/summary?${R}&function=Engineering&source=claude-code`;
const grouped = `/api/v1/usage/breakdown?${R}&groupBy=team&function=Sales`;
console.log(`${RUNS} runs each, in-process (app.request), one core`);
await time('summary, 2 filters, analyst (checks on)', filtered, analyst);
await time('breakdown by team, 1 filter, analyst (checks on)', grouped, analyst);
await gov.settings.update({ role: 'admin', via: 'admin-token' }, { individualViewers: ['admin'] }, gov.audit);
await time('summary, 2 filters, admin seeing individuals (checks off)', filtered, admin);
await time('breakdown by team, 1 filter, admin (checks off)', grouped, admin);
await time('healthz, session cookie', '/healthz', analyst);
await time('healthz, API token', '/healthz', token);
await time('healthz, no credential', '/healthz', {});
await store.close();
