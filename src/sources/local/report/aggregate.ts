/**
 * ccusage-shaped reports from local entries: daily, weekly, monthly, session.
 * Field names match ccusage's --json output so scripts written for it keep working.
 */
import type { Pricer } from '../../../pricing/pricer.js';
import type { LocalEntry } from '../entry.js';
import { entryCost, type CostMode } from '../cost.js';
import { dayKeyer, weekStart } from './dates.js';
import { ExactSum } from './sum.js';

export interface TokenTotals {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  totalCost: number;
}

export interface ModelBreakdown {
  modelName: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  cost: number;
}

export type UsageRow = TokenTotals & { modelsUsed: string[]; modelBreakdowns: ModelBreakdown[] };
/** `project`: with --project or --instances (ccusage's daily report), the project of the row. */
export type DailyRow = { date: string } & UsageRow & { project?: string };
export type WeeklyRow = { week: string } & UsageRow;
export type MonthlyRow = { month: string } & UsageRow;
export type SessionRow = { sessionId: string } & UsageRow & { lastActivity: string; projectPath: string };

export interface ReportOptions {
  timeZone: string;
  mode: CostMode;
  /** Inclusive `YYYY-MM-DD` bounds on the entry's day in `timeZone`. */
  since?: string;
  until?: string;
  order?: 'asc' | 'desc';
  startOfWeek?: number;
  /** Needed unless mode is `display` (run.ts loads it while the logs are read). */
  pricer: Pricer | null;
}

/** A model's breakdown while entries are added: its cost as an exact sum, so no order of entries changes a digit. */
type ModelAcc = ModelBreakdown & { sum: ExactSum };

interface Acc {
  models: Map<string, ModelAcc>;
  last: number;
  project: string;
}

/** Models that are not real models (Claude Code's synthetic error messages) stay out of model lists. */
export const isListedModel = (m: string) => m !== '<synthetic>';

function toRow(acc: Acc): UsageRow {
  const modelBreakdowns = [...acc.models.values()].map(({ sum, ...b }) => ({ ...b, cost: sum.value() })).sort((a, b) => b.cost - a.cost || (a.modelName < b.modelName ? -1 : 1));
  const t = emptyTotals();
  for (const b of modelBreakdowns) addBreakdown(t, b);
  return { ...t, modelsUsed: modelBreakdowns.map((b) => b.modelName).filter(isListedModel).sort(), modelBreakdowns };
}

export function emptyTotals(): TokenTotals {
  return { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0 };
}

function addBreakdown(t: TokenTotals, b: ModelBreakdown | TokenTotals): void {
  t.inputTokens += b.inputTokens;
  t.outputTokens += b.outputTokens;
  t.cacheCreationTokens += b.cacheCreationTokens;
  t.cacheReadTokens += b.cacheReadTokens;
  t.totalTokens = t.inputTokens + t.outputTokens + t.cacheCreationTokens + t.cacheReadTokens;
  t.totalCost += 'cost' in b ? b.cost : b.totalCost;
}

export function totalsOf(rows: TokenTotals[]): TokenTotals {
  const t = emptyTotals();
  for (const r of rows) addBreakdown(t, r);
  return t;
}

/** Group entries by `keyOf` (null drops the entry) and sum tokens and cost per model. Entries may be one reused object: none is kept. */
function group(entries: Iterable<LocalEntry>, keyOf: (e: LocalEntry, day: string) => string | null, o: ReportOptions): Map<string, Acc> {
  const day = dayKeyer(o.timeZone);
  const pricer = o.pricer;
  const groups = new Map<string, Acc>();
  for (const e of entries) {
    const d = day(e.time);
    if ((o.since && d < o.since) || (o.until && d > o.until)) continue;
    const k = keyOf(e, d);
    if (k === null) continue;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { models: new Map(), last: 0, project: e.project }));
    if (e.time > g.last) g.last = e.time;
    let m = g.models.get(e.model);
    if (!m) g.models.set(e.model, (m = { modelName: e.model, inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 0, sum: new ExactSum() }));
    m.inputTokens += e.input;
    m.outputTokens += e.output;
    m.cacheCreationTokens += e.cacheWrite;
    m.cacheReadTokens += e.cacheRead;
    m.sum.add(entryCost(e, o.mode, pricer));
  }
  return groups;
}

function ordered<T>(groups: Map<string, Acc>, o: ReportOptions, make: (key: string, acc: Acc) => T): T[] {
  const keys = [...groups.keys()].sort();
  if (o.order === 'desc') keys.reverse();
  return keys.map((k) => make(k, groups.get(k)!));
}

/**
 * `byProject` (ccusage's --instances, or --project): a row per day and project, each naming its
 * project (the Claude Code projects/ folder, the Codex working directory); rows by day, then
 * project name.
 */
export function dailyReport(entries: Iterable<LocalEntry>, o: ReportOptions & { byProject?: boolean }): DailyRow[] {
  if (!o.byProject) return ordered(group(entries, (_e, d) => d, o), o, (date, acc) => ({ date, ...toRow(acc) }));
  return ordered(group(entries, (e, d) => `${d}\0${e.project}`, o), o, (key, acc) => {
    const [date, project] = key.split('\0') as [string, string];
    return { date, ...toRow(acc), project };
  });
}

/** Daily rows by project (ccusage's --instances JSON): projects in the order of their first row. */
export function byProject(rows: DailyRow[]): Record<string, Omit<DailyRow, 'project'>[]> {
  const out: Record<string, Omit<DailyRow, 'project'>[]> = {};
  for (const { project, ...row } of rows) (out[project ?? 'unknown'] ??= []).push(row);
  return out;
}

export function weeklyReport(entries: Iterable<LocalEntry>, o: ReportOptions): WeeklyRow[] {
  const cache = new Map<string, string>();
  const weekOf = (d: string) => cache.get(d) ?? (cache.set(d, weekStart(d, o.startOfWeek ?? 0)), cache.get(d)!);
  return ordered(group(entries, (_e, d) => weekOf(d), o), o, (week, acc) => ({ week, ...toRow(acc) }));
}

export function monthlyReport(entries: Iterable<LocalEntry>, o: ReportOptions): MonthlyRow[] {
  return ordered(group(entries, (_e, d) => d.slice(0, 7), o), o, (month, acc) => ({ month, ...toRow(acc) }));
}

export function sessionReport(entries: Iterable<LocalEntry>, o: ReportOptions): SessionRow[] {
  const day = dayKeyer(o.timeZone);
  const groups = group(entries, (e) => `${e.source}\0${e.project}\0${e.sessionId}`, o);
  const rows = [...groups.entries()].map(([k, acc]) => {
    const [, project, sessionId] = k.split('\0') as [string, string, string];
    return { sessionId, ...toRow(acc), lastActivity: day(acc.last), projectPath: project, _last: acc.last };
  });
  // Most recent first unless asked otherwise, then by id for a stable order.
  rows.sort((a, b) => (o.order === 'asc' ? a._last - b._last : b._last - a._last) || (a.sessionId < b.sessionId ? -1 : 1));
  return rows.map(({ _last, ...r }) => r);
}
