/**
 * The privacy notice (public: anyone should be able to read what is
 * collected), the policy in force, and the opt-in individual leaderboard.
 */
import { z } from 'zod';
import { guard } from '../../auth/guard.js';
import { noticeMarkdown, noticePage } from '../../governance/collected.js';
import { resolveRange } from '../params.js';
import { viewerOf, type App, type AppDeps } from '../context.js';

export function registerPrivacyRoutes(app: App, deps: AppDeps): void {
  const gov = deps.governance!;
  app.get('/privacy', guard('public'), async (c) => c.html(noticePage(await gov.settings.get())));
  app.get('/privacy.md', guard('public'), async (c) => {
    c.header('Content-Type', 'text/markdown; charset=utf-8');
    return c.body(noticeMarkdown(await gov.settings.get()));
  });
  app.get('/api/v1/privacy/policy', guard('public'), async (c) => {
    const p = await gov.settings.get();
    // Who is excluded is itself personal: publish how many, not who.
    return c.json({ policy: { ...p, exclude: { functions: p.exclude.functions, people: p.exclude.people.length } } });
  });

  const Q = z.object({
    from: z.string().optional(),
    to: z.string().optional(),
    metric: z.enum(['tokens', 'cost', 'requests', 'events']).optional(),
    top: z.coerce.number().int().min(1).max(500).optional(),
  });
  app.get('/api/v1/leaderboard', guard('usage:read'), async (c) => {
    const r = Q.safeParse(c.req.query());
    if (!r.success) return c.json({ error: `invalid ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}` }, 400);
    const range = resolveRange(r.data);
    return c.json(await deps.query.leaderboard(viewerOf(c), { ...range, metric: r.data.metric, top: r.data.top }));
  });
}
