/**
 * One model response read from a local log, before it becomes a usage event.
 * Token fields follow the usage event's meaning: `input` excludes cache reads
 * and writes, `output` includes reasoning, `reasoning` is a breakdown only.
 */
export type LocalSource = 'claude-code' | 'codex';

export interface LocalEntry {
  source: LocalSource;
  /** Idempotency / dedup key, stable across runs and machines; null when the log gives no ids. */
  key: string | null;
  /** Epoch milliseconds. */
  time: number;
  model: string;
  sessionId: string;
  /** The project as the log names it (Claude Code: the projects/ folder name; Codex: the working directory). */
  project: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** The part of cacheWrite written to the 1-hour cache (priced higher); a breakdown, not added again. */
  cacheWrite1h: number;
  reasoning: number;
  /** Cost the log itself recorded (Claude Code's costUSD), if any. */
  costUSD: number | null;
  /**
   * Cost from tokens with the bundled price catalogue (USD; 0 for unknown models), once worked
   * out: reports price an entry once and the usage index keeps it (cost.ts `priceEntries`).
   */
  calc?: number;
  /** Claude Code: the line carries a stop_reason, i.e. the response is complete. */
  final: boolean;
}

/** A stateful per-file line parser: sources such as Codex need earlier lines (model, running totals). */
export interface FileParser {
  /** null: the line carries no usage (skipped silently); 'malformed': counted and warned about. */
  line(text: string): LocalEntry | null | 'malformed';
  /** The same from the line's bytes `buf[start, end)` (UTF-8), when the source can skip decoding it. */
  bytes?(buf: Buffer, start: number, end: number): LocalEntry | null | 'malformed';
  /** JSON-safe state to resume the file mid-way (collector cursor). */
  snapshot(): unknown;
}

export interface SourceAdapter {
  source: LocalSource;
  /** Byte pattern every interesting line contains, to skip the others fast. */
  needle?: Buffer;
  /** Directories that hold this source's JSONL logs. */
  roots(env: NodeJS.ProcessEnv, home: string): string[];
  parser(file: string, root: string, resume?: unknown): FileParser;
}

export function totalTokens(e: { input: number; output: number; cacheRead: number; cacheWrite: number }): number {
  return e.input + e.output + e.cacheRead + e.cacheWrite;
}
