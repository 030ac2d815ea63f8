/**
 * Token semantics differ by tool; every one is normalised to tokenboard's
 * disjoint counts: uncached input, cache read, cache write, output (reasoning
 * included, and also reported separately as a breakdown).
 *
 * | tool / convention | input as sent | rule |
 * | --- | --- | --- |
 * | Claude Code (metrics `type`, log `*_tokens`) | excludes cache | input, cacheRead, cacheCreation -> cacheWrite, output as sent |
 * | Gemini CLI (`type` input/cache/thought/tool; api_response counts) | includes cached content | input - cache; thought is output billed on top (added to output and to reasoning); tool-use prompt tokens are extra input |
 * | Codex (`input_token_count`, `cached_token_count`, `reasoning_token_count`; metric token_type) | includes cached | input - cached; output already includes reasoning |
 * | GenAI conventions (`gen_ai.usage.*`, `gen_ai.client.token.usage`) | includes cached | input - cache_read - cache_creation |
 */
import type { Activity } from '../../domain/event.js';

export interface RawUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Thinking tokens billed on top of output (Gemini). */
  thought: number;
  /** Reasoning tokens already inside output (OpenAI, Codex). */
  reasoningInOutput: number;
  /** Tool-use prompt tokens billed on top of input (Gemini). */
  toolInput: number;
  cost: number;
  hasCost: boolean;
  requests: number;
  activity: Required<Activity>;
}

export type RawField = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'thought' | 'reasoningInOutput' | 'toolInput' | 'cost' | 'requests';

export function emptyUsage(): RawUsage {
  return {
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    thought: 0,
    reasoningInOutput: 0,
    toolInput: 0,
    cost: 0,
    hasCost: false,
    requests: 0,
    activity: { sessions: 0, linesAdded: 0, linesRemoved: 0, commits: 0, pullRequests: 0, activeSeconds: 0, editsAccepted: 0, editsRejected: 0 },
  };
}

export function addUsage(into: RawUsage, from: RawUsage): void {
  for (const k of ['input', 'output', 'cacheRead', 'cacheWrite', 'thought', 'reasoningInOutput', 'toolInput', 'cost', 'requests'] as const) into[k] += from[k];
  into.hasCost ||= from.hasCost;
  for (const k of Object.keys(into.activity) as (keyof Activity)[]) into.activity[k] += from.activity[k];
}

export interface NormalisedUsage {
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number };
  requests: number;
  reportedCost?: number;
  activity?: Activity;
}

/**
 * `inputIncludesCache`: the tool's input count already contains cache reads
 * (and writes); they are subtracted so input means uncached input.
 */
export function normalise(u: RawUsage, inputIncludesCache: boolean): NormalisedUsage {
  const i = Math.round;
  let input = u.input + u.toolInput;
  if (inputIncludesCache) input = Math.max(0, input - u.cacheRead - u.cacheWrite);
  const activity: Activity = {};
  for (const [k, v] of Object.entries(u.activity) as [keyof Activity, number][]) if (v > 0) activity[k] = i(v);
  return {
    tokens: {
      input: i(input),
      output: i(u.output + u.thought),
      cacheRead: i(u.cacheRead),
      cacheWrite: i(u.cacheWrite),
      reasoning: i(u.thought + u.reasoningInOutput),
    },
    requests: i(u.requests),
    ...(u.hasCost ? { reportedCost: u.cost } : {}),
    ...(Object.keys(activity).length ? { activity } : {}),
  };
}
