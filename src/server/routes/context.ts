/**
 * Context endpoints: weekly check-ins, the experiment log, the feed (search,
 * tags), "useful" reactions, comments, weekly digests (JSON, Markdown, HTML,
 * web page) and digest webhooks. Handlers parse, ask the context service as
 * the viewer, and answer; visibility is decided in src/query/context.ts.
 */
import { registerRetentionStep } from '../../governance/retention.js';
import { ContextRepo } from '../../context/repo.js';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { digestHtml, digestMarkdown, digestPage } from '../../context/digest.js';
import { checkinPage } from '../../context/pages.js';
import {
  CheckinInputSchema,
  CommentInputSchema,
  ExperimentInputSchema,
  FeedFilterSchema,
  LIMITS,
  WebhookInputSchema,
} from '../../context/schema.js';
import { ContextError, ContextService, DigestService, parseOrThrow } from '../../context/service.js';
import { PolicyError, type Viewer } from '../../query/policy.js';
import { ErrorSchema, json, viewerOf, type App, type AppDeps } from '../context.js';
import { guard } from '../../auth/guard.js';

const P = '/api/v1/context';

/** Map refusals to answers: 400s name the field. */
async function answer(c: Context, fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ContextError) {
      return c.json({ error: err.message, ...(err.field ? { field: err.field, reason: err.reason } : {}) }, err.status);
    }
    if (err instanceof PolicyError) return c.json({ error: err.message }, err.status);
    throw err;
  }
}

async function body(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new ContextError(400, 'invalid (body): must be a JSON object', '(body)', 'must be a JSON object');
  }
}

function idParam(c: Context): number {
  const id = Number(c.req.param('id'));
  if (!Number.isSafeInteger(id) || id < 1) throw new ContextError(400, 'invalid id: must be a positive integer', 'id', 'must be a positive integer');
  return id;
}

const WeekQuery = z.object({
  team: z.string().trim().min(1).max(LIMITS.title).optional(),
  week: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').optional(),
  format: z.enum(['json', 'markdown', 'html'], { error: 'must be json, markdown or html' }).default('json'),
});

const StatsQuery = z.object({
  weeks: z.coerce.number().int().min(1).max(52).default(4),
  /** The range end (exclusive), as the dashboard's ranges: weeks are counted back from it. */
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine((v) => Number.isFinite(Date.parse(v)), 'must be a real date').optional(),
});

/**
 * @param who how a request's viewer is found; production uses `viewerOf`.
 */
export function registerContextRoutes(app: App, deps: AppDeps, who: (c: Context) => Viewer = (c) => viewerOf(c, deps)): void {
  // Check-ins have their own retention (policy.retention.checkinDays), run with the governance retention job.
  registerRetentionStep('checkins', async (store, policy, now) => ({
    checkins: await ContextRepo.forStore(store).pruneBefore(now - policy.retention.checkinDays * 86_400_000),
  }));
  const context = ContextService.forStore(deps.store, deps.query);
  const digests = new DigestService(context);
  describeRoutes(app);

  app.use(`${P}/*`, bodyLimit({ maxSize: LIMITS.body, onError: (c) => c.json({ error: `request body over ${LIMITS.body} bytes` }, 413) }));

  app.get(`${P}/feed`, guard('context:read'), (c) =>
    answer(c, async () => {
      const f = parseOrThrow(FeedFilterSchema, c.req.query());
      const entries = await context.feed(who(c), f);
      return c.json({ feed: f.feed, team: f.team ?? null, entries, next: entries.length === f.limit ? entries[entries.length - 1]!.id : null });
    }),
  );
  app.post(`${P}/checkins`, guard('context:write'), (c) => answer(c, async () => c.json(await context.createCheckin(who(c), await body(c)), 201)));
  app.post(`${P}/experiments`, guard('context:write'), (c) => answer(c, async () => c.json(await context.createExperiment(who(c), await body(c)), 201)));
  app.get(`${P}/entries/:id`, guard('context:read'), (c) => answer(c, async () => c.json(await context.get(who(c), idParam(c)))));
  app.put(`${P}/entries/:id`, guard('context:write'), (c) => answer(c, async () => c.json(await context.update(who(c), idParam(c), await body(c)))));
  app.delete(`${P}/entries/:id`, guard('context:write'), (c) =>
    answer(c, async () => {
      await context.remove(who(c), idParam(c));
      return c.body(null, 204);
    }),
  );
  app.post(`${P}/entries/:id/usage/refresh`, guard('context:write'), (c) => answer(c, async () => c.json(await context.refreshUsage(who(c), idParam(c)))));
  app.put(`${P}/entries/:id/useful`, guard('context:write'), (c) => answer(c, async () => c.json(await context.markUseful(who(c), idParam(c), true))));
  app.delete(`${P}/entries/:id/useful`, guard('context:write'), (c) => answer(c, async () => c.json(await context.markUseful(who(c), idParam(c), false))));
  app.get(`${P}/entries/:id/comments`, guard('context:read'), (c) => answer(c, async () => c.json({ comments: await context.comments(who(c), idParam(c)) })));
  app.post(`${P}/entries/:id/comments`, guard('context:write'), (c) => answer(c, async () => c.json(await context.comment(who(c), idParam(c), await body(c)), 201)));
  app.get(`${P}/reminder`, guard('context:read'), (c) => answer(c, async () => c.json(await context.reminder(who(c)))));
  app.get(`${P}/stats`, guard('context:read'), (c) =>
    answer(c, async () => {
      const q = parseOrThrow(StatsQuery, c.req.query());
      return c.json(await context.teamStats(who(c), q.weeks, q.to === undefined ? undefined : Date.parse(q.to)));
    }),
  );

  app.get(`${P}/digest`, guard('context:read'), (c) =>
    answer(c, async () => {
      const q = parseOrThrow(WeekQuery, c.req.query());
      const d = await digests.digest(who(c), q.team, q.week);
      if (q.format === 'markdown') return c.body(digestMarkdown(d), 200, { 'content-type': 'text/markdown; charset=utf-8' });
      if (q.format === 'html') return c.html(digestHtml(d));
      return c.json(d);
    }),
  );

  app.get(`${P}/webhooks`, guard('context:read'), (c) => answer(c, async () => c.json({ webhooks: await digests.listWebhooks(who(c)) })));
  app.post(`${P}/webhooks`, guard('context:write'), (c) => answer(c, async () => c.json(await digests.addWebhook(who(c), await body(c)), 201)));
  app.delete(`${P}/webhooks/:id`, guard('context:write'), (c) =>
    answer(c, async () => {
      await digests.removeWebhook(who(c), idParam(c));
      return c.body(null, 204);
    }),
  );
  app.get(`${P}/webhooks/:id/deliveries`, guard('context:read'), (c) => answer(c, async () => c.json({ deliveries: await digests.deliveries(who(c), idParam(c)) })));
  app.post(`${P}/webhooks/:id/send`, guard('context:write'), (c) =>
    answer(c, async () => {
      const q = parseOrThrow(WeekQuery.pick({ week: true }), c.req.query());
      const r = await digests.send(who(c), idParam(c), q.week);
      return c.json(r, r.ok ? 200 : 502);
    }),
  );

  // Server-rendered pages until the dashboard (web/) shows context.
  app.get('/context/digest', guard('context:read'), (c) =>
    answer(c, async () => {
      const q = parseOrThrow(WeekQuery, c.req.query());
      return c.html(digestPage(await digests.digest(who(c), q.team, q.week)));
    }),
  );
  app.get('/context/checkin', guard('context:read'), (c) => answer(c, async () => c.html(checkinPage(await context.reminder(who(c))))));
}

function describeRoutes(app: App): void {
  const errors = {
    400: json(ErrorSchema, 'Bad input: names the field and the reason'),
    401: json(ErrorSchema, 'Sign in required'),
    403: json(ErrorSchema, 'Not allowed'),
    404: json(ErrorSchema, 'No such entry that you can see'),
  };
  const ok = (description: string) => ({ 200: { description }, ...errors });
  const bodyOf = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } } } });
  const r = (method: 'get' | 'post' | 'put' | 'delete', path: string, summary: string, extra: object = {}) =>
    app.openAPIRegistry.registerPath({ method, path, summary, tags: ['context'], responses: ok(summary), ...extra });
  r('get', `${P}/feed`, 'Feed of check-ins and experiments the viewer may see: ?feed=organisation|team|mine, team, q (search), tag (comma list), kind, outcome, week, limit, before');
  r('post', `${P}/checkins`, "Write this week's check-in: what did you try new (for yourself, the team, the company), what did you learn", { request: bodyOf(CheckinInputSchema) });
  r('post', `${P}/experiments`, 'Log an experiment (outcome worked/partly/failed/abandoned), optionally linked to its usage', { request: bodyOf(ExperimentInputSchema) });
  r('get', `${P}/entries/{id}`, 'One entry');
  r('put', `${P}/entries/{id}`, 'Replace your own entry');
  r('delete', `${P}/entries/{id}`, 'Delete your own entry');
  r('post', `${P}/entries/{id}/usage/refresh`, "Re-read an experiment's linked usage (author only)");
  r('put', `${P}/entries/{id}/useful`, 'Mark an entry useful (not your own)');
  r('delete', `${P}/entries/{id}/useful`, 'Take back a useful mark');
  r('get', `${P}/entries/{id}/comments`, 'Comments on an entry');
  r('post', `${P}/entries/{id}/comments`, 'Comment on an entry', { request: bodyOf(CommentInputSchema) });
  r('get', `${P}/reminder`, "Whether the viewer has written this week's check-in");
  r('get', `${P}/stats`, 'Per team: shared check-ins, experiments, failures and useful marks in the ?weeks= ISO weeks ending with the week of ?to= (exclusive range end, default now)');
  r('get', `${P}/digest`, 'Weekly digest of a team (?team=) or the organisation: ?week=, ?format=json|markdown|html');
  r('get', `${P}/webhooks`, 'Digest webhooks the viewer manages');
  r('post', `${P}/webhooks`, 'Add a digest webhook (Slack- or Teams-style)', { request: bodyOf(WebhookInputSchema) });
  r('delete', `${P}/webhooks/{id}`, 'Remove a digest webhook');
  r('get', `${P}/webhooks/{id}/deliveries`, 'Delivery log of a webhook');
  r('post', `${P}/webhooks/{id}/send`, "Post a week's digest to the webhook now (retries with backoff)");
}
