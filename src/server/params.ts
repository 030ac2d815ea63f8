/** Query-string schemas shared by the usage endpoints (and their OpenAPI document). */
import { z } from '@hono/zod-openapi';
import { BUCKETS, DIMENSIONS, type Filters } from '../store/types.js';

const DAY_MS = 86_400_000;

const timeParam = (what: string) =>
  z
    .string()
    .optional()
    .refine((v) => v === undefined || Number.isFinite(Date.parse(v)), { message: `must be an ISO 8601 date or time (${what})` })
    .openapi({ description: `${what}: ISO 8601 date (UTC midnight) or timestamp`, example: '2026-01-01' });

const list = (desc: string) =>
  z
    .string()
    .optional()
    .openapi({ description: `${desc} (comma-separated list)` });

export const RangeParams = z.object({
  from: timeParam('inclusive start; default 30 days before `to`'),
  to: timeParam('exclusive end; default now'),
  person: list('only these people, by email'),
  team: list('only these teams'),
  function: list('only these functions'),
  manager: list("only these managers' reports, by manager email"),
  tool: list('only these tools'),
  model: list('only these models'),
  source: list('only these sources'),
  provider: list('only these providers'),
});

const dimensionList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((v) => v.every((d) => (DIMENSIONS as readonly string[]).includes(d)), {
    message: `each must be one of ${DIMENSIONS.join(', ')}`,
  })
  .openapi({ type: 'string', description: `comma-separated: ${DIMENSIONS.join(', ')}`, example: 'function' });

const metric = z.enum(['tokens', 'cost', 'requests', 'events', 'people']).optional().openapi({ description: 'ranking metric (default tokens)' });
const top = z.coerce.number().int().min(1).max(1000).optional().openapi({ type: 'integer', description: 'keep the top N groups' });

export const BreakdownParams = RangeParams.extend({ groupBy: dimensionList, top, sort: metric });
export const SeriesParams = RangeParams.extend({
  bucket: z.enum(BUCKETS).default('day'),
  groupBy: z.enum(DIMENSIONS).optional(),
  top,
  sort: metric,
});

export function resolveRange(q: { from?: string; to?: string }): { from: number; to: number } {
  const to = q.to ? Date.parse(q.to) : Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  const from = q.from ? Date.parse(q.from) : to - 30 * DAY_MS;
  return { from, to };
}

export function parseFilters(q: Record<string, unknown>): Filters {
  const f: Filters = {};
  for (const k of ['person', 'team', 'function', 'manager', 'tool', 'model', 'source', 'provider'] as const) {
    const v = q[k];
    if (typeof v === 'string' && v.length) f[k] = v.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (f.person) f.person = f.person.map((p) => p.toLowerCase());
  if (f.manager) f.manager = f.manager.map((p) => p.toLowerCase());
  return f;
}
