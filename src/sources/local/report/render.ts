/** Terminal tables for the usage reports (the --json shapes live in aggregate.ts and blocks.ts). */
import Table from 'cli-table3';
import type { BlockJson } from './blocks.js';
import { isListedModel, type ModelBreakdown, type TokenTotals, type UsageRow } from './aggregate.js';

const int = new Intl.NumberFormat('en-US');
export const fmtInt = (n: number) => int.format(Math.round(n));
export const fmtUsd = (n: number) => `$${n.toFixed(2)}`;

const TOKEN_HEAD = ['Input', 'Output', 'Cache Create', 'Cache Read', 'Total Tokens', 'Cost (USD)'];

function tokenCells(t: TokenTotals | ModelBreakdown): string[] {
  const total = t.inputTokens + t.outputTokens + t.cacheCreationTokens + t.cacheReadTokens;
  const cost = 'cost' in t ? t.cost : t.totalCost;
  return [fmtInt(t.inputTokens), fmtInt(t.outputTokens), fmtInt(t.cacheCreationTokens), fmtInt(t.cacheReadTokens), fmtInt(total), fmtUsd(cost)];
}

const shortModel = (m: string) => m.replace(/^claude-/, '').replace(/-\d{8}$/, '');
const listed = isListedModel;

/** A period or session table: one row per group, model rows under it with --breakdown, totals last. */
export function usageTable(
  title: string,
  firstHead: string,
  /** `section`: a heading row (`Project: …`) goes before the first row of each section. */
  rows: { label: string; row: UsageRow; trailing?: string; section?: string }[],
  totals: TokenTotals,
  opts: { breakdown: boolean; trailingHead?: string },
): string {
  const head = [firstHead, 'Models', ...TOKEN_HEAD, ...(opts.trailingHead ? [opts.trailingHead] : [])];
  const t = new Table({ head, style: { head: [], border: [] }, colAligns: head.map((_, i) => (i >= 2 && i < 8 ? 'right' : 'left')) });
  const tail = (s?: string) => (opts.trailingHead ? [s ?? ''] : []);
  let section: string | undefined;
  for (const r of rows) {
    if (r.section !== undefined && r.section !== section) t.push([`Project: ${(section = r.section)}`, '', ...TOKEN_HEAD.map(() => ''), ...tail()]);
    t.push([r.label, r.row.modelsUsed.map((m) => `- ${shortModel(m)}`).join('\n'), ...tokenCells(r.row), ...tail(r.trailing)]);
    if (opts.breakdown) for (const b of r.row.modelBreakdowns.filter((x) => listed(x.modelName))) t.push([`  └─ ${shortModel(b.modelName)}`, '', ...tokenCells(b), ...tail()]);
  }
  t.push(['Total', '', ...tokenCells(totals), ...tail()]);
  return `${title}\n${t.toString()}`;
}

export function blocksTable(blocks: BlockJson[], tz: string): string {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, dateStyle: 'short', timeStyle: 'short' });
  const head = ['Block Start', 'Duration/Status', 'Models', 'Tokens', 'Cost (USD)'];
  const t = new Table({ head, style: { head: [], border: [] }, colAligns: ['left', 'left', 'left', 'right', 'right'] });
  for (const b of blocks) {
    const start = fmt.format(Date.parse(b.startTime));
    if (b.isGap) {
      const h = Math.round((Date.parse(b.endTime) - Date.parse(b.startTime)) / 3_600_000);
      t.push([`${start} (${h}h gap)`, '(inactive)', '-', '-', '-']);
      continue;
    }
    const mins = Math.round((Date.parse(b.actualEndTime!) - Date.parse(b.startTime)) / 60_000);
    const dur = `${Math.floor(mins / 60)}h ${mins % 60}m`;
    t.push([`${start} (${dur})`, b.isActive ? 'ACTIVE' : '', b.models.filter(listed).map((m) => `- ${shortModel(m)}`).join('\n'), fmtInt(b.totalTokens), fmtUsd(b.costUSD)]);
    if (b.isActive && b.projection) {
      t.push(['(assuming current burn rate)', 'PROJECTED', '', fmtInt(b.projection.totalTokens), fmtUsd(b.projection.totalCost)]);
    }
    if (b.isActive && b.burnRate) {
      t.push(['', 'BURN RATE', '', `${fmtInt(b.burnRate.tokensPerMinute)}/min`, `${fmtUsd(b.burnRate.costPerHour)}/h`]);
    }
    const limit = b.tokenLimitStatus;
    if (limit) t.push([`token limit ${fmtInt(limit.limit)}`, limit.status === 'ok' ? 'OK' : limit.status.toUpperCase(), '', `${limit.percentUsed.toFixed(1)}% projected`, '']);
  }
  return `Token usage by ${blocks.length ? '' : 'no '}5-hour block\n${t.toString()}`;
}
