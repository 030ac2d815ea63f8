/**
 * Validate and price the events the receiver built: the same answers as the
 * ingest pipeline's validateBatch (the UsageEventSchema decides), made cheap.
 *
 * The receiver builds every event itself, with the same handful of keys, and
 * most of an event is shared with its neighbours: the identity and attribute
 * objects come from one describe() per person and session (./describe.ts).
 * So the schema checks those shared objects once each, and the per-event
 * fields (time, numbers, short texts) are checked against the same rules
 * inline. Anything that is not plainly valid goes through the full schema,
 * so a refusal names the same field and reason as before, and an accepted
 * event is exactly the schema's output (trimmed texts, lower-cased email,
 * fields in schema order).
 */
import { ACTIVITY_FIELDS, EventTimeSchema, IdentitySchema, parseEvent, UsageEventSchema, type RejectedItem, type UsageEvent, type UsageEventInput } from '../../domain/event.js';
import { prepare } from '../../ingest/pipeline.js';
import type { Pricer } from '../../pricing/pricer.js';
import type { PreparedEvent } from '../../store/types.js';

const AttributesSchema = UsageEventSchema.shape.attributes;

type Checked<T> = { ok: true; value: T } | { ok: false };

/** Schema outputs of shared objects, by object: events of one person share their identity and attribute objects. */
const identities = new WeakMap<object, Checked<UsageEvent['identity']>>();
const attributeSets = new WeakMap<object, Checked<UsageEvent['attributes']>>();

function checkShared<T>(cache: WeakMap<object, Checked<T>>, obj: object, parse: (v: unknown) => { success: boolean; data?: T }): Checked<T> {
  let c = cache.get(obj);
  if (!c) {
    const r = parse(obj);
    c = r.success ? { ok: true, value: r.data as T } : { ok: false };
    cache.set(obj, c);
  }
  return c;
}

let lastTime: unknown;
let lastTimeOk: Checked<number> = { ok: false };

function checkTime(t: unknown): Checked<number> {
  // Metric events of one export share their time; log events rarely do.
  if (t !== lastTime) {
    const r = EventTimeSchema.safeParse(t);
    lastTime = t;
    lastTimeOk = r.success ? { ok: true, value: r.data } : { ok: false };
  }
  return lastTimeOk;
}

/** Texts the schema takes as they are: shortString(max) (trim, min 1, max) changes nothing. */
function plainText(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= max && v.trim() === v;
}

/** The schema's nonNegInt. */
function count(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

const EVENT_KEYS = new Set(Object.keys(UsageEventSchema.shape));

/** The schema's output for an event that is plainly valid, or undefined (then the full schema decides). */
function fastParse(e: UsageEventInput): UsageEvent | undefined {
  for (const k in e) if (!EVENT_KEYS.has(k) || e[k as keyof UsageEventInput] === undefined) return undefined;
  if (e.key !== undefined && !plainText(e.key, 256)) return undefined;
  if (e.source !== 'otel') return undefined;
  if (e.tool !== undefined && !plainText(e.tool, 100)) return undefined;
  if (e.provider !== undefined && !plainText(e.provider, 100)) return undefined;
  if (!plainText(e.model, 200)) return undefined;
  if (e.sessionId !== undefined && !plainText(e.sessionId, 200)) return undefined;
  const t = e.tokens as Record<string, unknown> | undefined;
  if (!t || Object.keys(t).length !== 5) return undefined;
  if (!count(t.input) || !count(t.output) || !count(t.cacheRead) || !count(t.cacheWrite) || !count(t.reasoning)) return undefined;
  if (!count(e.requests)) return undefined;
  const cost = e.reportedCost;
  if (cost !== undefined && !(typeof cost === 'number' && Number.isFinite(cost) && cost >= 0)) return undefined;
  let activity: UsageEvent['activity'];
  if (e.activity !== undefined) {
    const a = e.activity as Record<string, unknown>;
    if (!a || typeof a !== 'object') return undefined;
    let n = 0;
    activity = {};
    // The schema's output lists activity fields in its own order.
    for (const k of ACTIVITY_FIELDS) {
      const v = a[k];
      if (v === undefined) continue;
      if (!count(v)) return undefined;
      activity[k] = v;
      n++;
    }
    if (n !== Object.keys(a).length) return undefined;
  }
  if (!e.identity || typeof e.identity !== 'object') return undefined;
  const identity = checkShared(identities, e.identity, (v) => IdentitySchema.safeParse(v));
  if (!identity.ok) return undefined;
  let attributes: UsageEvent['attributes'];
  if (e.attributes !== undefined) {
    if (!e.attributes || typeof e.attributes !== 'object') return undefined;
    const a = checkShared(attributeSets, e.attributes, (v) => AttributesSchema.safeParse(v));
    if (!a.ok) return undefined;
    attributes = a.value;
  }
  const time = checkTime(e.time);
  if (!time.ok) return undefined;
  // Built in the schema's key order, optional fields only when present, as the schema's output is.
  const out: Record<string, unknown> = {};
  if (e.key !== undefined) out.key = e.key;
  out.time = time.value;
  out.source = e.source;
  if (e.tool !== undefined) out.tool = e.tool;
  if (e.provider !== undefined) out.provider = e.provider;
  out.model = e.model;
  out.identity = identity.value;
  if (e.sessionId !== undefined) out.sessionId = e.sessionId;
  out.tokens = { input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite, reasoning: t.reasoning };
  out.requests = e.requests;
  if (cost !== undefined) out.reportedCost = cost;
  if (attributes !== undefined) out.attributes = attributes;
  if (activity !== undefined) out.activity = activity;
  return out as UsageEvent;
}

/** validateBatch for receiver-built events: same prepared events, same refusals. */
export function validateEvents(items: UsageEventInput[], pricer: Pricer): { prepared: PreparedEvent[]; rejected: RejectedItem[] } {
  const prepared: PreparedEvent[] = [];
  const rejected: RejectedItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const fast = fastParse(items[i]!);
    if (fast) {
      prepared.push(prepare(fast, pricer));
      continue;
    }
    const r = parseEvent(items[i], i);
    if (r.ok) prepared.push(prepare(r.event, pricer));
    else rejected.push(r.rejected);
  }
  return { prepared, rejected };
}
