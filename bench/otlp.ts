/**
 * bench:otlp — OTLP/HTTP protobuf data points (metrics) and log records per
 * second accepted into the embedded store, through a real tokenboard server.
 *
 *   BENCH_REQUESTS=300 npm run bench:otlp
 *   BENCH_KINDS=logs BENCH_SERVER_NODE_ARGS=--cpu-prof npm run bench:otlp   (profile the server)
 *
 * Bodies are encoded once with the OpenTelemetry project's generated types
 * (what an exporter sends), then POSTed by a few concurrent clients: 100
 * Claude-Code-shaped users, each export a delta interval with 4 token types and
 * cost per user and model. The server runs as a child process (`tokenboard
 * serve`, the real thing), so client and server share the cores as they would.
 */
import { waitForUrl } from './server.js';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { SqliteStore } from '../src/store/sqlite/store.js';

const require = createRequire(import.meta.url);
const collector = require('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto.collector;
const MReq = collector.metrics.v1.ExportMetricsServiceRequest;
const LReq = collector.logs.v1.ExportLogsServiceRequest;

const USERS = 100;
const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'];
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const CONCURRENCY = 4;
const KEY = 'bench-key';
const s = (key: string, v: string) => ({ key, value: { stringValue: v } });
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const base = Date.UTC(2026, 0, 1);

function metricsBody(i: number): { body: Uint8Array; points: number } {
  const start = base + i * 60_000;
  const tokenPoints = [];
  const costPoints = [];
  for (let u = 0; u < USERS; u++) {
    for (const model of MODELS) {
      const ids = [s('user.email', `user${u}@example.com`), s('user.account_uuid', `acc-${u}`), s('session.id', `s-${u}-${i % 7}`), s('model', model)];
      for (const type of ['input', 'output', 'cacheRead', 'cacheCreation']) {
        tokenPoints.push({ attributes: [...ids, s('type', type)], startTimeUnixNano: ns(start), timeUnixNano: ns(start + 60_000), asInt: String(100 + u) });
      }
      costPoints.push({ attributes: ids, startTimeUnixNano: ns(start), timeUnixNano: ns(start + 60_000), asDouble: 0.01 });
    }
  }
  const req = {
    resourceMetrics: [{
      resource: { attributes: [s('service.name', 'claude-code'), s('team', 'bench')] },
      scopeMetrics: [{
        scope: { name: 'com.anthropic.claude_code' },
        metrics: [
          { name: 'claude_code.token.usage', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: tokenPoints } },
          { name: 'claude_code.cost.usage', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: costPoints } },
        ],
      }],
    }],
  };
  return { body: Buffer.from(MReq.encode(MReq.fromObject(req)).finish()), points: tokenPoints.length + costPoints.length };
}

function logsBody(i: number): { body: Uint8Array; points: number } {
  const records = [];
  for (let r = 0; r < 1000; r++) {
    const t = base + i * 60_000 + r * 50;
    records.push({
      timeUnixNano: ns(t),
      body: { stringValue: 'claude_code.api_request' },
      attributes: [s('event.name', 'api_request'), s('event.timestamp', new Date(t).toISOString()), s('user.email', `user${r % USERS}@example.com`), s('session.id', `s-${r % USERS}`),
        s('model', MODELS[r % 3]!), s('input_tokens', '12'), s('output_tokens', '340'), s('cache_read_tokens', '20000'), s('cache_creation_tokens', '100'), s('cost_usd', '0.02')],
    });
  }
  const req = { resourceLogs: [{ resource: { attributes: [s('service.name', 'claude-code')] }, scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events' }, logRecords: records }] }] };
  return { body: Buffer.from(LReq.encode(LReq.fromObject(req)).finish()), points: records.length };
}

/** CPU seconds a process has used (Linux /proc; undefined elsewhere): a figure other jobs on the machine barely move. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

async function run(kind: 'metrics' | 'logs', make: (i: number) => { body: Uint8Array; points: number }, usageFrom: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bench-otlp-'));
  const bodies = Array.from({ length: REQUESTS }, (_, i) => make(i));
  const totalPoints = bodies.reduce((a, b) => a + b.points, 0);
  const bytes = bodies.reduce((a, b) => a + b.body.byteLength, 0);
  const server = spawn(
    process.execPath,
    [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), path.resolve('bin/tokenboard.js'), 'serve', '--port', '0', '--data', dir, '--ingest-key', KEY],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TOKENBOARD_OTLP_USAGE_FROM: usageFrom } },
  );
  const url = await waitForUrl(server);
  let next = 0;
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const b = bodies[next++]!;
        const r = await fetch(`${url}/v1/${kind}`, { method: 'POST', body: b.body as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${KEY}` } });
        if (r.status === 429) {
          next--; // not stored: send again
          await new Promise((res) => setTimeout(res, 50));
          continue;
        }
        if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu1 = cpuSeconds(server.pid);
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  const store = new SqliteStore({ file: path.join(dir, 'tokenboard.db') });
  const raw = await store.rawTotals();
  const disk = await store.sizeOnDisk();
  await store.close();
  console.log(
    `${kind.padEnd(7)} ${REQUESTS} exports, ${totalPoints} ${kind === 'metrics' ? 'data points' : 'log records'} (${(bytes / 1e6).toFixed(1)} MB protobuf) in ${secs.toFixed(2)} s: ` +
      `${Math.round(totalPoints / secs).toLocaleString('en-US')} ${kind === 'metrics' ? 'points' : 'records'}/s, ` +
      `${raw.events} events stored (${Math.round(raw.events / secs).toLocaleString('en-US')} events/s), ${(disk / raw.events).toFixed(0)} bytes/event on disk, ` +
      (cpu0 !== undefined && cpu1 !== undefined
        ? `server CPU ${(cpu1 - cpu0).toFixed(1)} s = ${(((cpu1 - cpu0) * 1e6) / totalPoints).toFixed(1)} µs/${kind === 'metrics' ? 'point' : 'record'}, ${(((cpu1 - cpu0) * 1e6) / raw.events).toFixed(1)} µs/event, `
        : '') +
      `tokens in/out/cacheRead/cacheWrite ${raw.input}/${raw.output}/${raw.cacheRead}/${raw.cacheWrite}, cost reported/computed µ$ ${raw.costReportedMicros}/${raw.costComputedMicros}`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

const kinds = (process.env.BENCH_KINDS ?? 'metrics,logs').split(',');
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (kinds.includes('metrics')) await run('metrics', metricsBody, '');
if (kinds.includes('logs')) await run('logs', logsBody, 'claude-code=logs');
