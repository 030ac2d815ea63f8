/**
 * Identity resolution API: unattributed usage, explicit assignments (which
 * re-attribute history), resolution rules and named services. Admin only.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { DirectoryError, IdentityRuleInputSchema } from '../../domain/directory.js';
import { unattributedUsage } from '../../query/unattributed.js';
import { RangeParams, resolveRange } from '../params.js';
import { ErrorSchema, json, viewerOf, type App, type AppDeps } from '../context.js';
import { adminOnly } from './admin.js';
import { validJson, validQuery } from './validate.js';
import { guard } from '../../auth/guard.js';

const AssignBody = z
  .object({
    identityId: z.number().int().positive().optional(),
    canonical: z.string().min(1).max(1200).optional().openapi({ description: 'the identity as listed, e.g. `apikey:key_123`' }),
    person: z.string().trim().toLowerCase().email().optional().openapi({ description: "the person's email" }),
    service: z.string().trim().min(1).max(100).optional().openapi({ description: 'a named service (created when new), e.g. ci-bot' }),
    unassign: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.identityId !== undefined || b.canonical !== undefined, { message: 'identityId or canonical is required', path: ['identityId'] })
  .refine((b) => [b.person, b.service, b.unassign].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of person, service, unassign', path: ['person'] });

const UnattributedQuery = RangeParams.pick({ from: true, to: true }).extend({ limit: z.coerce.number().int().min(1).max(5000).optional() });

export function registerIdentityRoutes(app: App, deps: AppDeps): void {
  const listRoute = createRoute({
    method: 'get',
    path: '/api/v1/identity/unattributed',
    summary: 'Usage that belongs to no person or service: identities, volume, sources (admin only)',
    request: { query: UnattributedQuery },
    responses: { 200: json(z.object({ identities: z.array(z.record(z.string(), z.unknown())) }), 'Unattributed identities'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.openAPIRegistry.registerPath(listRoute);
  app.get(listRoute.path, guard('directory:write'), async (c) => {
    const q = validQuery(c, UnattributedQuery);
    if (!q.ok) return q.response;
    const identities = await unattributedUsage(deps.store, viewerOf(c, deps), { ...resolveRange(q.data), limit: q.data.limit });
    return c.json({ identities }, 200);
  });

  const assignRoute = createRoute({
    method: 'post',
    path: '/api/v1/identity/assignments',
    summary: 'Assign an identity to a person or a service; its whole history is re-attributed. Explicit assignments win over rules.',
    request: { body: { content: { 'application/json': { schema: AssignBody } } } },
    responses: { 200: json(z.object({ identity: z.record(z.string(), z.unknown()) }), 'Assigned'), 400: json(ErrorSchema, 'Bad body'), 403: json(ErrorSchema, 'Admin only'), 404: json(ErrorSchema, 'Unknown identity or person') },
  });
  app.openAPIRegistry.registerPath(assignRoute);
  app.post(assignRoute.path, guard('directory:write'), async (c) => {
    const b = await validJson(c, AssignBody);
    if (!b.ok) return b.response;
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const { identityId, canonical, person, service } = b.data;
    const identity = await deps.store.getIdentity(identityId !== undefined ? { id: identityId } : { canonical });
    if (!identity) return c.json({ error: 'no such identity', field: identityId !== undefined ? 'identityId' : 'canonical', reason: 'not found' }, 404);
    try {
      const target = person ? { personEmail: person } : service ? { service } : null;
      return c.json({ identity: await deps.store.assignIdentity(identity.id, target, viewerOf(c, deps).name) }, 200);
    } catch (e) {
      if (e instanceof DirectoryError) return c.json({ error: e.message, field: e.field, reason: 'not found' }, 404);
      throw e;
    }
  });

  const rulesRoute = createRoute({
    method: 'get',
    path: '/api/v1/identity/rules',
    summary: 'Resolution rules (exact aliases, email domain rewrites, glob patterns)',
    responses: { 200: json(z.object({ rules: z.array(z.record(z.string(), z.unknown())) }), 'Rules'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.openAPIRegistry.registerPath(rulesRoute);
  app.get(rulesRoute.path, guard('directory:read'), async (c) => adminOnly(c, deps) ?? c.json({ rules: await deps.store.listIdentityRules() }, 200));

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/api/v1/identity/rules',
    summary: 'Add a rule; every identity is re-resolved (explicit assignments still win)',
    request: { body: { content: { 'application/json': { schema: IdentityRuleInputSchema } } } },
    responses: { 201: json(z.object({ rule: z.record(z.string(), z.unknown()), reresolved: z.number() }), 'Added'), 400: json(ErrorSchema, 'Bad rule'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.post('/api/v1/identity/rules', guard('directory:write'), async (c) => {
    const b = await validJson(c, IdentityRuleInputSchema);
    if (!b.ok) return b.response;
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    if (b.data.kind === 'pattern' && b.data.match.replace(/[*?]/g, '').length < 2) {
      return c.json({ error: 'invalid match: a pattern needs at least two literal characters', field: 'match', reason: 'too broad' }, 400);
    }
    return c.json({ rule: await deps.store.addIdentityRule(b.data) }, 201);
  });

  app.delete('/api/v1/identity/rules/:id', guard('directory:write'), async (c) => {
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const ok = await deps.store.deleteIdentityRule(Number(c.req.param('id')));
    return ok ? c.body(null, 204) : c.json({ error: 'no such rule' }, 404);
  });

  app.get('/api/v1/identity/services', guard('directory:read'), async (c) => adminOnly(c, deps) ?? c.json({ services: await deps.store.listServices() }, 200));
  const ServiceBody = z.object({ name: z.string().trim().min(1).max(100), description: z.string().max(500).optional() }).strict();
  app.post('/api/v1/identity/services', guard('directory:write'), async (c) => {
    const b = await validJson(c, ServiceBody);
    if (!b.ok) return b.response;
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    return c.json({ service: await deps.store.upsertService(b.data.name, b.data.description) }, 201);
  });
}
