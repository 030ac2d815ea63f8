/**
 * A plain server-rendered overview page (the full dashboard is the web app).
 * Reads only through the query layer, as the viewer who asked.
 */
import type { PolicedRow, Viewer } from '../query/policy.js';
import type { QueryService } from '../query/service.js';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const fmt = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(Math.round(n)));
const usd = (n: number) => `$${n.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

function table(title: string, rows: PolicedRow[], dim: string): string {
  const body = rows
    .map((r) =>
      r.suppressed
        ? `<tr><td>${esc(r.keys[dim as never] ?? '(none)')}</td><td colspan="4"><em>suppressed (${esc(r.reason)})</em></td></tr>`
        : `<tr><td>${esc(r.keys[dim as never] ?? '(unattributed)')}</td><td>${r.people}</td><td>${fmt(r.tokens)}</td><td>${usd(r.cost)}</td><td>${fmt(r.requests)}</td></tr>`,
    )
    .join('');
  return `<section><h2>${esc(title)}</h2><table><thead><tr><th>${esc(dim)}</th><th>people</th><th>tokens</th><th>cost</th><th>requests</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

export async function overviewPage(query: QueryService, viewer: Viewer): Promise<string> {
  const to = Math.ceil(Date.now() / 86_400_000) * 86_400_000;
  const from = to - 28 * 86_400_000;
  const [total, byFunction, byTool, byModel] = await Promise.all([
    query.summary(viewer, { from, to }),
    query.breakdown(viewer, { from, to, groupBy: ['function'], sort: 'people' }),
    query.breakdown(viewer, { from, to, groupBy: ['tool'] }),
    query.breakdown(viewer, { from, to, groupBy: ['model'], top: 10 }),
  ]);
  const card = (label: string, value: string) => `<div class="card"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div></div>`;
  const cards = total.suppressed
    ? `<p><em>Totals suppressed: ${esc(total.reason)}.</em></p>`
    : [card('Active people', String(total.people)), card('Tokens', fmt(total.tokens)), card('Cost', usd(total.cost)), card('Requests', fmt(total.requests))].join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tokenboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2433}
header{background:#1d2433;color:#fff;padding:14px 28px}header h1{margin:0;font-size:20px}
main{padding:20px 28px;max-width:1100px}.cards{display:flex;gap:14px;flex-wrap:wrap}
.card{background:#fff;border-radius:8px;padding:14px 18px;min-width:180px;box-shadow:0 1px 2px #0002}
.label{color:#667;font-size:13px}.value{font-size:26px;font-weight:600}
section{background:#fff;border-radius:8px;padding:10px 18px;margin:18px 0;box-shadow:0 1px 2px #0002}
table{border-collapse:collapse;width:100%}td,th{padding:5px 8px;border-bottom:1px solid #eee;text-align:left}
td:not(:first-child),th:not(:first-child){text-align:right}
</style></head><body><header><h1>tokenboard</h1><div>Last 28 days · usage is a dashboard, not a productivity score</div></header>
<main><div class="cards">${cards}</div>
${table('By function', byFunction, 'function')}${table('By tool', byTool, 'tool')}${table('Top models', byModel, 'model')}
<p>API: <a href="/api/openapi.json">/api/openapi.json</a></p></main></body></html>`;
}
