/** Spreadsheet exports of usage: read through the query layer like every other answer. */
import { guard } from '../../auth/guard.js';
import { BreakdownParams, parseFilters, resolveRange } from '../params.js';
import { viewerOf, type App, type AppDeps } from '../context.js';

export function registerExportRoutes(app: App, deps: AppDeps): void {
  app.get('/api/v1/usage/breakdown.csv', guard('usage:read'), async (c) => {
    const r = BreakdownParams.safeParse(c.req.query());
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const field = issue.path.join('.') || '(query)';
      return c.json({ error: `invalid ${field}: ${issue.message}`, field, reason: issue.message }, 400);
    }
    const q = r.data;
    const csv = await deps.query.breakdownCsv(viewerOf(c), { ...resolveRange(q), filters: parseFilters(q), groupBy: q.groupBy as never, top: q.top, sort: q.sort });
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="tokenboard-usage.csv"');
    return c.body(csv);
  });
}
