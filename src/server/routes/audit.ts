/** The audit log, for admins: filtered and paged JSON, or a CSV export (itself audited). */
import { z } from 'zod';
import { guard } from '../../auth/guard.js';
import { toCsv } from '../../governance/csv.js';
import { viewerOf, type App, type AppDeps } from '../context.js';

const Query = z.object({
  from: z.string().refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 date or time').optional(),
  to: z.string().refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 date or time').optional(),
  action: z.string().optional(),
  beforeId: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  format: z.enum(['json', 'csv']).optional(),
});

export function registerAuditRoutes(app: App, deps: AppDeps): void {
  const gov = deps.governance!;
  app.get('/api/v1/audit', guard('audit:read'), async (c) => {
    const r = Query.safeParse(c.req.query());
    if (!r.success) {
      const issue = r.error.issues[0]!;
      return c.json({ error: `invalid ${issue.path.join('.')}: ${issue.message}`, field: issue.path.join('.'), reason: issue.message }, 400);
    }
    const q = r.data;
    const records = await gov.audit.list({
      from: q.from ? Date.parse(q.from) : undefined,
      to: q.to ? Date.parse(q.to) : undefined,
      action: q.action,
      beforeId: q.beforeId,
      limit: q.limit ?? 500,
    });
    const rows = records.map((x) => ({ ...x, time: new Date(x.ts).toISOString() }));
    if (q.format !== 'csv') return c.json({ records: rows });
    await gov.audit.record(viewerOf(c), 'audit.exported', { detail: { records: rows.length } });
    const cols = ['id', 'time', 'action', 'outcome', 'actorRole', 'actor', 'actorEmail', 'subject', 'subjectEmail', 'detail'] as const;
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="tokenboard-audit.csv"');
    return c.body(toCsv(cols, rows.map((x) => cols.map((k) => x[k]))));
  });
}
