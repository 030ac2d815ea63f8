/**
 * OTLP log records and spans -> usage events: one event per model call.
 *
 * Log events (each counted only when logs are the tool's usage signal, see ./rules.ts):
 *  - Claude Code `claude_code.api_request`: input_tokens, output_tokens,
 *    cache_read_tokens, cache_creation_tokens, cost_usd, model (numbers sent as text).
 *  - Gemini CLI `gemini_cli.api_response`: input_token_count,
 *    output_token_count, cached_content_token_count, thoughts_token_count, tool_token_count.
 *  - Codex `codex.sse_event` / `codex.websocket_event` with
 *    event.kind=response.completed: input_token_count, output_token_count,
 *    cached_token_count, reasoning_token_count. Codex emits some events twice
 *    (with and without identity); the key leaves identity out so the twins are
 *    one event, and within one export the twin with identity is kept.
 *  - Any other log event carrying gen_ai.usage.* (GenAI conventions).
 * Spans: any span carrying gen_ai.usage.input_tokens / output_tokens whose
 * gen_ai.operation.name is a model call; agent, workflow and tool spans repeat
 * their children's usage and are skipped.
 */
import { Describer, hash, stableJson, toolOf, type Described } from './describe.js';
import { providerFor, type PendingEvent, asArray } from './metrics.js';
import { attrsOf, bytesText, field, nanos, nanosToMs, num, str, type Attrs, type LogsRequest, type TracesRequest } from './model.js';
import { countsUsage, type OtlpOptions } from './rules.js';
import { emptyUsage, normalise, type RawUsage } from './usage.js';

export interface RecordsResult {
  events: PendingEvent[];
  rejected: number;
  errors: string[];
}

interface Extracted {
  usage: RawUsage;
  inputIncludesCache: boolean;
  model?: string;
  /** Key material that identifies the call regardless of which copy of the record carries it. */
  callId?: string;
}

const n = (a: Attrs, ...keys: string[]) => {
  for (const k of keys) {
    const v = num(a[k]);
    if (v !== undefined) return v;
  }
  return 0;
};
const has = (a: Attrs, ...keys: string[]) => keys.some((k) => num(a[k]) !== undefined);

function genAiUsage(a: Attrs): Extracted | undefined {
  if (!has(a, 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens')) return undefined;
  const u = emptyUsage();
  u.input = n(a, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens');
  u.output = n(a, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens');
  u.cacheRead = n(a, 'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens');
  u.cacheWrite = n(a, 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens');
  u.reasoningInOutput = n(a, 'gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens');
  u.requests = 1;
  return { usage: u, inputIncludesCache: true, model: str(a['gen_ai.response.model'] ?? a['gen_ai.request.model']) };
}

function logUsage(name: string, tool: string, a: Attrs): Extracted | undefined {
  const u = emptyUsage();
  u.requests = 1;
  if (name === 'claude_code.api_request' || (tool === 'claude-code' && name === 'api_request')) {
    u.input = n(a, 'input_tokens');
    u.output = n(a, 'output_tokens');
    u.cacheRead = n(a, 'cache_read_tokens');
    u.cacheWrite = n(a, 'cache_creation_tokens');
    const cost = num(a.cost_usd);
    if (cost !== undefined && cost >= 0) {
      u.cost = cost;
      u.hasCost = true;
    }
    return { usage: u, inputIncludesCache: false, model: str(a.model), callId: str(a.request_id) };
  }
  if (name === 'gemini_cli.api_response') {
    u.input = n(a, 'input_token_count');
    u.output = n(a, 'output_token_count');
    u.cacheRead = n(a, 'cached_content_token_count');
    u.thought = n(a, 'thoughts_token_count');
    u.toolInput = n(a, 'tool_token_count');
    return { usage: u, inputIncludesCache: true, model: str(a.model) };
  }
  if ((name === 'codex.sse_event' || name === 'codex.websocket_event') && a['event.kind'] === 'response.completed') {
    if (!has(a, 'input_token_count', 'output_token_count')) return undefined;
    u.input = n(a, 'input_token_count');
    u.output = n(a, 'output_token_count');
    u.cacheRead = n(a, 'cached_token_count');
    u.reasoningInOutput = n(a, 'reasoning_token_count');
    const when = str(a['event.timestamp']) ?? '';
    const id = str(a['response.id']) ?? `${str(a['conversation.id']) ?? ''}|${when}|${u.input}|${u.output}|${u.cacheRead}|${u.reasoningInOutput}`;
    return { usage: u, inputIncludesCache: true, model: str(a.model), callId: id };
  }
  if (tool !== 'claude-code' && tool !== 'gemini-cli' && tool !== 'codex') return genAiUsage(a);
  return undefined;
}

const NOT_MODEL_CALLS = new Set(['invoke_agent', 'create_agent', 'execute_tool', 'invoke_workflow']);

/** `contentKey` names the record when it carries no call id (only computed then). */
function toEvent(kind: string, d: Described, x: Extracted, attrs: Attrs, timeNanos: bigint, contentKey: () => string): PendingEvent {
  const norm = normalise(x.usage, x.inputIncludesCache);
  const provider = providerFor(d.tool, attrs);
  return {
    event: {
      key: x.callId ? hash(kind, d.tool, 'call', x.callId) : contentKey(),
      time: nanosToMs(timeNanos),
      source: 'otel',
      tool: d.tool,
      ...(provider ? { provider } : {}),
      model: x.model ?? 'unknown',
      identity: d.identity,
      ...(d.sessionId ? { sessionId: d.sessionId } : {}),
      ...norm,
      ...(d.attributes ? { attributes: d.attributes } : {}),
    },
    state: [],
  };
}

export function mapLogs(req: LogsRequest, opts: OtlpOptions): RecordsResult {
  const out: RecordsResult = { events: [], rejected: 0, errors: [] };
  const byCall = new Map<string, number>();
  for (const rl of asArray(req.resourceLogs)) {
    const resource = attrsOf(rl?.resource?.attributes);
    const resourceKey = stableJson(resource);
    for (const sl of asArray(rl?.scopeLogs)) {
      const tool = toolOf(resource, sl?.scope?.name);
      if (!countsUsage(opts, tool, 'logs')) continue;
      const describer = new Describer(tool, resource);
      for (const r of asArray(sl?.logRecords)) {
        if (!r) continue;
        const a = attrsOf(r.attributes);
        const body = r.body ? field(r.body, 'stringValue') : undefined;
        const name = str(field(r, 'eventName')!) ?? str(a['event.name']) ?? (body && /^[a-z_]+\.[a-z_.]+$/.test(body) ? body : '');
        const x = logUsage(name ?? '', tool, a);
        if (!x) continue;
        const d = describer.describe(a);
        if (d.problem || (x.model?.length ?? 0) > 200) {
          out.rejected++;
          if (out.errors.length < 5) out.errors.push(`${name}: ${d.problem ?? 'model is longer than 200 characters'}`);
          continue;
        }
        let t = nanos(r.timeUnixNano);
        if (t === 0n) {
          const iso = Date.parse(String(a['event.timestamp'] ?? ''));
          t = Number.isFinite(iso) ? BigInt(iso) * 1_000_000n : nanos(r.observedTimeUnixNano);
        }
        if (t === 0n) {
          out.rejected++;
          if (out.errors.length < 5) out.errors.push(`${name}: log record needs timeUnixNano`);
          continue;
        }
        const ev = toEvent('log', d, x, a, t, () => hash('log', resourceKey, stableJson(a), String(t), bytesText(r.spanId) ?? ''));
        if (x.callId) {
          // Twins of one call in the same export: keep the copy that says who it was.
          const seen = byCall.get(ev.event!.key!);
          if (seen !== undefined) {
            if (Object.keys(out.events[seen]!.event!.identity ?? {}).length < Object.keys(d.identity).length) out.events[seen] = ev;
            continue;
          }
          byCall.set(ev.event!.key!, out.events.length);
        }
        out.events.push(ev);
      }
    }
  }
  return out;
}

export function mapSpans(req: TracesRequest, opts: OtlpOptions): RecordsResult {
  const out: RecordsResult = { events: [], rejected: 0, errors: [] };
  for (const rs of asArray(req.resourceSpans)) {
    const resource = attrsOf(rs?.resource?.attributes);
    for (const ss of asArray(rs?.scopeSpans)) {
      const tool = toolOf(resource, ss?.scope?.name);
      if (!countsUsage(opts, tool, 'traces')) continue;
      const describer = new Describer(tool, resource);
      for (const s of asArray(ss?.spans)) {
        if (!s) continue;
        const a = attrsOf(s.attributes);
        if (NOT_MODEL_CALLS.has(String(a['gen_ai.operation.name'] ?? ''))) continue;
        const x = genAiUsage(a);
        if (!x) continue;
        const d = describer.describe(a);
        if (d.problem || (x.model?.length ?? 0) > 200) {
          out.rejected++;
          if (out.errors.length < 5) out.errors.push(`span ${s.name ?? ''}: ${d.problem ?? 'model is longer than 200 characters'}`);
          continue;
        }
        const t = nanos(s.endTimeUnixNano) || nanos(s.startTimeUnixNano);
        const spanId = bytesText(field(s, 'spanId'));
        if (t === 0n || !spanId) {
          out.rejected++;
          if (out.errors.length < 5) out.errors.push(`span ${s.name ?? ''}: needs spanId and endTimeUnixNano`);
          continue;
        }
        // Ids arrive as hex (JSON) or base64 (protobuf); either names the span uniquely.
        out.events.push(toEvent('span', d, x, a, t, () => hash('span', normaliseId(bytesText(field(s, 'traceId'))), normaliseId(spanId))));
      }
    }
  }
  return out;
}

function normaliseId(id: string | undefined): string {
  if (!id) return '';
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 16 || id.length === 32)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}
