/** Bad bodies, missing keys and overload get the OTLP-specified answers and store nothing. */
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_KEY, startServer, type TestServer } from './support.js';

const require = createRequire(import.meta.url);
// The generated OTLP types, used here only to write valid and truncated protobuf bodies.
const collector = require('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto.collector;
const Req = collector.metrics.v1.ExportMetricsServiceRequest;
const Resp = collector.metrics.v1.ExportMetricsServiceResponse;

const point = (value: number, extra: Record<string, string> = {}) => ({
  attributes: Object.entries({ model: 'claude-sonnet-4-5', type: 'input', 'user.email': 'fa@example.com', ...extra }).map(([key, v]) => ({ key, value: { stringValue: v } })),
  startTimeUnixNano: '1767600000000000000',
  timeUnixNano: '1767600060000000000',
  asInt: String(value),
});
const metrics = (...points: ReturnType<typeof point>[]) => ({
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
      scopeMetrics: [{ scope: { name: 'com.anthropic.claude_code' }, metrics: [{ name: 'claude_code.token.usage', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: points } }] }],
    },
  ],
});
const protobufBody = (obj: object) => Buffer.from(Req.encode(Req.fromObject(obj)).finish());

let server: TestServer;
let busy: TestServer;
beforeAll(async () => {
  server = await startServer();
  busy = await startServer({ maxInFlight: 0 });
});
afterAll(async () => {
  await server.close();
  await busy.close();
});

const post = (s: TestServer, body: BodyInit, headers: Record<string, string>, path = '/v1/metrics') =>
  fetch(`${s.url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${INGEST_KEY}`, ...headers } });
const stored = async () => (await server.store.rawTotals()).events;

describe('OTLP error answers', () => {
  it('401 without a key or with an unknown one', async () => {
    const r = await fetch(`${server.url}/v1/metrics`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(401);
    expect((await r.json()).message).toMatch(/ingest key is required/);
    const r2 = await post(server, '{}', { 'content-type': 'application/json', authorization: 'Bearer nope' });
    expect(r2.status).toBe(401);
  });

  it('415 for a content type OTLP/HTTP does not use', async () => {
    const r = await post(server, 'a=1', { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
    expect((await r.json()).message).toMatch(/application\/x-protobuf or application\/json/);
  });

  it('400 with a protobuf google.rpc.Status for garbage and truncated protobuf', async () => {
    const garbage = await post(server, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), { 'content-type': 'application/x-protobuf' });
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get('content-type')).toBe('application/x-protobuf');
    const full = protobufBody(metrics(point(5)));
    const truncated = await post(server, full.subarray(0, full.length - 7), { 'content-type': 'application/x-protobuf' });
    expect(truncated.status).toBe(400);
    // google.rpc.Status: field 1 code (varint), field 2 message (string).
    const status = Buffer.from(await truncated.arrayBuffer());
    expect(status[0]).toBe(0x08);
    expect(status.toString('utf8')).toMatch(/not a valid protobuf ExportMetricsServiceRequest/);
    expect(await stored()).toBe(0);
  });

  it('400 for invalid JSON and for bad gzip', async () => {
    const r = await post(server, '{"resourceMetrics": [', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect((await r.json()).message).toMatch(/not valid JSON/);
    const g = await post(server, 'not gzip at all', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(g.status).toBe(400);
    expect((await g.json()).message).toMatch(/not valid gzip/);
  });

  it('400 when every point is refused (a huge attribute value), and nothing is stored', async () => {
    const body = JSON.stringify(metrics(point(5, { 'terminal.type': 'x'.repeat(100_000) })));
    const r = await post(server, gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect((await r.json()).message).toMatch(/attribute terminal\.type is longer than 256 characters/);
    expect(await stored()).toBe(0);
  });

  it('200 with partialSuccess when some points are refused; the rest is stored', async () => {
    const body = protobufBody(metrics(point(5), point(7, { 'user.email': 'gi@example.com', 'session.id': 's'.repeat(500) })));
    const r = await post(server, body, { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(200);
    const resp = Resp.toObject(Resp.decode(new Uint8Array(await r.arrayBuffer())), { longs: String });
    expect(resp.partialSuccess.rejectedDataPoints).toBe('1');
    expect(resp.partialSuccess.errorMessage).toMatch(/sessionId is longer than 200/);
    expect((await server.store.rawTotals()).input).toBe(5);
  });

  it('413 for a body too large, compressed or once inflated', async () => {
    const huge = gzipSync(Buffer.alloc(11 * 1024 * 1024, 0x20));
    const r = await post(server, huge, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
  });

  it('429 with Retry-After when busy, so exporters retry', async () => {
    const r = await post(busy, JSON.stringify(metrics(point(1))), { 'content-type': 'application/json' });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect((await busy.store.rawTotals()).events).toBe(0);
  });

  it('accepts telemetry it does not use with an empty success', async () => {
    const r = await post(server, JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1767600000000000000', body: { stringValue: 'hello' } }] }] }] }), { 'content-type': 'application/json' }, '/v1/logs');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({});
  });
});
