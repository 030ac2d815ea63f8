/**
 * The OTLP/HTTP wire formats: bodies in, responses out.
 *
 * Protobuf is decoded with the message types the OpenTelemetry JS project
 * generates from the official opentelemetry-proto files (shipped, with
 * protobufjs, in @opentelemetry/otlp-transformer); JSON follows the OTLP/JSON
 * mapping. Both are turned into the same plain shape (./model.ts), so the
 * mapping code never knows which one arrived.
 */
import { createRequire } from 'node:module';
import { gunzipSync, inflateSync } from 'node:zlib';
import protobuf from 'protobufjs';
import type { ExportRequest, Signal } from './model.js';

const require = createRequire(import.meta.url);

interface MessageType {
  decode(buf: Uint8Array): object;
  fromObject(obj: object): object;
  encode(msg: object): { finish(): Uint8Array };
}

interface GeneratedRoot {
  opentelemetry: {
    proto: {
      collector: Record<'metrics' | 'logs' | 'trace', { v1: Record<string, MessageType> }>;
    };
  };
}

// Deep import on purpose: the generated module is the OpenTelemetry project's own
// protobufjs code for the official .proto files; the package has no exports map.
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as GeneratedRoot;
const collector = root.opentelemetry.proto.collector;

const TYPES: Record<Signal, { request: MessageType; response: MessageType }> = {
  metrics: { request: collector.metrics.v1.ExportMetricsServiceRequest!, response: collector.metrics.v1.ExportMetricsServiceResponse! },
  logs: { request: collector.logs.v1.ExportLogsServiceRequest!, response: collector.logs.v1.ExportLogsServiceResponse! },
  traces: { request: collector.trace.v1.ExportTraceServiceRequest!, response: collector.trace.v1.ExportTraceServiceResponse! },
};

export type Encoding = 'protobuf' | 'json';

/** A request the receiver refuses; `status` is the HTTP status to answer with. */
export class OtlpError extends Error {
  constructor(
    readonly status: 400 | 403 | 413 | 415 | 429 | 503,
    message: string,
  ) {
    super(message);
  }
}

export function encodingOf(contentType: string | undefined): Encoding {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  throw new OtlpError(415, `unsupported content type "${ct || '(none)'}": OTLP/HTTP takes application/x-protobuf or application/json`);
}

/** Undo Content-Encoding, refusing bodies that inflate past `maxBytes` (gzip bombs included). */
export function decompress(body: Uint8Array, contentEncoding: string | undefined, maxBytes: number): Uint8Array {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (!enc || enc === 'identity') return body;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body, { maxOutputLength: maxBytes });
    if (enc === 'deflate') return inflateSync(body, { maxOutputLength: maxBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test(err.message)) {
      throw new OtlpError(413, `body inflates past ${maxBytes} bytes`);
    }
    throw new OtlpError(400, `body is not valid ${enc}: ${err.message}`);
  }
  throw new OtlpError(415, `unsupported content encoding "${enc}": use gzip or none`);
}

/** Decode an export request body: a JSON object, or the decoded protobuf message (read in place, see ./model.ts). */
export function decodeRequest(signal: Signal, body: Uint8Array, encoding: Encoding): ExportRequest {
  if (encoding === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    } catch (e) {
      throw new OtlpError(400, `body is not valid JSON: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new OtlpError(400, `body must be an OTLP ${signal} export request object`);
    }
    return parsed as ExportRequest;
  }
  const type = TYPES[signal].request;
  let msg: object;
  try {
    // As a Buffer, protobufjs reads strings with Node's own UTF-8 decoder (much faster than its JS one for a Uint8Array).
    msg = type.decode(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } catch (e) {
    throw new OtlpError(400, `body is not a valid protobuf ${exportName(signal)}: ${(e as Error).message}`);
  }
  return msg as ExportRequest;
}

function exportName(signal: Signal): string {
  return signal === 'metrics' ? 'ExportMetricsServiceRequest' : signal === 'logs' ? 'ExportLogsServiceRequest' : 'ExportTraceServiceRequest';
}

export interface PartialSuccess {
  rejected: number;
  message: string;
}

const REJECTED_FIELD: Record<Signal, string> = { metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords', traces: 'rejectedSpans' };

/** The success answer: an Export*ServiceResponse, with partialSuccess when something was refused. */
export function encodeResponse(signal: Signal, encoding: Encoding, partial?: PartialSuccess): { body: Uint8Array | string; contentType: string } {
  const obj = partial && (partial.rejected > 0 || partial.message)
    ? { partialSuccess: { [REJECTED_FIELD[signal]]: String(partial.rejected), errorMessage: partial.message } }
    : {};
  if (encoding === 'json') {
    return { body: JSON.stringify(obj), contentType: 'application/json' };
  }
  const type = TYPES[signal].response;
  return { body: type.encode(type.fromObject(obj)).finish(), contentType: 'application/x-protobuf' };
}

// google.rpc.Status, the body of an OTLP/HTTP error answer, declared through protobufjs reflection.
const statusType = new protobuf.Root()
  .define('google.rpc')
  .add(new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string')))
  .lookupType('google.rpc.Status');

/** gRPC status code per HTTP status, as the OTLP specification pairs them. */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 413: 8, 415: 3, 429: 8, 503: 14 };

/** An error answer: google.rpc.Status in the request's encoding (JSON also carries `error`, like the rest of the API). */
export function encodeError(encoding: Encoding, status: number, message: string): { body: Uint8Array | string; contentType: string } {
  const code = GRPC_CODE[status] ?? 13;
  if (encoding === 'json') return { body: JSON.stringify({ code, message, error: message }), contentType: 'application/json' };
  return { body: statusType.encode(statusType.create({ code, message })).finish(), contentType: 'application/x-protobuf' };
}
