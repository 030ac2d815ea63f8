/** `tokenboard usage daily|weekly|monthly|session|blocks`: ccusage-style reports from local agent logs. */
import { spawnSync } from 'node:child_process';
import { Command, Option } from 'commander';
import { LOCAL_SOURCES } from '../../sources/local/adapters.js';
import type { LocalSource } from '../../sources/local/entry.js';
import { COST_MODES, type CostMode } from '../../sources/local/cost.js';
import { defaultIndexFile } from '../../sources/local/log-index.js';
import { assertTimeZone, parseDay, systemTimeZone, WEEKDAYS } from '../../sources/local/report/dates.js';
import { REPORT_KINDS, runUsage, type ReportKind } from '../../sources/local/report/run.js';

/** At most this many malformed-line warnings are printed; the count is always given. */
const MAX_WARNINGS = 10;

interface UsageFlags {
  json?: boolean;
  breakdown?: boolean;
  timezone?: string;
  mode: CostMode;
  since?: string;
  until?: string;
  order: 'asc' | 'desc';
  source: string;
  startOfWeek?: string;
  sessionLength?: string;
  active?: boolean;
  recent?: boolean;
  workers?: string;
  cache: boolean;
  project?: string;
  instances?: boolean;
  tokenLimit?: string;
  jq?: string;
}

export function parseSources(list: string): LocalSource[] {
  if (list === 'all') return [...LOCAL_SOURCES];
  const out = list.split(',').map((s) => s.trim());
  for (const s of out) {
    if (!(LOCAL_SOURCES as string[]).includes(s)) throw new Error(`--source: unknown source "${s}" (choose from ${LOCAL_SOURCES.join(', ')}, all)`);
  }
  return out as LocalSource[];
}

export function printWarnings(warnings: string[], total: number): void {
  for (const w of warnings.slice(0, MAX_WARNINGS)) process.stderr.write(`warning: ${w}\n`);
  if (total > 0) process.stderr.write(`warning: ${total} malformed line(s) skipped${total > MAX_WARNINGS ? ` (first ${MAX_WARNINGS} shown)` : ''}\n`);
}

/** The report's JSON through `jq filter` (ccusage's --jq); a clear error when jq is missing or fails. */
function throughJq(json: string, filter: string): string {
  const r = spawnSync('jq', [filter], { input: json, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`--jq needs the jq program on PATH (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`);
  if (r.status !== 0) throw new Error(`--jq: ${r.stderr.trim() || `jq exited with status ${r.status}`}`);
  return r.stdout;
}

function reportCommand(kind: ReportKind): Command {
  const c = new Command(kind)
    .description(
      {
        daily: 'usage by day',
        weekly: 'usage by week',
        monthly: 'usage by month',
        session: 'usage by session',
        blocks: 'usage by 5-hour billing window, with burn rate and projection for the active one',
      }[kind],
    )
    .option('-j, --json', 'print JSON in the shape ccusage prints')
    .option('-b, --breakdown', 'one row per model under each period')
    .option('-s, --since <date>', 'first day to include (YYYYMMDD or YYYY-MM-DD)')
    .option('-u, --until <date>', 'last day to include (YYYYMMDD or YYYY-MM-DD)')
    .option('-z, --timezone <tz>', 'time zone for grouping by day (IANA name)')
    .addOption(new Option('-m, --mode <mode>', 'cost: auto (logged cost when present), calculate (from tokens), display (logged cost only)').choices(COST_MODES as string[]).default('auto'))
    .addOption(new Option('-o, --order <order>', 'sort order').choices(['asc', 'desc']).default('asc'))
    .option('--source <list>', `comma-separated: ${LOCAL_SOURCES.join(', ')} or all`, 'all')
    .option('--workers <n>', 'worker threads reading logs besides this one (default: 1 when there are 64 MB to ~1.8 GB to read and 2 or more CPUs, else 0)')
    .option('--no-cache', `read every log file in full and leave the usage index (${defaultIndexFile(process.env, '~')}) alone`)
    .option('-p, --project <name>', 'only this project (a Claude Code projects/ folder name, a Codex working directory)')
    .option('-q, --jq <filter>', 'print the JSON through jq with this filter (implies --json; needs jq on PATH)')
    // ccusage's options that change nothing here, so that commands written for it keep working.
    .option('-O, --offline', 'accepted for ccusage compatibility: prices are always the bundled ones')
    .option('--no-offline', 'accepted for ccusage compatibility (nothing is fetched)')
    .option('-l, --locale <locale>', 'accepted for ccusage compatibility: dates print as YYYY-MM-DD')
    .option('--color', 'accepted for ccusage compatibility: tables have no colour')
    .option('--no-color', 'accepted for ccusage compatibility')
    .option('--compact', 'accepted for ccusage compatibility: tables are compact');
  if (kind === 'daily') c.option('-i, --instances', 'a row per day and project; JSON grouped by project (as ccusage)');
  if (kind === 'weekly') c.addOption(new Option('--start-of-week <day>', 'first day of the week').choices([...WEEKDAYS]).default('sunday'));
  if (kind === 'blocks') {
    c.option('-a, --active', 'only the active block')
      .option('-r, --recent', 'blocks of the last 3 days (and the active one)')
      .option('-n, --session-length <hours>', 'block length in hours', '5')
      .option('-t, --token-limit <tokens>', 'measure the active block\'s projection against this many tokens (or "max": the most a finished block used)');
  }
  return c.action(async (f: UsageFlags) => {
    const sessionLength = f.sessionLength !== undefined ? Number(f.sessionLength) : undefined;
    if (sessionLength !== undefined && !(sessionLength > 0)) throw new Error('--session-length must be a positive number of hours');
    const r = await runUsage({
      kind,
      sources: parseSources(f.source),
      json: !!f.json || f.jq !== undefined,
      breakdown: !!f.breakdown,
      timeZone: assertTimeZone(f.timezone ?? systemTimeZone()),
      mode: f.mode,
      since: f.since ? parseDay(f.since, '--since') : undefined,
      until: f.until ? parseDay(f.until, '--until') : undefined,
      order: f.order,
      startOfWeek: f.startOfWeek ? WEEKDAYS.indexOf(f.startOfWeek as (typeof WEEKDAYS)[number]) : undefined,
      sessionLength,
      active: f.active,
      recent: f.recent,
      workers: f.workers !== undefined ? Math.max(0, Math.floor(Number(f.workers)) || 0) : 'auto',
      index: f.cache ? defaultIndexFile() : null,
      project: f.project,
      instances: f.instances,
      tokenLimit: f.tokenLimit,
    });
    printWarnings(r.warnings, r.load.malformedLines);
    if (r.load.spilled) {
      process.stderr.write(
        `note: ${r.load.spilled.length} responses are more than a report keeps in memory (TOKENBOARD_SPILL_ROWS): they went through temporary files` +
          (f.cache ? ', and the usage index was not updated (every report reads every file)\n' : '\n'),
      );
    }
    process.stdout.write(f.jq !== undefined ? throughJq(r.output, f.jq) : r.output + '\n');
  });
}

export function registerUsage(program: Command): void {
  const usage = program.command('usage').description('report token usage and cost from local Claude Code and Codex logs (like ccusage)');
  for (const k of REPORT_KINDS) usage.addCommand(reportCommand(k));
}
