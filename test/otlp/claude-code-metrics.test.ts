/**
 * Claude-Code-shaped metrics sent by the real OpenTelemetry JS SDK and OTLP
 * exporters to a real tokenboard server; totals read back through the query API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { flakyProxy, INGEST_KEY, startServer, type TestServer } from './support.js';

const IDENTITY = {
  'user.email': 'ana@example.com',
  'user.account_uuid': 'acc-ana',
  'organization.id': 'org-1',
  'session.id': 'sess-1',
  'terminal.type': 'vscode',
};
const RESOURCE = { 'service.name': 'claude-code', 'service.version': '2.1.0', department: 'engineering', team: 'payments' };

/** One Claude Code process: its documented instruments on one MeterProvider. */
function claudeCode(exporter: PushMetricExporter) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes(RESOURCE), readers: [reader] });
  const meter = provider.getMeter('com.anthropic.claude_code', '2.1.0');
  const tokens = meter.createCounter('claude_code.token.usage', { unit: 'tokens' });
  const cost = meter.createCounter('claude_code.cost.usage', { unit: 'USD' });
  const sessions = meter.createCounter('claude_code.session.count');
  const loc = meter.createCounter('claude_code.lines_of_code.count');
  const commits = meter.createCounter('claude_code.commit.count');
  const prs = meter.createCounter('claude_code.pull_request.count');
  const active = meter.createCounter('claude_code.active_time.total', { unit: 's' });
  const decisions = meter.createCounter('claude_code.code_edit_tool.decision');
  return {
    /** One API request's worth of usage. */
    request(model: string, t: { input: number; output: number; cacheRead: number; cacheCreation: number }, usd: number, ids = IDENTITY) {
      for (const [type, v] of Object.entries(t)) tokens.add(v, { ...ids, model, type });
      cost.add(usd, { ...ids, model });
    },
    activity(ids = IDENTITY) {
      sessions.add(1, ids);
      loc.add(40, { ...ids, type: 'added' });
      loc.add(7, { ...ids, type: 'removed' });
      commits.add(1, ids);
      prs.add(1, ids);
      active.add(12.5, ids);
      decisions.add(1, { ...ids, decision: 'accept', tool_name: 'Edit', language: 'TypeScript' });
      decisions.add(1, { ...ids, decision: 'reject', tool_name: 'Edit', language: 'TypeScript' });
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

const headers = { Authorization: `Bearer ${INGEST_KEY}` };

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Claude Code metrics over OTLP/HTTP', () => {
  it('counts delta exports over several cycles to the token, with identity and resource attributes (protobuf, gzip)', async () => {
    server = await startServer();
    const cc = claudeCode(
      new ProtoMetricExporter({ url: `${server.url}/v1/metrics`, headers, compression: CompressionAlgorithm.GZIP, temporalityPreference: AggregationTemporalityPreference.DELTA }),
    );
    cc.activity();
    cc.request('claude-sonnet-4-5', { input: 120, output: 800, cacheRead: 30_000, cacheCreation: 2_000 }, 0.1234);
    await cc.flush();
    cc.request('claude-sonnet-4-5', { input: 80, output: 200, cacheRead: 10_000, cacheCreation: 0 }, 0.05);
    cc.request('claude-opus-4-1', { input: 10, output: 90, cacheRead: 0, cacheCreation: 500 }, 0.02);
    await cc.flush();
    cc.request('claude-sonnet-4-5', { input: 1, output: 2, cacheRead: 3, cacheCreation: 4 }, 0.001);
    await cc.flush();
    await cc.shutdown();

    const t = await server.totals();
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite }).toEqual({
      input: 211,
      output: 1092,
      cacheRead: 40_003,
      cacheWrite: 2_504,
    });
    expect(t.costReported).toBeCloseTo(0.1944, 6);
    expect(t.cost).toBeCloseTo(0.1944, 6); // Claude Code's own cost figure, never added to a list price
    expect({ sessions: t.sessions, linesAdded: t.linesAdded, linesRemoved: t.linesRemoved, commits: t.commits, pullRequests: t.pullRequests })
      .toEqual({ sessions: 1, linesAdded: 40, linesRemoved: 7, commits: 1, pullRequests: 1 });
    expect({ activeSeconds: t.activeSeconds, editsAccepted: t.editsAccepted, editsRejected: t.editsRejected }).toEqual({ activeSeconds: 13, editsAccepted: 1, editsRejected: 1 });
    expect(t.people).toBe(1);
    expect(t.requests).toBe(0); // metrics count tokens, not calls

    const byTool = await server.breakdown('tool,model,identity');
    expect(byTool.map((r) => r.keys).sort((a, b) => String(a.model).localeCompare(String(b.model)))).toEqual([
      { tool: 'claude-code', model: 'claude-opus-4-1', identity: 'email:ana@example.com|account:acc-ana' },
      { tool: 'claude-code', model: 'claude-sonnet-4-5', identity: 'email:ana@example.com|account:acc-ana' },
      { tool: 'claude-code', model: 'unknown', identity: 'email:ana@example.com|account:acc-ana' },
    ]);
    const attrs = (server.store as unknown as { db: import('better-sqlite3').Database }).db.prepare('SELECT json FROM attrs').pluck().all() as string[];
    expect(attrs.map((j) => Object.fromEntries(JSON.parse(j)))).toContainEqual({
      department: 'engineering',
      'organization.id': 'org-1',
      'service.name': 'claude-code',
      'service.version': '2.1.0',
      team: 'payments',
      'terminal.type': 'vscode',
    });
  });

  it('turns cumulative exports into deltas across exporter restarts and tokenboard restarts (JSON)', async () => {
    server = await startServer();
    const exporter = () =>
      new JsonMetricExporter({ url: `${server!.url}/v1/metrics`, headers, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE });
    let cc = claudeCode(exporter());
    cc.request('claude-sonnet-4-5', { input: 100, output: 1000, cacheRead: 5000, cacheCreation: 50 }, 0.5);
    await cc.flush();
    await cc.flush(); // nothing new: the same running totals again
    cc.request('claude-sonnet-4-5', { input: 1, output: 10, cacheRead: 0, cacheCreation: 0 }, 0.01);
    await server.restart(); // tokenboard restarts between two exports of the same series
    await cc.flush();
    await cc.shutdown();

    // Claude Code restarts: a new process, new start times, counters from zero.
    cc = claudeCode(exporter());
    cc.request('claude-sonnet-4-5', { input: 7, output: 70, cacheRead: 700, cacheCreation: 0 }, 0.07);
    cc.activity();
    await cc.flush();
    cc.activity();
    await cc.flush();
    await cc.shutdown();

    const t = await server.totals();
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite }).toEqual({ input: 108, output: 1080, cacheRead: 5700, cacheWrite: 50 });
    expect(t.costReported).toBeCloseTo(0.58, 6);
    expect({ linesAdded: t.linesAdded, commits: t.commits, activeSeconds: t.activeSeconds }).toEqual({ linesAdded: 80, commits: 2, activeSeconds: 25 });
  });

  it('counts a retried export once (delta and cumulative)', async () => {
    server = await startServer();
    for (const temporalityPreference of [AggregationTemporalityPreference.DELTA, AggregationTemporalityPreference.CUMULATIVE]) {
      const proxy = await flakyProxy(server.url, 2);
      const cc = claudeCode(new ProtoMetricExporter({ url: `${proxy.url}/v1/metrics`, headers, temporalityPreference, timeoutMillis: 20_000 }));
      cc.request('claude-haiku-4-5', { input: 5, output: 50, cacheRead: 500, cacheCreation: 5 }, 0.005);
      await cc.flush();
      await cc.shutdown();
      await proxy.close();
      expect(proxy.forwarded()).toBeGreaterThanOrEqual(3); // stored, answer lost; retried; retried and answered
    }
    const t = await server.totals();
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite }).toEqual({ input: 10, output: 100, cacheRead: 1000, cacheWrite: 10 });
    expect(t.costReported).toBeCloseTo(0.01, 6);
  });
});
