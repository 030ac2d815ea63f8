/**
 * The OTLP export requests as the mapping code reads them: either plain objects
 * (the OTLP/JSON mapping) or the message instances protobufjs decodes, read in
 * place (no conversion of the whole request). Only the fields tokenboard reads
 * are declared.
 *
 * The two differ in ways the readers below hide:
 *  - an unset field of a decoded message is `null` (on its prototype) where
 *    JSON has no key, while JSON may carry an explicit `null`; `field()` reads
 *    both as they were read before (a JSON null stays null);
 *  - 64-bit integers are long.js `Long`s in messages, numbers or decimal
 *    strings in JSON; `nanos()` and `int64()` take all three;
 *  - bytes (trace and span ids) are Uint8Arrays in messages, text in JSON;
 *    `bytesText()` gives base64 for the former, as the protobuf mapping does.
 */
import protobuf from 'protobufjs';

export type Signal = 'metrics' | 'logs' | 'traces';

/** A 64-bit integer as protobufjs decodes it (a long.js Long). */
export interface LongBits {
  low: number;
  high: number;
  unsigned: boolean;
}
export type Int64 = string | number | LongBits;
export type Bytes = string | Uint8Array;

export interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64 | null;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Bytes | null;
}
export interface KeyValue {
  key: string | null;
  value?: AnyValue | null;
}
export interface Resource {
  attributes?: KeyValue[] | null;
}
export interface Scope {
  name?: string | null;
  version?: string | null;
}

export interface NumberDataPoint {
  attributes?: KeyValue[] | null;
  startTimeUnixNano?: Int64 | null;
  timeUnixNano?: Int64 | null;
  asDouble?: number | null;
  asInt?: Int64 | null;
}
export interface HistogramDataPoint {
  attributes?: KeyValue[] | null;
  startTimeUnixNano?: Int64 | null;
  timeUnixNano?: Int64 | null;
  count?: Int64 | null;
  sum?: number | null;
}
/** 1 = delta, 2 = cumulative (AggregationTemporality). */
export type Temporality = 0 | 1 | 2;
export interface Metric {
  name: string | null;
  unit?: string | null;
  sum?: { dataPoints?: NumberDataPoint[] | null; aggregationTemporality?: Temporality | null; isMonotonic?: boolean | null } | null;
  gauge?: { dataPoints?: NumberDataPoint[] | null } | null;
  histogram?: { dataPoints?: HistogramDataPoint[] | null; aggregationTemporality?: Temporality | null } | null;
  exponentialHistogram?: { dataPoints?: HistogramDataPoint[] | null; aggregationTemporality?: Temporality | null } | null;
}
export interface MetricsRequest {
  resourceMetrics?: { resource?: Resource | null; scopeMetrics?: { scope?: Scope | null; metrics?: Metric[] | null }[] | null }[] | null;
}

export interface LogRecord {
  timeUnixNano?: Int64 | null;
  observedTimeUnixNano?: Int64 | null;
  eventName?: string | null;
  body?: AnyValue | null;
  attributes?: KeyValue[] | null;
  traceId?: Bytes | null;
  spanId?: Bytes | null;
}
export interface LogsRequest {
  resourceLogs?: { resource?: Resource | null; scopeLogs?: { scope?: Scope | null; logRecords?: LogRecord[] | null }[] | null }[] | null;
}

export interface Span {
  traceId?: Bytes | null;
  spanId?: Bytes | null;
  name?: string | null;
  startTimeUnixNano?: Int64 | null;
  endTimeUnixNano?: Int64 | null;
  attributes?: KeyValue[] | null;
}
export interface TracesRequest {
  resourceSpans?: { resource?: Resource | null; scopeSpans?: { scope?: Scope | null; spans?: Span[] | null }[] | null }[] | null;
}

export type ExportRequest = MetricsRequest | LogsRequest | TracesRequest;

/** Attribute values flattened to scalars (arrays and maps become JSON text). */
export type Attrs = Record<string, string | number | boolean>;

/**
 * A field as the mapping reads it: `undefined` when unset. A decoded message's
 * unset field is null on its prototype (absent, like a missing JSON key); a
 * JSON null is the request's own value and is kept.
 */
export function field<T extends object, K extends keyof T>(o: T, k: K): T[K] | undefined {
  const v = o[k];
  return v === null && !Object.prototype.hasOwnProperty.call(o, k) ? undefined : v;
}

const Long = protobuf.util.Long as unknown as abstract new (...args: never[]) => LongBits;

function isLong(v: unknown): v is LongBits {
  return v instanceof Long;
}

function longToBigInt(l: LongBits): bigint {
  const u = (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
  return l.unsigned ? u : BigInt.asIntN(64, u);
}

/** A 64-bit integer as a number, rounded as its decimal text would be (other values as they are). */
export function int64<T>(v: T | LongBits): T | number {
  if (!isLong(v)) return v;
  // Exact when it fits 53 bits; otherwise rounded once, from the exact value.
  if (v.high >= -0x200000 && v.high < 0x200000 && !(v.unsigned && v.high < 0)) return v.high * 4294967296 + (v.low >>> 0);
  return Number(longToBigInt(v));
}

export function anyValue(v: AnyValue | null | undefined): string | number | boolean | undefined {
  if (!v) return undefined;
  const s = field(v, 'stringValue');
  if (s !== undefined) return s as string;
  const i = field(v, 'intValue');
  if (i !== undefined) return Number(int64(i));
  const d = field(v, 'doubleValue');
  if (d !== undefined) return d as number;
  const b = field(v, 'boolValue');
  if (b !== undefined) return b as boolean;
  const arr = v.arrayValue;
  if (arr) return JSON.stringify((arr.values ?? []).map(anyValue));
  const kvl = v.kvlistValue;
  if (kvl) return JSON.stringify(Object.fromEntries((kvl.values ?? []).map((kv) => [field(kv, 'key'), anyValue(kv.value)])));
  return undefined;
}

export function attrsOf(list: KeyValue[] | null | undefined): Attrs {
  const out: Attrs = {};
  if (!list) return out;
  for (const kv of list) {
    if (!kv || typeof kv.key !== 'string') continue;
    const v = anyValue(kv.value);
    if (v !== undefined) out[kv.key] = v;
  }
  return out;
}

// The points of one export mostly share their times: the last conversion is kept to skip the bigint arithmetic.
let lastLow = 0;
let lastHigh = 0;
let lastUnsigned = false;
let lastNanos = 0n;

/** Nanoseconds since the epoch as a bigint (0n when absent or malformed). */
export function nanos(v: Int64 | null | undefined): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  if (isLong(v)) {
    if (v.low !== lastLow || v.high !== lastHigh || v.unsigned !== lastUnsigned) {
      lastNanos = longToBigInt(v);
      lastLow = v.low;
      lastHigh = v.high;
      lastUnsigned = v.unsigned;
    }
    return lastNanos;
  }
  try {
    return typeof v === 'number' ? BigInt(Math.trunc(v)) : BigInt(v);
  } catch {
    return 0n;
  }
}

/** Bytes as text: base64 for decoded protobuf bytes (as the protobuf JSON mapping writes them); JSON values as sent. */
export function bytesText(v: Bytes | null | undefined): string | undefined {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return v === null ? undefined : v;
}

export function nanosToMs(n: bigint): number {
  return Number(n / 1_000_000n);
}

/** A number from an attribute that may be sent as text (Claude Code sends token counts as strings). */
export function num(v: string | number | boolean | undefined): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function str(v: string | number | boolean | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  return s ? s : undefined;
}
