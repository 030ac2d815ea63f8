/**
 * Claude Code transcripts: `<config>/projects/<project>/<session>.jsonl`, plus
 * subagent transcripts in `<project>/<session>/subagents/*.jsonl`.
 *
 * Usage sits on assistant lines as `message.usage`. One API response that is
 * streamed as several content blocks is written as several lines sharing
 * `message.id` and `requestId`; the loader keeps one line per pair (see
 * dedup.ts). Summary, user and system lines carry no `message.usage` and are
 * skipped without parsing (the scanner only hands over lines containing
 * `_tokens"`; Task tool results that embed a subagent's usage are user lines
 * without `message.usage` and are skipped after parsing). Lines are read from
 * their bytes by fields.ts, with JSON.parse as the judge whenever it is unsure.
 */
import os from 'node:os';
import path from 'node:path';
import type { FileParser, LocalEntry, SourceAdapter } from '../local/entry.js';
import { envList, existingDirs } from '../local/paths.js';
import { pickFields, TIME_MS, UNSURE } from './fields.js';

/** Directories holding Claude Code projects, as ccusage finds them. */
export function claudeProjectRoots(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const configured = envList(env.CLAUDE_CONFIG_DIR);
  const bases = configured.length ? configured : [path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'claude'), path.join(home, '.claude')];
  return existingDirs(bases.map((b) => path.join(b, 'projects')));
}

/** Session and project from the file's place below the projects root. */
export function claudeFileIdentity(file: string, root: string): { project: string; sessionId: string } {
  const parts = path.relative(root, file).split(path.sep);
  const project = parts.length > 1 ? parts[0]! : '(unknown)';
  const base = path.basename(file, '.jsonl');
  // <project>/<session>/subagents/<agent>.jsonl: the usage belongs to the parent session.
  const sub = parts.lastIndexOf('subagents');
  const sessionId = sub >= 2 ? parts[sub - 1]! : base;
  return { project, sessionId };
}

interface RawUsage {
  cache_creation?: { ephemeral_1h_input_tokens?: unknown };
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  cache_read_input_tokens?: unknown;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/** The previous line's key: the chunks of one streamed response share it (one string, hashed once by dedup). */
let lastKey = { id: '', req: '', key: '' };
function keyOf(id: string, req: string): string {
  if (id !== lastKey.id || req !== lastKey.req) lastKey = { id, req, key: `${id}:${req}` };
  return lastKey.key;
}

export interface RawLine {
  message?: { id?: unknown; model?: unknown; usage?: RawUsage; stop_reason?: unknown };
  requestId?: unknown;
  timestamp?: unknown;
  costUSD?: unknown;
}

/** A line that JSON.parse accepts, or the same fields picked from its bytes (fields.ts), as an entry. */
export function toEntry(o: RawLine | null, project: string, sessionId: string): LocalEntry | null | 'malformed' {
  const m = o?.message;
  const u = m?.usage;
  if (!u || typeof u !== 'object' || typeof u.input_tokens !== 'number' || typeof u.output_tokens !== 'number') return null;
  const ms = (o as { [TIME_MS]?: unknown })[TIME_MS];
  const time = typeof ms === 'number' ? ms : typeof o!.timestamp === 'string' ? Date.parse(o!.timestamp) : NaN;
  if (!Number.isFinite(time)) return 'malformed';
  const id = typeof m.id === 'string' ? m.id : null;
  const req = typeof o!.requestId === 'string' ? o!.requestId : null;
  return {
    source: 'claude-code',
    key: id && req ? keyOf(id, req) : null,
    time,
    model: typeof m.model === 'string' && m.model ? m.model : 'unknown',
    sessionId,
    project,
    input: num(u.input_tokens),
    output: num(u.output_tokens),
    cacheRead: num(u.cache_read_input_tokens),
    cacheWrite: num(u.cache_creation_input_tokens),
    cacheWrite1h: Math.min(num(u.cache_creation?.ephemeral_1h_input_tokens), num(u.cache_creation_input_tokens)),
    reasoning: 0,
    costUSD: typeof o!.costUSD === 'number' && Number.isFinite(o!.costUSD) ? o!.costUSD : null,
    final: m.stop_reason != null,
  };
}

export function parseClaudeLine(text: string, project: string, sessionId: string): LocalEntry | null | 'malformed' {
  let o: RawLine | null;
  try {
    o = JSON.parse(text);
  } catch {
    return 'malformed';
  }
  return toEntry(o, project, sessionId);
}

/** The same as parseClaudeLine on the line's UTF-8 text, without decoding or parsing what a report never uses. */
export function parseClaudeBytes(buf: Buffer, start: number, end: number, project: string, sessionId: string): LocalEntry | null | 'malformed' {
  const o = pickFields(buf, start, end);
  return o === UNSURE ? parseClaudeLine(buf.toString('utf8', start, end), project, sessionId) : toEntry(o, project, sessionId);
}

export const claudeCode: SourceAdapter = {
  source: 'claude-code',
  // Every line that can count has message.usage."output_tokens", so lines without `_tokens"` are
  // skipped unread (whitespace around the colon does not matter). The pattern starts with `_`,
  // a byte that is rare in prose and JSON structure, so the search mostly runs at memchr speed
  // (measured 8 GB/s on generated transcripts, against 2.4 GB/s for `"output_tokens":`, whose
  // first byte `"` is everywhere); where `_` is dense (snake_case code) V8's search falls back
  // to Boyer-Moore-Horspool, the speed of the longer pattern.
  needle: Buffer.from('_tokens"'),
  roots: claudeProjectRoots,
  parser(file, root): FileParser {
    const { project, sessionId } = claudeFileIdentity(file, root);
    return {
      line: (text) => parseClaudeLine(text, project, sessionId),
      bytes: (buf, start, end) => parseClaudeBytes(buf, start, end, project, sessionId),
      snapshot: () => null,
    };
  },
};
