/** The `tokenboard usage` reports, as a function from options to output text (the command only prints). */
import type { LocalSource } from '../entry.js';
import { loadEntries, type LoadResult } from '../load.js';
import { progressBar } from '../progress.js';
import { priceTable, unpricedRows } from '../cost.js';
import type { Pricer } from '../../../pricing/pricer.js';
import type { LocalEntry } from '../entry.js';
import { byProject, dailyReport, monthlyReport, sessionReport, totalsOf, weeklyReport, type ReportOptions } from './aggregate.js';
import { DEFAULT_BLOCK_HOURS, identifyBlocks, tokenLimit, withLimit } from './blocks.js';
import { dayKeyer } from './dates.js';

export type ReportKind = 'daily' | 'weekly' | 'monthly' | 'session' | 'blocks';
export const REPORT_KINDS: readonly ReportKind[] = ['daily', 'weekly', 'monthly', 'session', 'blocks'];

/** The report's own options (all but the pricer, which runUsage loads) plus what to read and how to print. */
export interface UsageRunOptions extends Omit<ReportOptions, 'pricer'> {
  kind: ReportKind;
  sources: readonly LocalSource[];
  json: boolean;
  breakdown: boolean;
  sessionLength?: number;
  active?: boolean;
  recent?: boolean;
  /** Only this project's usage (ccusage's --project: the Claude Code projects/ folder name, the Codex working directory). */
  project?: string;
  /** Daily: a row per day and project, JSON grouped by project (ccusage's --instances). */
  instances?: boolean;
  /** Blocks: measure the active block's projection against this limit (a number, or `max`). */
  tokenLimit?: string;
  workers?: number | 'auto';
  /** Usage index file (log-index.ts); none: read every log in full. */
  index?: string | null;
  env?: NodeJS.ProcessEnv;
  home?: string;
  now?: number;
}

export interface UsageRunResult {
  output: string;
  warnings: string[];
  load: LoadResult;
}

const RECENT_MS = 3 * 86_400_000;

/** The period reports differ only in grouping, JSON key and labels. */
const PERIODS = {
  daily: { report: dailyReport, noun: 'day', head: 'Date' },
  weekly: { report: weeklyReport, noun: 'week', head: 'Week' },
  monthly: { report: monthlyReport, noun: 'month', head: 'Month' },
} as const;
/** The first field of a period row is its period (`date`, `week` or `month`). */
const periodOf = (row: object) => String(Object.values(row)[0]);

export async function runUsage(o: UsageRunOptions): Promise<UsageRunResult> {
  const bar = o.json ? null : progressBar('reading logs');
  // Tables (cli-table3 and its colour and width helpers) are loaded only for terminal output.
  const render = o.json ? null : await import('./render.js');
  // The price catalogue is the largest module of a report: with worker threads reading the
  // logs, this thread loads it meanwhile; otherwise only once there is something to price.
  let pricing: Promise<Pricer> | null = null;
  const loadPricer = () => (pricing ??= import('../pricing.js').then((m) => m.localPricer()));
  const load = await loadEntries({
    sources: o.sources,
    env: o.env,
    home: o.home,
    workers: o.workers,
    index: o.index,
    onProgress: bar?.update,
    onWorkersStarted: o.mode === 'display' ? undefined : loadPricer,
  });
  bar?.end();
  try {
    return { output: await report(o, load, loadPricer, render), warnings: load.warnings, load };
  } finally {
    load.spilled?.close();
  }
}

async function report(o: UsageRunOptions, load: LoadResult, loadPricer: () => Promise<Pricer>, render: typeof import('./render.js') | null): Promise<string> {
  // Entries keep their cost from tokens (and the usage index keeps it), so the catalogue is
  // loaded only for entries not priced before. Spilled entries (in files, past the memory
  // budget) are priced as the report reads them.
  const table = load.table;
  let pricer: Pricer | null = null;
  if (table) {
    const priced = unpricedRows(table, o.mode, 1) ? priceTable(table, o.mode, await loadPricer()) : 0;
    if (load.index && (load.index.changed || priced)) load.index.save();
  } else if (o.mode !== 'display') pricer = await loadPricer();
  // Period and session reports take entries in any order; blocks take them in time order.
  const only = (it: Iterable<LocalEntry>) => (o.project === undefined ? it : ofProject(it, o.project));
  const entries = () => only(table ? table.reused() : load.spilled!.byTime());
  const inTimeOrder = () => only(table ? table.byTime() : load.spilled!.byTime());
  const r: ReportOptions = { timeZone: o.timeZone, mode: o.mode, since: o.since, until: o.until, order: o.order, startOfWeek: o.startOfWeek, pricer };
  const text = (s: unknown) => (o.json ? JSON.stringify(s, null, 2) : String(s));
  let output: string;
  switch (o.kind) {
    case 'daily': {
      const byProj = !!(o.instances || o.project !== undefined);
      const rows = dailyReport(entries(), { ...r, byProject: byProj });
      const labelled = rows.map((x) => ({ label: x.date, row: x, section: o.instances ? x.project : undefined }));
      output = o.json
        ? text(o.instances ? { projects: byProject(rows), totals: totalsOf(rows) } : { daily: rows, totals: totalsOf(rows) })
        : render!.usageTable('Token usage by day', 'Date', o.instances ? sectioned(labelled) : labelled, totalsOf(rows), { breakdown: o.breakdown });
      break;
    }
    case 'weekly':
    case 'monthly': {
      const p = PERIODS[o.kind];
      const rows = p.report(entries(), r);
      output = o.json
        ? text({ [o.kind]: rows, totals: totalsOf(rows) })
        : render!.usageTable(`Token usage by ${p.noun}`, p.head, rows.map((x) => ({ label: periodOf(x), row: x })), totalsOf(rows), { breakdown: o.breakdown });
      break;
    }
    case 'session': {
      const rows = sessionReport(entries(), r);
      output = o.json
        ? text({ sessions: rows, totals: totalsOf(rows) })
        : render!.usageTable(
            'Token usage by session',
            'Session',
            rows.map((x) => ({ label: `${x.projectPath}\n${x.sessionId}`, row: x, trailing: x.lastActivity })),
            totalsOf(rows),
            { breakdown: o.breakdown, trailingHead: 'Last Activity' },
          );
      break;
    }
    case 'blocks': {
      const now = o.now ?? Date.now();
      // As ccusage: blocks are drawn over every entry, then --since/--until keep those that start
      // on those days in the report's time zone (a filter on entries would cut blocks apart).
      let blocks = identifyBlocks(inTimeOrder(), { hours: o.sessionLength ?? DEFAULT_BLOCK_HOURS, mode: o.mode, pricer, now });
      if (o.since || o.until) {
        const day = dayKeyer(o.timeZone);
        blocks = blocks.filter((b) => {
          const d = day(Date.parse(b.startTime));
          return (!o.since || d >= o.since) && (!o.until || d <= o.until);
        });
      }
      // `max`: the most tokens of a finished block, before --recent and --active keep some (as ccusage).
      if (o.tokenLimit !== undefined) blocks = withLimit(blocks, tokenLimit(o.tokenLimit, blocks));
      if (o.recent) blocks = blocks.filter((b) => Date.parse(b.startTime) >= now - RECENT_MS || b.isActive);
      if (o.active) blocks = blocks.filter((b) => b.isActive);
      output = o.json ? text(o.active && !blocks.length ? { blocks, message: 'No active block' } : { blocks }) : render!.blocksTable(blocks, o.timeZone);
      break;
    }
  }
  return output;
}

function* ofProject(entries: Iterable<LocalEntry>, project: string): Generator<LocalEntry> {
  for (const e of entries) if (e.project === project) yield e;
}

/** Table rows by project (--instances): each project's days together, projects in the order of their first day. */
function sectioned<T extends { section?: string }>(rows: T[]): T[] {
  const groups = new Map<string | undefined, T[]>();
  for (const x of rows) (groups.get(x.section) ?? groups.set(x.section, []).get(x.section)!).push(x);
  return [...groups.values()].flat();
}
