/**
 * Claude Code log events, Gemini CLI and Codex telemetry and GenAI spans, sent
 * by the real OpenTelemetry JS SDK exporters in the shapes those tools document;
 * one usage signal per tool, so usage sent twice is counted once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { INGEST_KEY, startServer, type TestServer } from './support.js';

const headers = { Authorization: `Bearer ${INGEST_KEY}` };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const CLAUDE = { 'user.email': 'bo@example.com', 'user.account_uuid': 'acc-bo', 'organization.id': 'org-1', 'session.id': 'sess-9', 'user.id': 'install-1' };

function claudeLogs(url: string) {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'claude-code', 'service.version': '2.1.0', team: 'growth' }),
    processors: [new BatchLogRecordProcessor(new ProtoLogExporter({ url: `${url}/v1/logs`, headers }))],
  });
  const logger = provider.getLogger('com.anthropic.claude_code.events', '2.1.0');
  let seq = 0;
  return {
    apiRequest(model: string, t: [number, number, number, number], cost: number, at: Date) {
      logger.emit({
        body: 'claude_code.api_request',
        timestamp: at,
        attributes: {
          ...CLAUDE,
          'event.name': 'api_request',
          'event.timestamp': at.toISOString(),
          'event.sequence': seq++,
          'prompt.id': `prompt-${seq}`,
          model,
          input_tokens: String(t[0]),
          output_tokens: String(t[1]),
          cache_read_tokens: String(t[2]),
          cache_creation_tokens: String(t[3]),
          cost_usd: String(cost),
          duration_ms: '2100',
          speed: 'normal',
        },
      });
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

describe('Claude Code: metrics and log events carry the same usage', () => {
  const send = async (url: string) => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new ProtoMetricExporter({ url: `${url}/v1/metrics`, headers, temporalityPreference: AggregationTemporalityPreference.DELTA }),
      exportIntervalMillis: 3_600_000,
    });
    const meters = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'claude-code' }), readers: [reader] });
    const tokens = meters.getMeter('com.anthropic.claude_code').createCounter('claude_code.token.usage');
    const cost = meters.getMeter('com.anthropic.claude_code').createCounter('claude_code.cost.usage');
    const logs = claudeLogs(url);
    const calls: [string, [number, number, number, number], number][] = [
      ['claude-sonnet-4-5', [100, 400, 9000, 300], 0.08],
      ['claude-sonnet-4-5', [20, 60, 9300, 0], 0.03],
      ['claude-haiku-4-5', [5, 9, 0, 0], 0.0001],
    ];
    calls.forEach(([model, t, usd], i) => {
      logs.apiRequest(model, t, usd, new Date(Date.UTC(2026, 0, 5, 10, 0, i)));
      const ids = { ...CLAUDE, model };
      tokens.add(t[0], { ...ids, type: 'input' });
      tokens.add(t[1], { ...ids, type: 'output' });
      tokens.add(t[2], { ...ids, type: 'cacheRead' });
      tokens.add(t[3], { ...ids, type: 'cacheCreation' });
      cost.add(usd, ids);
    });
    await logs.flush();
    await logs.flush(); // nothing new
    await meters.forceFlush();
    await logs.shutdown();
    await meters.shutdown();
  };
  const expected = { input: 125, output: 469, cacheRead: 18300, cacheWrite: 300 };

  it('counts the metrics by default and ignores the api_request events', async () => {
    server = await startServer();
    await send(server.url);
    const t = await server.totals();
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite }).toEqual(expected);
    expect(t.costReported).toBeCloseTo(0.1101, 6);
    expect(t.requests).toBe(0);
  });

  it('counts the api_request events (one per call, with cost) and ignores the token metrics when told to', async () => {
    server = await startServer({ otlp: { usageFrom: { 'claude-code': 'logs' } } });
    await send(server.url);
    const t = await server.totals();
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite }).toEqual(expected);
    expect(t.costReported).toBeCloseTo(0.1101, 6);
    expect({ requests: t.requests, events: t.events, people: t.people, sessions: t.sessions }).toEqual({ requests: 3, events: 3, people: 1, sessions: 1 });
  });
});

describe('Gemini CLI', () => {
  it('counts gemini_cli.token.usage (cumulative), normalising cached, thought and tool tokens, and ignores its gen_ai.* repeat', async () => {
    server = await startServer();
    const reader = new PeriodicExportingMetricReader({
      exporter: new JsonMetricExporter({ url: `${server.url}/v1/metrics`, headers, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE }),
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'gemini-cli', 'service.version': '0.9.0', department: 'research' }), readers: [reader] });
    const meter = provider.getMeter('gemini-cli');
    const usage = meter.createCounter('gemini_cli.token.usage');
    const genai = meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}' });
    const sessions = meter.createCounter('gemini_cli.session.count');
    const linesChanged = meter.createCounter('gemini_cli.lines.changed');
    const ids = { 'session.id': 'g-1', 'installation.id': 'inst-7', 'user.email': 'cy@example.com' };
    const call = (input: number, output: number, cache: number, thought: number, tool: number) => {
      const a = { ...ids, model: 'gemini-2.5-pro' };
      usage.add(input, { ...a, type: 'input' });
      usage.add(output, { ...a, type: 'output' });
      usage.add(cache, { ...a, type: 'cache' });
      usage.add(thought, { ...a, type: 'thought' });
      usage.add(tool, { ...a, type: 'tool' });
      genai.record(input, { 'gen_ai.token.type': 'input', 'gen_ai.request.model': 'gemini-2.5-pro', 'gen_ai.provider.name': 'gcp.gen_ai' });
      genai.record(output, { 'gen_ai.token.type': 'output', 'gen_ai.request.model': 'gemini-2.5-pro', 'gen_ai.provider.name': 'gcp.gen_ai' });
    };
    sessions.add(1, ids);
    call(10_000, 300, 6_000, 120, 50);
    await provider.forceFlush();
    call(2_000, 100, 0, 0, 0);
    linesChanged.add(12, { ...ids, type: 'added', function_name: 'replace' });
    await provider.forceFlush();
    await provider.shutdown();

    const t = await server.totals();
    // input includes cache: (12000 - 6000) + 50 tool-use prompt tokens; thought tokens are output billed on top.
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, reasoning: t.reasoning }).toEqual({ input: 6_050, output: 520, cacheRead: 6_000, reasoning: 120 });
    expect({ sessions: t.sessions, linesAdded: t.linesAdded }).toEqual({ sessions: 1, linesAdded: 12 });
    const rows = await server.breakdown('tool,provider');
    expect(rows.map((r) => r.keys)).toEqual([{ tool: 'gemini-cli', provider: 'google' }]);
  });
});

describe('Codex', () => {
  it('counts response.completed events once, keeping the twin that carries identity', async () => {
    server = await startServer();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'codex_cli_rs', 'service.version': '0.137.0', env: 'prod' }),
      processors: [new BatchLogRecordProcessor(new JsonLogExporter({ url: `${server.url}/v1/logs`, headers }))],
    });
    const logger = provider.getLogger('codex_otel');
    const completed = (id: string, tokens: [number, number, number, number], identity: boolean) =>
      logger.emit({
        timestamp: new Date(Date.UTC(2026, 0, 6, 9, 30)),
        attributes: {
          'event.name': 'codex.sse_event',
          'event.kind': 'response.completed',
          'event.timestamp': `2026-01-06T09:30:0${id}Z`,
          'conversation.id': 'conv-1',
          model: 'gpt-5-codex',
          auth_mode: 'Chatgpt',
          input_token_count: tokens[0],
          cached_token_count: tokens[1],
          output_token_count: tokens[2],
          reasoning_token_count: tokens[3],
          tool_token_count: tokens[0] + tokens[2],
          ...(identity ? { 'user.email': 'di@example.com', 'user.account_id': 'acct-di' } : {}),
        },
      });
    completed('1', [5_000, 4_000, 700, 500], false);
    completed('1', [5_000, 4_000, 700, 500], true);
    completed('2', [6_000, 5_900, 100, 0], true);
    logger.emit({ timestamp: new Date(Date.UTC(2026, 0, 6, 9, 30)), attributes: { 'event.name': 'codex.sse_event', 'event.kind': 'response.output_text.delta', 'conversation.id': 'conv-1' } });
    await provider.shutdown();

    const t = await server.totals();
    expect({ input: t.input, cacheRead: t.cacheRead, output: t.output, reasoning: t.reasoning, requests: t.requests }).toEqual({
      input: 1_100,
      cacheRead: 9_900,
      output: 800,
      reasoning: 500,
      requests: 2,
    });
    const rows = await server.breakdown('identity,tool,provider');
    expect(rows.map((r) => r.keys)).toEqual([{ identity: 'email:di@example.com|account:acct-di', tool: 'codex', provider: 'openai' }]);
  });
});

describe('OpenTelemetry GenAI conventions', () => {
  it('counts model-call spans (input includes cache) and skips agent spans and the token histogram', async () => {
    server = await startServer();
    const resource = resourceFromAttributes({ 'service.name': 'support-bot', cost_center: 'cc-42', 'enduser.id': 'svc-support' });
    const tracer = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${server.url}/v1/traces`, headers }))] });
    const t0 = Date.UTC(2026, 0, 7, 8);
    const span = (name: string, attrs: Record<string, string | number>, at: number) => {
      const s = tracer.getTracer('openai-instrumentation').startSpan(name, { attributes: attrs, startTime: at });
      s.end(at + 1500);
    };
    span('invoke_agent triage', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 3000, 'gen_ai.usage.output_tokens': 250 }, t0);
    span('chat gpt-4.1', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.usage.input_tokens': 2000,
      'gen_ai.usage.cache_read.input_tokens': 1500,
      'gen_ai.usage.output_tokens': 200,
      'user.email': 'eve@example.com',
    }, t0 + 10);
    span('chat claude', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 50,
    }, t0 + 20);
    await tracer.forceFlush();
    await tracer.forceFlush();

    const reader = new PeriodicExportingMetricReader({ exporter: new ProtoMetricExporter({ url: `${server.url}/v1/metrics`, headers }), exportIntervalMillis: 3_600_000 });
    const meters = new MeterProvider({ resource, readers: [reader] });
    const hist = meters.getMeter('openai-instrumentation').createHistogram('gen_ai.client.token.usage');
    hist.record(2000, { 'gen_ai.token.type': 'input', 'gen_ai.request.model': 'gpt-4.1' });
    hist.record(200, { 'gen_ai.token.type': 'output', 'gen_ai.request.model': 'gpt-4.1' });
    await meters.shutdown();
    await tracer.shutdown();

    const t = await server.totals();
    expect({ input: t.input, cacheRead: t.cacheRead, output: t.output, requests: t.requests }).toEqual({ input: 1_500, cacheRead: 1_500, output: 250, requests: 2 });
    const rows = await server.breakdown('model,provider,tool');
    expect(rows.map((r) => r.keys).sort((a, b) => String(a.model).localeCompare(String(b.model)))).toEqual([
      { model: 'claude-sonnet-4-5', provider: 'anthropic', tool: 'support-bot' },
      { model: 'gpt-4.1-2025-04-14', provider: 'openai', tool: 'support-bot' },
    ]);
  });

  it('counts gen_ai.client.token.usage histograms instead when metrics are the GenAI usage signal', async () => {
    server = await startServer({ otlp: { usageFrom: { genai: 'metrics' } } });
    const reader = new PeriodicExportingMetricReader({ exporter: new ProtoMetricExporter({ url: `${server.url}/v1/metrics`, headers }), exportIntervalMillis: 3_600_000 });
    const meters = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'rag-app' }), readers: [reader] });
    const hist = meters.getMeter('genai').createHistogram('gen_ai.client.token.usage');
    const a = { 'gen_ai.request.model': 'gpt-4.1-mini', 'gen_ai.provider.name': 'openai' };
    hist.record(700, { ...a, 'gen_ai.token.type': 'input' });
    hist.record(300, { ...a, 'gen_ai.token.type': 'input' });
    hist.record(90, { ...a, 'gen_ai.token.type': 'output' });
    await meters.forceFlush();
    hist.record(10, { ...a, 'gen_ai.token.type': 'output' });
    await meters.shutdown();
    const t = await server.totals();
    expect({ input: t.input, output: t.output }).toEqual({ input: 1_000, output: 100 });
  });
});
