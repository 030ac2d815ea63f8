/**
 * The weekly digest of a team or the organisation: the numbers (adoption
 * change, new people, tokens, cost) next to the stories (top learnings,
 * failed experiments worth knowing, what people tried). One data structure,
 * rendered as JSON, Markdown, sanitised HTML and chat payloads.
 *
 * Entries come from the query layer as the digest's audience sees them, so a
 * private entry is never in a digest; numbers are group aggregates read as
 * DIGEST_VIEWER, so small groups are suppressed by the privacy policy.
 */
import { ContextQuery, DIGEST_VIEWER } from '../query/context.js';
import { PolicyError } from '../query/policy.js';
import type { Filters } from '../store/types.js';
import type { EntryRow } from './repo.js';
import { escapeHtml, markdownToHtml, mdInline, mdText } from './render.js';
import type { Outcome } from './schema.js';
import { DAY_MS, WEEK_MS } from './week.js';

export type Figure = { value: number } | { suppressed: true; reason: string };

export interface DigestItem {
  id: number;
  kind: 'checkin' | 'experiment';
  author: string;
  title?: string;
  outcome?: Outcome;
  text: string;
  useful: number;
  tokens?: number;
  cost?: number;
}

export interface Digest {
  team: string | null;
  week: string;
  /** False while the week is still running: its numbers are "so far". */
  complete: boolean;
  from: string;
  to: string;
  numbers: {
    activePeople: { thisWeek: Figure; lastWeek: Figure };
    tokens: { thisWeek: Figure; lastWeek: Figure };
    cost: { thisWeek: Figure; lastWeek: Figure };
    /** People whose first AI usage in the last six months was this week. */
    newPeople: Figure;
  };
  counts: { checkins: number; experiments: number; contributors: number; outcomes: Record<Outcome, number> };
  learnings: DigestItem[];
  failed: DigestItem[];
  experiments: DigestItem[];
  tried: DigestItem[];
}

const LOOKBACK_MS = 182 * DAY_MS;
const TOP_LEARNINGS = 5;

export async function buildDigest(cq: ContextQuery, team: string | undefined, week: string, now: number): Promise<Digest> {
  const from = Date.parse(week);
  const to = from + WEEK_MS;
  const filters: Filters = team ? { team: [team] } : {};
  const summary = async (a: number, b: number) => {
    try {
      return await cq.usage.summary(DIGEST_VIEWER, { from: a, to: b, filters });
    } catch (err) {
      if (err instanceof PolicyError) return { suppressed: true as const, keys: {}, reason: err.message };
      throw err;
    }
  };
  const [thisWeek, lastWeek, withWeek, beforeWeek] = await Promise.all([
    summary(from, to),
    summary(from - WEEK_MS, from),
    summary(from - LOOKBACK_MS, to),
    summary(from - LOOKBACK_MS, from),
  ]);
  const fig = (r: typeof thisWeek, k: 'people' | 'tokens' | 'cost'): Figure => (r.suppressed ? { suppressed: true, reason: r.reason } : { value: r[k] });
  const newPeople: Figure =
    withWeek.suppressed || beforeWeek.suppressed ? { suppressed: true, reason: withWeek.suppressed ? withWeek.reason : (beforeWeek as { reason: string }).reason } : { value: Math.max(0, withWeek.people - beforeWeek.people) };

  const entries = await cq.digestEntries(team, week);
  const item = (e: EntryRow, text: string): DigestItem => {
    const usage = (e.doc.usage as { figures?: { tokens: number; cost: number } } | undefined)?.figures;
    return {
      id: e.id,
      kind: e.kind,
      author: e.authorName ?? e.authorEmail,
      ...(e.title ? { title: e.title } : {}),
      ...(e.outcome ? { outcome: e.outcome } : {}),
      text,
      useful: e.useful,
      ...(usage ? { tokens: usage.tokens, cost: usage.cost } : {}),
    };
  };
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const byUseful = (a: DigestItem, b: DigestItem) => b.useful - a.useful || b.id - a.id;
  const experiments = entries.filter((e) => e.kind === 'experiment');
  const checkins = entries.filter((e) => e.kind === 'checkin');
  const outcomes: Record<Outcome, number> = { worked: 0, partly: 0, failed: 0, abandoned: 0 };
  for (const e of experiments) if (e.outcome) outcomes[e.outcome]++;
  return {
    team: team ?? null,
    week,
    complete: to <= now,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    numbers: {
      activePeople: { thisWeek: fig(thisWeek, 'people'), lastWeek: fig(lastWeek, 'people') },
      tokens: { thisWeek: fig(thisWeek, 'tokens'), lastWeek: fig(lastWeek, 'tokens') },
      cost: { thisWeek: fig(thisWeek, 'cost'), lastWeek: fig(lastWeek, 'cost') },
      newPeople,
    },
    counts: { checkins: checkins.length, experiments: experiments.length, contributors: new Set(entries.map((e) => e.authorEmail)).size, outcomes },
    learnings: entries.filter((e) => str(e.doc.learned)).map((e) => item(e, str(e.doc.learned))).sort(byUseful).slice(0, TOP_LEARNINGS),
    failed: experiments.filter((e) => e.outcome === 'failed' || e.outcome === 'abandoned').map((e) => item(e, str(e.doc.learned) || str(e.doc.goal))).sort(byUseful),
    experiments: experiments.map((e) => item(e, str(e.doc.goal))).sort(byUseful),
    tried: checkins
      .map((e) => item(e, [['', e.doc.tried], ['For the team: ', e.doc.triedForTeam], ['For the company: ', e.doc.triedForCompany]].filter(([, t]) => str(t)).map(([p, t]) => `${p}${str(t)}`).join('\n')))
      .filter((i) => i.text),
  };
}

// ---- rendering ----

export const fmtTokens = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(Math.round(n)));
export const fmtUsd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: n < 100 ? 2 : 0, maximumFractionDigits: n < 100 ? 2 : 0 })}`;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function show(f: Figure, fmt: (n: number) => string): string {
  return 'value' in f ? fmt(f.value) : 'suppressed';
}

function change(a: Figure, b: Figure): string {
  if (!('value' in a) || !('value' in b)) return '–';
  if (b.value === 0) return a.value === 0 ? '0%' : 'new';
  const pct = Math.round(((a.value - b.value) / b.value) * 100);
  return `${pct > 0 ? '+' : ''}${pct}%`;
}

export function digestTitle(d: Digest): string {
  return `Weekly digest — ${d.team ?? 'Organisation'} — week of ${d.week}`;
}

/** Continuation lines of a list item are indented so user text stays inside it. */
const indent = (s: string) => mdText(s.trim()).split('\n').join('\n  ');

function line(i: DigestItem, withOutcome: boolean): string {
  const head = i.title ? `**${mdInline(i.title)}**${withOutcome && i.outcome ? ` (${i.outcome})` : ''} — ${mdInline(i.author)}` : `**${mdInline(i.author)}**`;
  const usage = i.tokens !== undefined ? ` · ${fmtTokens(i.tokens)} tokens, ${fmtUsd(i.cost ?? 0)}` : '';
  const useful = i.useful ? ` · ${i.useful} found this useful` : '';
  return `- ${head}${usage}${useful}${i.text ? `: ${indent(i.text)}` : ''}`;
}

export function digestMarkdown(d: Digest): string {
  const n = d.numbers;
  const out: string[] = [
    `# ${mdInline(digestTitle(d))}`,
    '',
    '_Token usage is a dashboard, not a productivity score: the numbers sit next to what people tried and learned._',
    '',
    '## The numbers',
    '',
    `| | ${d.complete ? 'this week' : 'this week (so far)'} | previous week | change |`,
    '|---|---:|---:|---:|',
    `| Active people | ${show(n.activePeople.thisWeek, String)} | ${show(n.activePeople.lastWeek, String)} | ${change(n.activePeople.thisWeek, n.activePeople.lastWeek)} |`,
    `| Tokens | ${show(n.tokens.thisWeek, fmtTokens)} | ${show(n.tokens.lastWeek, fmtTokens)} | ${change(n.tokens.thisWeek, n.tokens.lastWeek)} |`,
    `| Cost | ${show(n.cost.thisWeek, fmtUsd)} | ${show(n.cost.lastWeek, fmtUsd)} | ${change(n.cost.thisWeek, n.cost.lastWeek)} |`,
    '',
    `New people who started using AI tools this week: ${show(n.newPeople, String)}.`,
    '',
    `${plural(d.counts.checkins, 'check-in')} and ${plural(d.counts.experiments, 'experiment')} from ${plural(d.counts.contributors, 'person', 'people')}` +
      (d.counts.experiments
        ? ` (worked ${d.counts.outcomes.worked}, partly ${d.counts.outcomes.partly}, failed ${d.counts.outcomes.failed}, abandoned ${d.counts.outcomes.abandoned}).`
        : '.'),
  ];
  const section = (title: string, items: DigestItem[], withOutcome: boolean, empty: string) => {
    out.push('', `## ${title}`, '');
    out.push(...(items.length ? items.map((i) => line(i, withOutcome)) : [`_${empty}_`]));
  };
  section('Top learnings', d.learnings, true, 'No learnings shared this week yet.');
  section('Failed experiments worth knowing', d.failed, true, 'No failed or abandoned experiments shared this week — failures are worth sharing too.');
  section('Experiments', d.experiments, true, 'No experiments shared this week.');
  section('What people tried', d.tried, false, 'No check-ins shared this week yet.');
  if (n.activePeople.thisWeek && 'suppressed' in n.activePeople.thisWeek) out.push('', '_Some numbers are suppressed: the group is smaller than the privacy policy’s minimum size._');
  return out.join('\n') + '\n';
}

/** The digest as an HTML fragment: the Markdown rendered and sanitised. */
export function digestHtml(d: Digest): string {
  return markdownToHtml(digestMarkdown(d));
}

/** A complete web page. */
export function digestPage(d: Digest, extra = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(digestTitle(d))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.55 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2433}
header{background:#1d2433;color:#fff;padding:14px 28px}header a{color:#cde}
main{padding:8px 28px 28px;max-width:900px}article{background:#fff;border-radius:8px;padding:6px 22px 16px;box-shadow:0 1px 2px #0002}
table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #eee}td:not(:first-child){text-align:right}
li{margin:6px 0}
</style></head><body><header><strong>tokenboard</strong> · context · <a href="/context/checkin">write a check-in</a></header>
<main>${extra}<article id="digest">${digestHtml(d)}</article></main></body></html>`;
}
