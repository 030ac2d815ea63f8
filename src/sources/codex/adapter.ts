/**
 * Codex CLI rollouts: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`.
 *
 * Usage arrives as `event_msg` lines of type `token_count` whose `info` holds
 * `last_token_usage` (this turn) and `total_token_usage` (running total for the
 * session). Counting rules:
 * - a token_count whose running total equals the previous one is a re-emission
 *   and is skipped;
 * - the turn is `last_token_usage`, or the difference of running totals when
 *   an older Codex wrote only totals;
 * - `input_tokens` include `cached_input_tokens`: input = input - cached;
 * - a forked session starts with a copy of its parent's lines, with the same
 *   timestamps and totals, so the key (timestamp + running total) is the same
 *   and the loader counts the copy once.
 * The model comes from the latest `turn_context` (or the token_count itself);
 * files from before Codex recorded it fall back to gpt-5, as ccusage does.
 */
import os from 'node:os';
import path from 'node:path';
import type { FileParser, LocalEntry, SourceAdapter } from '../local/entry.js';
import { envList, existingDirs } from '../local/paths.js';

export const CODEX_FALLBACK_MODEL = 'gpt-5';

export function codexSessionRoots(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const configured = envList(env.CODEX_HOME);
  const bases = configured.length ? configured : [path.join(home, '.codex')];
  return existingDirs(bases.map((b) => path.join(b, 'sessions')));
}

interface Usage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

interface CodexState {
  sessionId: string;
  project: string;
  model: string | null;
  total: Usage | null;
}

/** Lines are decoded as latin1 for speed (see read.ts); paths are turned back into UTF-8. */
const utf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8');
const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

function usageOf(raw: unknown): Usage | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  return { input: n(r.input_tokens), cached: n(r.cached_input_tokens), output: n(r.output_tokens), reasoning: n(r.reasoning_output_tokens) };
}

const same = (a: Usage, b: Usage) => a.input === b.input && a.cached === b.cached && a.output === b.output && a.reasoning === b.reasoning;
const minus = (a: Usage, b: Usage | null): Usage =>
  b
    ? { input: Math.max(0, a.input - b.input), cached: Math.max(0, a.cached - b.cached), output: Math.max(0, a.output - b.output), reasoning: Math.max(0, a.reasoning - b.reasoning) }
    : a;
const tuple = (u: Usage) => `${u.input}/${u.cached}/${u.output}/${u.reasoning}`;

export class CodexFileParser implements FileParser {
  private s: CodexState;
  constructor(file: string, resume?: unknown) {
    const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(file);
    this.s = (resume as CodexState | undefined) ?? { sessionId: m ? m[1]! : path.basename(file, '.jsonl'), project: '(unknown)', model: null, total: null };
  }
  snapshot(): unknown {
    return { ...this.s };
  }
  line(text: string): LocalEntry | null | 'malformed' {
    let o: { timestamp?: unknown; type?: unknown; payload?: Record<string, unknown> };
    try {
      o = JSON.parse(text);
    } catch {
      return 'malformed';
    }
    const p = o?.payload;
    if (!p || typeof p !== 'object') return null;
    if (o.type === 'session_meta') {
      if (typeof p.id === 'string') this.s.sessionId = p.id;
      if (typeof p.cwd === 'string') this.s.project = utf8(p.cwd);
      return null;
    }
    if (o.type === 'turn_context') {
      if (typeof p.model === 'string' && p.model) this.s.model = p.model;
      if (typeof p.cwd === 'string' && this.s.project === '(unknown)') this.s.project = utf8(p.cwd);
      return null;
    }
    if (o.type !== 'event_msg' || p.type !== 'token_count') return null;
    const info = p.info as Record<string, unknown> | null | undefined;
    if (!info || typeof info !== 'object') return null;
    const total = usageOf(info.total_token_usage);
    const last = usageOf(info.last_token_usage);
    if (total && this.s.total && same(total, this.s.total)) return null; // re-emitted
    const turn = last ?? (total ? minus(total, this.s.total) : null);
    if (total) this.s.total = total;
    if (!turn) return null;
    const time = typeof o.timestamp === 'string' ? Date.parse(o.timestamp) : NaN;
    if (!Number.isFinite(time)) return 'malformed';
    const model = (typeof info.model === 'string' && info.model) || (typeof p.model === 'string' && p.model) || this.s.model || CODEX_FALLBACK_MODEL;
    const cached = Math.min(turn.cached, turn.input);
    return {
      source: 'codex',
      key: `${o.timestamp}:${tuple(total ?? turn)}`,
      time,
      model,
      sessionId: this.s.sessionId,
      project: this.s.project,
      input: turn.input - cached,
      output: turn.output,
      cacheRead: cached,
      cacheWrite: 0,
      cacheWrite1h: 0,
      reasoning: Math.min(turn.reasoning, turn.output),
      costUSD: null,
      final: true,
    };
  }
}

export const codex: SourceAdapter = {
  source: 'codex',
  roots: codexSessionRoots,
  parser: (file, _root, resume) => new CodexFileParser(file, resume),
};
