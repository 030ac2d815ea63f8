/**
 * bench:ingest — usage events per second through HTTP batches into the SQLite
 * store, bytes on disk per stored event, and where the time goes.
 *
 *   npm run bench:ingest [-- --events 500000 --batch 5000 --concurrency 4]
 *
 * The server runs as a child process (`tokenboard serve`, the real thing);
 * this process only sends pre-serialised batches, so the two share the
 * machine's cores as a client and a server would.
 */
import { waitForUrl } from './server.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageEventSchema, type UsageEventInput } from '../src/domain/event.js';
import { validateBatch } from '../src/ingest/pipeline.js';
import { defaultPricer } from '../src/pricing/default.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { rng } from '../src/demo/org.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '4' },
  },
});
const TOTAL = Number(values.events);
const BATCH = Number(values.batch);
const CONC = Number(values.concurrency);
const KEY = 'bench-key';

const models = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'gpt-5', 'gpt-5-codex', 'gemini-2.5-pro', 'gpt-4o-mini'];
const tools: [string, string][] = [['claude-code', 'Claude Code'], ['codex', 'Codex'], ['gemini-cli', 'Gemini CLI'], ['otel', 'Support Assist']];

/**
 * Realistic events: 2,000 people over 30 days; each session is ~25 calls by one
 * person with one tool and model within an hour (as agents make them), with
 * per-call token counts, a session id and a department attribute.
 */
function makeEvents(start: number, n: number): UsageEventInput[] {
  const t0 = Date.UTC(2026, 9, 1);
  const out: UsageEventInput[] = [];
  let r = rng(1);
  let session = -1;
  let person = 0;
  let sessionStart = 0;
  let model = models[0]!;
  for (let i = start; i < start + n; i++) {
    const s = Math.floor(i / 25);
    if (s !== session) {
      session = s;
      r = rng(s + 1);
      person = Math.floor(r() * 2000);
      sessionStart = t0 + Math.floor(r() * 30) * 86_400_000 + (8 + Math.floor(r() * 10)) * 3_600_000;
      model = models[Math.floor(r() * models.length)]!;
    }
    const [source, tool] = tools[person % tools.length]!;
    out.push({
      key: `msg_${i.toString(36)}_${person}`,
      time: new Date(sessionStart + (i % 25) * 90_000).toISOString(),
      source,
      tool,
      model,
      identity: { email: `person${person}@example.com` },
      sessionId: `s-${person}-${s}`,
      tokens: { input: Math.floor(r() * 5000), output: Math.floor(r() * 2000), cacheRead: Math.floor(r() * 60000), cacheWrite: Math.floor(r() * 4000), reasoning: 0 },
      requests: 1,
      attributes: { department: `dept-${person % 12}` },
    });
  }
  return out;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bench-ingest-'));
  console.log(`preparing ${TOTAL.toLocaleString()} events in batches of ${BATCH}…`);
  const bodies: string[] = [];
  for (let i = 0; i < TOTAL; i += BATCH) bodies.push(JSON.stringify({ events: makeEvents(i, Math.min(BATCH, TOTAL - i)) }));
  const bodyBytes = bodies.reduce((s, b) => s + b.length, 0);

  const server = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), path.resolve('bin/tokenboard.js'), 'serve', '--port', '0', '--data', dir, '--ingest-key', KEY], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await waitForUrl(server);
  let next = 0;
  let accepted = 0;
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const r = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body });
        if (r.status === 429) {
          next--; // not stored: send again
          await new Promise((res) => setTimeout(res, 50));
          continue;
        }
        const j = (await r.json()) as { accepted: number };
        if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${JSON.stringify(j)}`);
        accepted += j.accepted;
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));

  const store = new SqliteStore({ file: path.join(dir, 'tokenboard.db') });
  const size = await store.sizeOnDisk();
  const counts = store.db.prepare("SELECT (SELECT count(*) FROM usage_event) raw, (SELECT count(*) FROM usage_hourly) hourly, (SELECT count(*) FROM usage_daily) daily").get() as Record<string, number>;
  const tableBytes = store.db
    .prepare("SELECT name, sum(pgsize) bytes FROM dbstat GROUP BY name ORDER BY bytes DESC")
    .all() as { name: string; bytes: number }[];
  await store.close();

  // Where the time goes: the same work in-process, stage by stage, on a fresh store.
  const prof = new SqliteStore({ file: path.join(dir, 'profile.db') });
  const stages = { parse: 0, validate: 0, store: 0 };
  const nProf = Math.min(bodies.length, 40);
  for (let i = 0; i < nProf; i++) {
    let s = performance.now();
    const items = (JSON.parse(bodies[i]!) as { events: unknown[] }).events;
    stages.parse += performance.now() - s;
    s = performance.now();
    const { prepared } = validateBatch(items, defaultPricer());
    stages.validate += performance.now() - s;
    s = performance.now();
    await prof.ingest(prepared);
    stages.store += performance.now() - s;
  }
  await prof.close();
  const profEvents = Math.min(TOTAL, nProf * BATCH);
  const totalMs = stages.parse + stages.validate + stages.store;

  console.log('');
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  console.log(`HTTP ingest: ${accepted.toLocaleString()} events in ${secs.toFixed(2)} s = ${Math.round(accepted / secs).toLocaleString()} events/s (batch ${BATCH}, ${CONC} concurrent, ${(bodyBytes / TOTAL).toFixed(0)} B JSON/event)`);
  console.log(`on disk: ${(size / 2 ** 20).toFixed(1)} MiB = ${(size / accepted).toFixed(1)} bytes/event (raw ${counts.raw!.toLocaleString()}, hourly rollup ${counts.hourly!.toLocaleString()}, daily rollup ${counts.daily!.toLocaleString()} rows)`);
  console.log('  by table/index: ' + tableBytes.slice(0, 6).map((t) => `${t.name} ${(t.bytes / accepted).toFixed(1)} B/ev`).join(', '));
  console.log(`where the time goes (in-process, ${profEvents.toLocaleString()} events, ${Math.round(profEvents / (totalMs / 1000)).toLocaleString()} events/s without HTTP):`);
  for (const [k, v] of Object.entries(stages)) console.log(`  ${k.padEnd(9)} ${((v / totalMs) * 100).toFixed(0).padStart(3)}%  ${((v * 1000) / profEvents).toFixed(2)} µs/event`);
  fs.rmSync(dir, { recursive: true, force: true });
  void UsageEventSchema;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
