/**
 * OTLP/HTTP receiver: POST /v1/metrics, /v1/logs and /v1/traces, protobuf or
 * JSON, gzip or not, on the same server as the API. Claude Code, Codex,
 * Gemini CLI and any OpenTelemetry SDK point OTEL_EXPORTER_OTLP_ENDPOINT here
 * with the ingest key in OTEL_EXPORTER_OTLP_HEADERS.
 *
 * Answers follow the OTLP specification, so exporters retry exactly when they
 * should: 200 with `partialSuccess` when some points were refused; 400 (not
 * retried) when the body cannot be decoded or every point was refused; 429
 * and 503 (retried) with Retry-After when busy or when the store failed, in
 * which case nothing was acknowledged.
 */
import type { Context } from 'hono';
import { MAX_BODY_BYTES } from '../../ingest/pipeline.js';
import type { Signal } from '../../sources/otlp/model.js';
import { OtlpReceiver } from '../../sources/otlp/receiver.js';
import { parseUsageFrom } from '../../sources/otlp/rules.js';
import { OtlpError, decodeRequest, decompress, encodeError, encodeResponse, encodingOf, type Encoding } from '../../sources/otlp/wire.js';
import { guard } from '../../auth/guard.js';
import { ErrorSchema, json, viewerOf, type App, type AppDeps } from '../context.js';

const PATHS: Record<Signal, string> = { metrics: '/v1/metrics', logs: '/v1/logs', traces: '/v1/traces' };

export function registerOtlpRoutes(app: App, deps: AppDeps): void {
  const options = deps.otlp ?? { usageFrom: parseUsageFrom(process.env.TOKENBOARD_OTLP_USAGE_FROM) };
  const receiver = new OtlpReceiver(deps.store, deps.ingestor.pricer, options);
  let inFlight = 0;
  const maxInFlight = deps.maxInFlight ?? 16;

  for (const signal of ['metrics', 'logs', 'traces'] as const) {
    app.openAPIRegistry.registerPath({
      method: 'post',
      path: PATHS[signal],
      tags: ['OTLP'],
      summary: `OTLP/HTTP ${signal} export (application/x-protobuf or application/json, gzip allowed)`,
      description:
        'Needs an ingest key (`OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer KEY"`). Usage is read from Claude Code, ' +
        'Gemini CLI, Codex and OpenTelemetry GenAI telemetry; other telemetry is accepted and ignored.',
      responses: {
        200: { description: 'Export*ServiceResponse, with partialSuccess when some items were refused' },
        400: json(ErrorSchema, 'Undecodable body, or every item refused'),
        401: json(ErrorSchema, 'Missing or unknown ingest key'),
        413: json(ErrorSchema, 'Body too large'),
        415: json(ErrorSchema, 'Unsupported content type or encoding'),
        429: json(ErrorSchema, 'Busy; retry after Retry-After seconds'),
        503: json(ErrorSchema, 'Store unavailable; retry after Retry-After seconds'),
      },
    });

    // The ingest key is checked by the guard; a refusal is answered in the request's encoding.
    const ingestOnly = guard('usage:ingest', {
      deny: (c, status, message) => {
        let encoding: Encoding = 'json';
        try {
          encoding = encodingOf(c.req.header('content-type'));
        } catch {
          // an unknown content type is answered in JSON
        }
        return send(c, status, encodeError(encoding, status, message));
      },
    });
    app.post(PATHS[signal], ingestOnly, async (c) => {
      // Errors are answered in the request's encoding when it is one OTLP knows.
      let encoding: Encoding = 'json';
      try {
        encoding = encodingOf(c.req.header('content-type'));
      } catch (e) {
        return fail(c, encoding, e as OtlpError);
      }
      // content-length can be trusted as a first filter; the body is measured again below.
      if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) return fail(c, encoding, tooLarge());
      // An ingest key limited to sources may write OTLP only when `otel` is one of them.
      const sources = viewerOf(c).sources;
      if (sources && !sources.includes('otel')) return fail(c, encoding, new OtlpError(403, `this ingest key may write only ${sources.join(', ')}; OTLP arrives as source otel`));
      if (inFlight >= maxInFlight) return fail(c, encoding, new OtlpError(429, 'server busy: too many exports in flight'));
      inFlight++;
      try {
        const raw = new Uint8Array(await c.req.arrayBuffer());
        if (raw.byteLength > MAX_BODY_BYTES) throw tooLarge();
        const body = decompress(raw, c.req.header('content-encoding'), MAX_BODY_BYTES);
        const req = decodeRequest(signal, body, encoding);
        let r;
        try {
          r = await receiver.receive(signal, req);
        } catch (e) {
          console.error(e);
          throw new OtlpError(503, 'storage unavailable, nothing was stored; retry');
        }
        if (r.rejected > 0 && r.accepted + r.duplicates + r.stale === 0) {
          throw new OtlpError(400, `every item was refused: ${r.errors.join('; ')}`);
        }
        const partial = r.rejected > 0 ? { rejected: r.rejected, message: `${r.rejected} refused: ${r.errors.join('; ')}` } : undefined;
        return send(c, 200, encodeResponse(signal, encoding, partial));
      } catch (e) {
        if (e instanceof OtlpError) return fail(c, encoding, e);
        throw e;
      } finally {
        inFlight--;
      }
    });
  }
}

function tooLarge(): OtlpError {
  return new OtlpError(413, `body too large: at most ${MAX_BODY_BYTES} bytes, compressed or not`);
}

function fail(c: Context, encoding: Encoding, e: OtlpError) {
  if (e.status === 429 || e.status === 503) c.header('Retry-After', e.status === 429 ? '1' : '5');
  return send(c, e.status, encodeError(encoding, e.status, e.message));
}

function send(c: Context, status: number, r: { body: Uint8Array | string; contentType: string }) {
  c.header('Content-Type', r.contentType);
  return c.body(typeof r.body === 'string' ? r.body : (r.body as Uint8Array<ArrayBuffer>), status as 200);
}
