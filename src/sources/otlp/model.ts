/**
 * The OTLP export requests as plain objects (the OTLP/JSON mapping; protobuf is
 * decoded into the same shape). Only the fields tokenboard reads are declared.
 * Integers may arrive as numbers or decimal strings; both are accepted.
 */
export type Signal = 'metrics' | 'logs' | 'traces';

export type Int64 = string | number;

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
export interface KeyValue {
  key: string;
  value?: AnyValue;
}
export interface Resource {
  attributes?: KeyValue[];
}
export interface Scope {
  name?: string;
  version?: string;
}

export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
}
export interface HistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
}
/** 1 = delta, 2 = cumulative (AggregationTemporality). */
export type Temporality = 0 | 1 | 2;
export interface Metric {
  name: string;
  unit?: string;
  sum?: { dataPoints?: NumberDataPoint[]; aggregationTemporality?: Temporality; isMonotonic?: boolean };
  gauge?: { dataPoints?: NumberDataPoint[] };
  histogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: Temporality };
  exponentialHistogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: Temporality };
}
export interface MetricsRequest {
  resourceMetrics?: { resource?: Resource; scopeMetrics?: { scope?: Scope; metrics?: Metric[] }[] }[];
}

export interface LogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  eventName?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  traceId?: string;
  spanId?: string;
}
export interface LogsRequest {
  resourceLogs?: { resource?: Resource; scopeLogs?: { scope?: Scope; logRecords?: LogRecord[] }[] }[];
}

export interface Span {
  traceId?: string;
  spanId?: string;
  name?: string;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: KeyValue[];
}
export interface TracesRequest {
  resourceSpans?: { resource?: Resource; scopeSpans?: { scope?: Scope; spans?: Span[] }[] }[];
}

export type ExportRequest = MetricsRequest | LogsRequest | TracesRequest;

/** Attribute values flattened to scalars (arrays and maps become JSON text). */
export type Attrs = Record<string, string | number | boolean>;

export function anyValue(v: AnyValue | undefined): string | number | boolean | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(anyValue));
  if (v.kvlistValue) return JSON.stringify(Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key, anyValue(kv.value)])));
  return undefined;
}

export function attrsOf(list: KeyValue[] | undefined): Attrs {
  const out: Attrs = {};
  if (!list) return out;
  for (const kv of list) {
    if (!kv || typeof kv.key !== 'string') continue;
    const v = anyValue(kv.value);
    if (v !== undefined) out[kv.key] = v;
  }
  return out;
}

/** Nanoseconds since the epoch as a bigint (0n when absent or malformed). */
export function nanos(v: Int64 | undefined): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  try {
    return typeof v === 'number' ? BigInt(Math.trunc(v)) : BigInt(v);
  } catch {
    return 0n;
  }
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
