/**
 * Five-hour billing windows, as ccusage draws them: a block starts at the hour
 * of its first entry and takes every entry until one falls more than the
 * block length after the block start or after the previous entry; a silence
 * longer than the block length shows as a gap block.
 */
import type { Pricer } from '../../../pricing/pricer.js';
import type { LocalEntry } from '../entry.js';
import { entryCost, type CostMode } from '../cost.js';

export const DEFAULT_BLOCK_HOURS = 5;

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export interface BurnRate {
  tokensPerMinute: number;
  costPerHour: number;
}

export interface Projection {
  totalTokens: number;
  totalCost: number;
  remainingMinutes: number;
}

/** With --token-limit (ccusage's): the active block's projection against the limit. */
export interface TokenLimitStatus {
  limit: number;
  projectedUsage: number;
  percentUsed: number;
  status: 'ok' | 'warning' | 'exceeds';
}

/** Above this share of the limit a projection is a warning (as ccusage). */
export const LIMIT_WARNING = 0.8;

/**
 * A token limit as ccusage reads --token-limit: a number, or `max` (or empty) for the most tokens
 * any finished block used; undefined when there is none.
 */
export function tokenLimit(value: string, blocks: BlockJson[]): number | undefined {
  if (value === '' || value === 'max') {
    let max = 0;
    for (const b of blocks) if (!b.isGap && !b.isActive && b.totalTokens > max) max = b.totalTokens;
    return max > 0 ? max : undefined;
  }
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? undefined : n;
}

/** Each block with a projection, measured against `limit` (blocks without one are left as they are). */
export function withLimit(blocks: BlockJson[], limit: number | undefined): BlockJson[] {
  if (limit === undefined) return blocks;
  return blocks.map((b) => {
    if (!b.projection) return b;
    const used = b.projection.totalTokens;
    const status = used > limit ? 'exceeds' : used > limit * LIMIT_WARNING ? 'warning' : 'ok';
    return { ...b, tokenLimitStatus: { limit, projectedUsage: used, percentUsed: (used / limit) * 100, status } };
  });
}

export interface BlockJson {
  id: string;
  startTime: string;
  endTime: string;
  actualEndTime: string | null;
  isActive: boolean;
  isGap: boolean;
  entries: number;
  tokenCounts: TokenCounts;
  totalTokens: number;
  costUSD: number;
  models: string[];
  burnRate: BurnRate | null;
  projection: Projection | null;
  tokenLimitStatus?: TokenLimitStatus;
}

interface Block {
  start: number;
  end: number;
  first: number;
  last: number;
  gap: boolean;
  entries: number;
  tokens: TokenCounts;
  cost: number;
  models: string[];
}

const HOUR = 3_600_000;

/** The blocks of `entries`, which come in time order (each read before the next: they may be one reused entry). */
export function identifyBlocks(
  entries: Iterable<LocalEntry>,
  opts: { hours?: number; mode: CostMode; pricer: Pricer | null; now: number },
): BlockJson[] {
  const len = (opts.hours ?? DEFAULT_BLOCK_HOURS) * HOUR;
  const pricer = opts.pricer;
  const blocks: Block[] = [];
  let cur: Block | null = null;
  const open = (t: number): Block => ({
    start: Math.floor(t / HOUR) * HOUR,
    end: Math.floor(t / HOUR) * HOUR + len,
    first: t,
    last: t,
    gap: false,
    entries: 0,
    tokens: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
    cost: 0,
    models: [],
  });
  for (const e of entries) {
    if (!cur) cur = open(e.time);
    else if (e.time - cur.start > len || e.time - cur.last > len) {
      blocks.push(cur);
      if (e.time - cur.last > len) {
        blocks.push({ ...open(cur.last + len), start: cur.last + len, end: e.time, first: cur.last + len, last: cur.last + len, gap: true });
      }
      cur = open(e.time);
    }
    cur.entries++;
    cur.last = e.time;
    cur.tokens.inputTokens += e.input;
    cur.tokens.outputTokens += e.output;
    cur.tokens.cacheCreationInputTokens += e.cacheWrite;
    cur.tokens.cacheReadInputTokens += e.cacheRead;
    cur.cost += entryCost(e, opts.mode, pricer);
    if (!cur.models.includes(e.model)) cur.models.push(e.model);
  }
  if (cur) blocks.push(cur);
  return blocks.map((b) => toJson(b, len, opts.now));
}

function toJson(b: Block, len: number, now: number): BlockJson {
  const isActive = !b.gap && now - b.last < len && now < b.end;
  const t = b.tokens;
  let burnRate: BurnRate | null = null;
  let projection: Projection | null = null;
  const minutes = (b.last - b.first) / 60_000;
  if (isActive && minutes > 0) {
    const io = t.inputTokens + t.outputTokens;
    burnRate = { tokensPerMinute: io / minutes, costPerHour: (b.cost / minutes) * 60 };
    const remainingMinutes = Math.max(0, (b.end - now) / 60_000);
    projection = {
      totalTokens: Math.round(io + burnRate.tokensPerMinute * remainingMinutes),
      totalCost: Math.round((b.cost + (burnRate.costPerHour / 60) * remainingMinutes) * 100) / 100,
      remainingMinutes: Math.round(remainingMinutes),
    };
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: b.gap ? `gap-${iso(b.start)}` : iso(b.start),
    startTime: iso(b.start),
    endTime: iso(b.end),
    actualEndTime: b.gap ? null : iso(b.last),
    isActive,
    isGap: b.gap,
    entries: b.entries,
    tokenCounts: t,
    totalTokens: t.inputTokens + t.outputTokens + t.cacheCreationInputTokens + t.cacheReadInputTokens,
    costUSD: b.cost,
    models: b.models,
    burnRate,
    projection,
  };
}
