/**
 * Dashboard panel endpoints. Each parses its query with a schema, asks the
 * InsightsService (which checks the question against the privacy policy and
 * polices every answer), and returns JSON.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { InsightsService, personProfile } from '../../query/insights.js';
import { LEADERBOARD_METRICS, LeaderboardConfigSchema } from '../../query/leaderboard.js';
import { maySeeIndividuals, minGroupFor } from '../../query/policy.js';
import { guard } from '../../auth/guard.js';
import { RangeParams, parseFilters, resolveRange } from '../params.js';
import { ErrorSchema, json, viewerOf, type App, type AppDeps } from '../context.js';

const Panel = z.record(z.string(), z.unknown()).openapi('Panel');
const errors = { 400: json(ErrorSchema, 'Bad parameter'), 403: json(ErrorSchema, 'Not allowed by the privacy policy') };
const iso = (ms: number) => new Date(ms).toISOString();

const PANELS = {
  overview: 'Active people (day, week, 28 days) and totals against the previous period; daily usage',
  adoption: 'Share of each function active each ISO week (adoption breadth)',
  distribution: 'Top-10% share, frequency cohorts, not started and idle by function',
  spend: 'Spend by team, tool, model and vendor, with the month-end forecast',
  outcomes: 'Cost per active person-day, per commit and per pull request, by tool',
  teams: 'Teams with headcount, usage and share active',
  unattributed: 'Usage not matched to a person in the directory',
} as const;

export function registerInsightsRoutes(app: App, deps: AppDeps): void {
  const insights = new InsightsService(deps.store, deps.query);

  for (const [name, summary] of Object.entries(PANELS) as [keyof typeof PANELS, string][]) {
    const route = createRoute({ method: 'get', path: `/api/v1/insights/${name}`, summary, request: { query: RangeParams }, responses: { 200: json(Panel, summary), ...errors }, middleware: [guard('usage:read')] as const });
    app.openapi(route, async (c) => {
      const q = c.req.valid('query');
      const range = resolveRange(q);
      const body = await insights[name](viewerOf(c, deps), { ...range, filters: parseFilters(q) });
      return c.json({ from: iso(range.from), to: iso(range.to), [name]: body } as never, 200);
    });
  }

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/insights/dimensions', summary: 'Functions, teams, tools, models and vendors for filter pickers', responses: { 200: json(Panel, 'Values') }, middleware: [guard('usage:read')] as const }),
    async (c) => c.json((await insights.dimensions()) as never, 200),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/insights/viewer', summary: 'Who is asking, and what the privacy policy lets them see', responses: { 200: json(Panel, 'Viewer') }, middleware: [guard('account:self')] as const }),
    async (c) => {
      const v = viewerOf(c, deps);
      const policy = await deps.query.privacy.policy();
      return c.json({ role: v.role, email: v.email ?? null, maySeeIndividuals: maySeeIndividuals(v, policy), minGroupSize: minGroupFor(v, policy) } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/insights/person',
      summary: "One person's profile and activity (their own, or a role that may see individuals)",
      request: { query: RangeParams.extend({ email: z.string().email() }) },
      responses: { 200: json(Panel, 'Person'), 404: json(ErrorSchema, 'Unknown person'), ...errors },
      middleware: [guard('usage:read')] as const,
    }),
    async (c) => {
      const q = c.req.valid('query');
      const range = resolveRange(q);
      const person = await personProfile(deps.store, deps.query, viewerOf(c, deps), q.email, { ...range, filters: parseFilters(q) });
      if (!person) return c.json({ error: `no person or usage for ${q.email}` }, 404);
      return c.json({ from: iso(range.from), to: iso(range.to), person } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/insights/leaderboard',
      summary: 'Configurable leaderboard: team-level by default, opted-in individuals, pseudonymous option',
      request: {
        query: RangeParams.extend({
          scope: z.enum(['team', 'person']).default('team'),
          metric: z.enum(LEADERBOARD_METRICS).default('activeDays'),
        }),
      },
      responses: { 200: json(Panel, 'Leaderboard'), ...errors },
      middleware: [guard('usage:read')] as const,
    }),
    async (c) => {
      const q = c.req.valid('query');
      const range = resolveRange(q);
      const board = await insights.leaderboard(viewerOf(c, deps), { ...range, filters: parseFilters(q), scope: q.scope, metric: q.metric });
      return c.json({ from: iso(range.from), to: iso(range.to), leaderboard: board } as never, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/insights/leaderboard/config', summary: 'Leaderboard settings: on/off, scope, opt-ins, titles and tiers', responses: { 200: json(Panel, 'Settings') }, middleware: [guard('usage:read')] as const }),
    async (c) => c.json((await insights.leaderboardConfig()) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/insights/leaderboard/config',
      summary: 'Change the leaderboard settings (admin)',
      request: { body: { content: { 'application/json': { schema: LeaderboardConfigSchema } }, required: true } },
      responses: { 200: json(Panel, 'Saved settings'), ...errors },
      middleware: [guard('policy:write')] as const,
    }),
    async (c) => c.json((await insights.setLeaderboardConfig(viewerOf(c, deps), c.req.valid('json'))) as never, 200),
  );
}
