/** Local entries as usage events (src/domain/event.ts): counters and ids only, never text. */
import { createHash } from 'node:crypto';
import type { UsageEventInput } from '../../../domain/event.js';
import type { LocalEntry } from '../entry.js';

export interface EventIdentity {
  email?: string;
  machineId: string;
  /** Send project paths as they are instead of hashed (they can name customers or products). */
  plainProjects?: boolean;
}

export const hashProject = (p: string) => 'sha256:' + createHash('sha256').update(p).digest('hex').slice(0, 16);

/**
 * The event key. Claude Code responses are keyed by message id + request id, Codex turns
 * by millisecond timestamp + the session's running totals: neither depends on the machine
 * or on the collector's state, so the same usage read twice (two files, a deleted state
 * directory, a copied home) counts once. Lines without ids are keyed by their place in their file.
 */
export function eventKey(e: LocalEntry, id: EventIdentity, file: string, offset: number): string {
  if (e.key) return e.key;
  return `${id.machineId}:${createHash('sha256').update(file).digest('base64url').slice(0, 16)}:${offset}`;
}

export function toEvent(e: LocalEntry, key: string, id: EventIdentity): UsageEventInput {
  const ev: UsageEventInput = {
    key,
    time: e.time,
    source: e.source,
    tool: e.source,
    model: e.model,
    identity: { machineId: id.machineId, ...(id.email ? { email: id.email } : {}) },
    sessionId: e.sessionId.slice(0, 200),
    tokens: { input: e.input, output: e.output, cacheRead: e.cacheRead, cacheWrite: e.cacheWrite, reasoning: e.reasoning, ...(e.cacheWrite1h ? { cacheWrite1h: e.cacheWrite1h } : {}) },
    requests: 1,
    attributes: { project: id.plainProjects ? e.project.slice(0, 256) : hashProject(e.project) },
  };
  if (e.costUSD !== null && e.costUSD >= 0) ev.reportedCost = e.costUSD;
  return ev;
}
