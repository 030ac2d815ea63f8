/**
 * Which signal counts for which tool, so the same usage is never counted
 * twice when a tool sends it more than once (Claude Code sends token counts as
 * metrics and as `api_request` log events; Gemini CLI as `gemini_cli.*` and
 * `gen_ai.*` metrics and as log events; Codex as log events, metrics and spans).
 *
 * One usage signal per tool (configurable with `usageFrom`):
 *  - claude-code: metrics (`claude_code.token.usage`, `claude_code.cost.usage`).
 *    They are on whenever OTEL_METRICS_EXPORTER=otlp, are never sampled, and
 *    carry the same identity attributes; `claude_code.api_request` events are
 *    ignored unless usageFrom['claude-code'] = 'logs'.
 *  - gemini-cli: metrics (`gemini_cli.token.usage`); `gen_ai.client.token.usage`
 *    from Gemini CLI repeats it for input/output and is always ignored;
 *    `gemini_cli.api_response` events count only with 'logs'.
 *  - codex: logs (`codex.sse_event` / `codex.websocket_event` with
 *    event.kind=response.completed): Codex exports metrics to Statsig by
 *    default and `codex exec` sends none, while events are always there.
 *    `codex.turn.token_usage` counts only with 'metrics'; Codex's own spans never.
 *  - genai (any other app following the GenAI conventions): spans, one
 *    event per model call with cache breakdown and request count;
 *    `gen_ai.client.token.usage` counts only with 'metrics' (then spans do not).
 * Activity metrics (sessions, lines, commits, PRs, active time, edit
 * decisions) always come from metrics: no other signal carries them.
 */
import type { Signal } from './model.js';
import type { ToolName } from './describe.js';

export type UsageTool = 'claude-code' | 'gemini-cli' | 'codex' | 'genai';

export const DEFAULT_USAGE_FROM: Record<UsageTool, Signal> = {
  'claude-code': 'metrics',
  'gemini-cli': 'metrics',
  codex: 'logs',
  genai: 'traces',
};

export interface OtlpOptions {
  usageFrom?: Partial<Record<UsageTool, Signal>>;
}

export function usageToolOf(tool: ToolName): UsageTool {
  return tool === 'claude-code' || tool === 'gemini-cli' || tool === 'codex' ? tool : 'genai';
}

export function countsUsage(opts: OtlpOptions, tool: ToolName, signal: Signal): boolean {
  const t = usageToolOf(tool);
  return (opts.usageFrom?.[t] ?? DEFAULT_USAGE_FROM[t]) === signal;
}

/** Parse `claude-code=logs,genai=metrics` (TOKENBOARD_OTLP_USAGE_FROM). */
export function parseUsageFrom(spec: string | undefined): OtlpOptions['usageFrom'] {
  const out: Partial<Record<UsageTool, Signal>> = {};
  for (const part of (spec ?? '').split(',')) {
    const [k, v] = part.split('=').map((s) => s?.trim());
    if (!k || !v) continue;
    if (!(k in DEFAULT_USAGE_FROM)) throw new Error(`unknown tool "${k}" in usage-from (use ${Object.keys(DEFAULT_USAGE_FROM).join(', ')})`);
    if (v !== 'metrics' && v !== 'logs' && v !== 'traces') throw new Error(`usage-from ${k} must be metrics, logs or traces`);
    out[k as UsageTool] = v;
  }
  return out;
}
