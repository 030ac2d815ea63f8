/**
 * OTLP metrics -> usage events.
 *
 * 1. collect: every data point of a known metric becomes a MetricPoint with a
 *    series id (metric, resource, scope, point attributes).
 * 2. resolve: delta points are used as sent; cumulative points are turned into
 *    deltas against the stored state of their series (see ./temporality.ts).
 * 3. group: the deltas of one export that share tool, identity, session,
 *    model and attributes (e.g. Claude Code's four token types and its cost)
 *    become one event, keyed by the series and intervals that went into it,
 *    so a retried export yields the same keys and is stored once.
 */
import type { Activity, UsageEventInput } from '../../domain/event.js';
import { Describer, hash, providerOf, stableJson, toolOf, type Described } from './describe.js';
import { attrsOf, field, int64, nanos, nanosToMs, num, str, type Attrs, type MetricsRequest, type Temporality } from './model.js';
import { countsUsage, type OtlpOptions } from './rules.js';
import { advance, type SeriesState } from './temporality.js';
import { emptyUsage, normalise, type RawField, type RawUsage } from './usage.js';

type Target = { usage: RawField } | { activity: keyof Activity } | undefined;

interface MetricRule {
  /** Counts toward usage (subject to the per-tool signal choice) or activity (always). */
  kind: 'usage' | 'activity';
  inputIncludesCache: boolean;
  target(a: Attrs): Target;
}

const byType = (attr: string, map: Record<string, RawField>) => (a: Attrs): Target => {
  const f = map[String(a[attr] ?? '')];
  return f ? { usage: f } : undefined;
};
const activity = (f: keyof Activity) => (): Target => ({ activity: f });
const lines = (a: Attrs): Target =>
  a.type === 'added' ? { activity: 'linesAdded' } : a.type === 'removed' ? { activity: 'linesRemoved' } : undefined;

export const METRIC_RULES: Record<string, MetricRule> = {
  'claude_code.token.usage': { kind: 'usage', inputIncludesCache: false, target: byType('type', { input: 'input', output: 'output', cacheRead: 'cacheRead', cacheCreation: 'cacheWrite' }) },
  'claude_code.cost.usage': { kind: 'usage', inputIncludesCache: false, target: () => ({ usage: 'cost' }) },
  'claude_code.session.count': { kind: 'activity', inputIncludesCache: false, target: activity('sessions') },
  'claude_code.lines_of_code.count': { kind: 'activity', inputIncludesCache: false, target: lines },
  'claude_code.commit.count': { kind: 'activity', inputIncludesCache: false, target: activity('commits') },
  'claude_code.pull_request.count': { kind: 'activity', inputIncludesCache: false, target: activity('pullRequests') },
  'claude_code.active_time.total': { kind: 'activity', inputIncludesCache: false, target: activity('activeSeconds') },
  'claude_code.code_edit_tool.decision': {
    kind: 'activity',
    inputIncludesCache: false,
    target: (a) => (a.decision === 'accept' ? { activity: 'editsAccepted' } : a.decision === 'reject' ? { activity: 'editsRejected' } : undefined),
  },
  'gemini_cli.token.usage': { kind: 'usage', inputIncludesCache: true, target: byType('type', { input: 'input', output: 'output', cache: 'cacheRead', thought: 'thought', tool: 'toolInput' }) },
  'gemini_cli.session.count': { kind: 'activity', inputIncludesCache: true, target: activity('sessions') },
  'gemini_cli.lines.changed': { kind: 'activity', inputIncludesCache: true, target: lines },
  'codex.turn.token_usage': {
    kind: 'usage',
    inputIncludesCache: true,
    target: byType('token_type', { input: 'input', output: 'output', cached_input: 'cacheRead', reasoning_output: 'reasoningInOutput' }),
  },
  'gen_ai.client.token.usage': { kind: 'usage', inputIncludesCache: true, target: byType('gen_ai.token.type', { input: 'input', output: 'output' }) },
};

/** Tools whose own metrics already carry what their gen_ai.* metrics repeat. */
const GENAI_DUPLICATED_BY = new Set(['gemini-cli', 'codex', 'claude-code']);

export interface MetricPoint {
  seriesId: string;
  temporality: Temporality;
  startNanos: bigint;
  timeNanos: bigint;
  /** `${startNanos}-${timeNanos}` and `${timeNanos}`, made once for the points that share them. */
  interval: string;
  timeText: string;
  value: number;
  target: NonNullable<Target>;
  described: Described;
  model: string;
  provider?: string;
  inputIncludesCache: boolean;
}

export interface Collected {
  points: MetricPoint[];
  rejected: number;
  errors: string[];
}

export function collectMetricPoints(req: MetricsRequest, opts: OtlpOptions): Collected {
  const out: Collected = { points: [], rejected: 0, errors: [] };
  const reject = (why: string) => {
    out.rejected++;
    if (out.errors.length < 5) out.errors.push(why);
  };
  let interval = '';
  let timeText = '';
  let lastStart = -1n;
  let lastTime = -1n;
  for (const rm of asArray(req.resourceMetrics)) {
    const resource = attrsOf(rm?.resource?.attributes);
    const resourceKey = stableJson(resource);
    for (const sm of asArray(rm?.scopeMetrics)) {
      const scopeName = sm?.scope?.name;
      const tool = toolOf(resource, scopeName);
      const describer = new Describer(tool, resource);
      for (const m of asArray(sm?.metrics)) {
        const rule = m && METRIC_RULES[m.name!];
        if (!rule) continue;
        if (m.name!.startsWith('gen_ai.') && GENAI_DUPLICATED_BY.has(tool)) continue;
        if (rule.kind === 'usage' && !countsUsage(opts, tool, 'metrics')) continue;
        const agg = m.sum ?? m.histogram ?? m.exponentialHistogram;
        if (!agg) continue; // gauges carry no usage
        const temporality = (agg.aggregationTemporality ?? 0) as Temporality;
        const seriesPrefix = `series\0${m.name}\0${resourceKey}\0${scopeName ?? ''}\0`;
        for (const p of asArray(agg.dataPoints) as (Record<string, unknown> & { attributes?: never })[]) {
          const attrs = attrsOf(p.attributes);
          const target = rule.target(attrs);
          if (!target) continue;
          if (temporality !== 1 && temporality !== 2) {
            reject(`${m.name}: aggregationTemporality must be DELTA (1) or CUMULATIVE (2)`);
            continue;
          }
          const value = m.sum ? num(int64(field(p, 'asInt') as string | undefined) ?? (field(p, 'asDouble') as number | undefined)) : num(field(p, 'sum') as number | undefined);
          const timeNanos = nanos(p.timeUnixNano as string | undefined);
          if (value === undefined || value < 0) {
            reject(`${m.name}: data point value must be a number >= 0`);
            continue;
          }
          if (timeNanos === 0n) {
            reject(`${m.name}: data point needs timeUnixNano`);
            continue;
          }
          const described = describer.describe(attrs);
          if (described.problem) {
            reject(`${m.name}: ${described.problem}`);
            continue;
          }
          const model = str(attrs.model ?? attrs['gen_ai.response.model'] ?? attrs['gen_ai.request.model']) ?? 'unknown';
          if (model.length > 200) {
            reject(`${m.name}: model is longer than 200 characters`);
            continue;
          }
          const startNanos = nanos(p.startTimeUnixNano as string | undefined);
          if (startNanos !== lastStart || timeNanos !== lastTime) {
            if (timeNanos !== lastTime) timeText = String(timeNanos);
            interval = `${startNanos}-${timeText}`;
            lastStart = startNanos;
            lastTime = timeNanos;
          }
          out.points.push({
            // = hash('series', m.name, resourceKey, scopeName ?? '', stableJson(attrs)), the prefix built once per metric
            seriesId: hash(seriesPrefix + stableJson(attrs)),
            temporality,
            startNanos,
            timeNanos,
            interval,
            timeText,
            value,
            target,
            described,
            model,
            provider: providerFor(tool, attrs),
            inputIncludesCache: rule.inputIncludesCache,
          });
        }
      }
    }
  }
  return out;
}

export function providerFor(tool: string, attrs: Attrs): string | undefined {
  if (tool === 'claude-code') return 'anthropic';
  if (tool === 'gemini-cli') return 'google';
  return providerOf(str(attrs['gen_ai.provider.name'] ?? attrs['gen_ai.system']));
}

/** A usage event plus the series state to write in the same transaction. */
export interface PendingEvent {
  /** Absent when only series state moves (a cumulative series that did not change). */
  event?: UsageEventInput;
  state: [string, SeriesState][];
}

interface Group {
  first: MetricPoint;
  timeNanos: bigint;
  usage: RawUsage;
  parts: string[];
  state: [string, SeriesState][];
  hasTokens: boolean;
}

/**
 * Turn points into events. `state` holds the stored state of the cumulative
 * series (it is updated in place as points are used). Returns the events and
 * how many points were stale (already counted: a retry or an out-of-order export).
 */
export function pointsToEvents(points: MetricPoint[], state: Map<string, SeriesState>): { events: PendingEvent[]; stale: number } {
  // By description, then model and time; `groups` keeps the order they were first seen in.
  const byDescription = new Map<string, Map<string, Group>>();
  const groups: Group[] = [];
  let stale = 0;
  for (const p of points) {
    let delta = p.value;
    let part = `${p.seriesId}@${p.interval}`;
    let newState: SeriesState | undefined;
    if (p.temporality === 2) {
      const r = advance(state.get(p.seriesId), { start: p.startNanos, time: p.timeNanos, value: p.value }, p.target && 'activity' in p.target);
      if (r.stale) {
        stale++;
        continue;
      }
      delta = r.delta;
      newState = r.state;
      state.set(p.seriesId, r.state);
      part = `${p.seriesId}@c${p.interval}`;
    }
    if (delta === 0 && !newState) continue;
    const d = p.described;
    let sameDescription = byDescription.get(d.groupKey);
    if (!sameDescription) byDescription.set(d.groupKey, (sameDescription = new Map()));
    const gk = `${p.model}\0${p.timeText}`;
    let g = sameDescription.get(gk);
    if (!g) {
      g = { first: p, timeNanos: p.timeNanos, usage: emptyUsage(), parts: [], state: [], hasTokens: false };
      sameDescription.set(gk, g);
      groups.push(g);
    }
    g.parts.push(part);
    if (newState) g.state.push([p.seriesId, newState]);
    if ('usage' in p.target) {
      if (p.target.usage === 'cost') {
        g.usage.cost += delta;
        g.usage.hasCost = true;
      } else {
        g.usage[p.target.usage] += delta;
        g.hasTokens = true;
      }
    } else if (p.target.activity === 'sessions' && d.sessionId) {
      // With a session id the store counts distinct sessions itself; the counter would count them again.
    } else {
      g.usage.activity[p.target.activity] += delta;
    }
  }

  const events: PendingEvent[] = [];
  for (const g of groups) {
    const p = g.first;
    const n = normalise(g.usage, p.inputIncludesCache);
    const empty = !g.hasTokens && !g.usage.hasCost && !n.activity && !p.described.sessionId;
    if (empty) {
      // Nothing to count (a cumulative series that did not move): keep its state only.
      if (g.state.length) events.push({ state: g.state });
      continue;
    }
    // Claude Code reports cost in its own series: tokens without it in this group get cost 0, not list price,
    // so the cost series (which may arrive in another group) is not added to a computed one.
    if (p.described.tool === 'claude-code' && g.hasTokens && n.reportedCost === undefined) n.reportedCost = 0;
    g.parts.sort();
    events.push({
      event: {
        key: hash('otlp-metrics', ...g.parts),
        time: nanosToMs(g.timeNanos),
        source: 'otel',
        tool: p.described.tool,
        ...(p.provider ? { provider: p.provider } : {}),
        model: p.model,
        identity: p.described.identity,
        ...(p.described.sessionId ? { sessionId: p.described.sessionId } : {}),
        ...n,
        ...(p.described.attributes ? { attributes: p.described.attributes } : {}),
      },
      state: g.state,
    });
  }
  return { events, stale };
}

function asArray<T>(v: T[] | undefined | null): T[] {
  return Array.isArray(v) ? v : [];
}
export { asArray };
