/**
 * Administration: accounts and roles, sessions, API tokens, ingest keys, the
 * privacy policy, per-person export and erasure, and the retention job.
 * Each route declares its permission; every change is audited by the service.
 */
import type { Context } from 'hono';
import { ContextRepo } from '../../context/repo.js';
import { z } from 'zod';
import { guard } from '../../auth/guard.js';
import { input } from '../../auth/http.js';
import { isPermission, type Permission } from '../../auth/permissions.js';
import { runRetention } from '../../governance/retention.js';
import { HUMAN_ROLES } from '../../query/policy.js';
import { viewerOf, type App, type AppDeps } from '../context.js';

const role = z.enum(HUMAN_ROLES);
const idParam = (s: string) => {
  const n = Number(s);
  return Number.isInteger(n) && n > 0 ? n : null;
};
const publicAccount = (a: { id: number; email: string; name: string | null; role: string; disabled: boolean; createdAt: number; passwordHash: string | null; oidcIssuer: string | null }) => ({
  id: a.id,
  email: a.email,
  name: a.name,
  role: a.role,
  disabled: a.disabled,
  createdAt: new Date(a.createdAt).toISOString(),
  password: a.passwordHash !== null,
  sso: a.oidcIssuer,
});

export function registerAdminRoutes(app: App, deps: AppDeps): void {
  const gov = deps.governance!;
  const store = deps.store.governance;

  // ---- accounts ----
  app.get('/api/v1/admin/accounts', guard('accounts:manage'), async (c) => c.json({ accounts: (await store.listAccounts()).map(publicAccount) }));

  app.post('/api/v1/admin/accounts', guard('accounts:manage'), async (c) => {
    const body = await input(c, z.object({ email: z.email(), name: z.string().optional(), role, password: z.string().optional() }));
    return c.json(publicAccount(await gov.auth.createAccount(viewerOf(c), body)), 201);
  });

  app.patch('/api/v1/admin/accounts/:id', guard('accounts:manage'), async (c) => {
    const id = idParam(c.req.param('id'));
    if (!id) return c.json({ error: 'invalid id: must be a positive integer', field: 'id' }, 400);
    const body = await input(c, z.object({ role: role.optional(), disabled: z.boolean().optional(), password: z.string().optional() }));
    return c.json(publicAccount(await gov.auth.changeAccount(viewerOf(c), id, body)));
  });

  app.post('/api/v1/admin/accounts/:id/sessions/end', guard('accounts:manage'), async (c) => {
    const id = idParam(c.req.param('id'));
    if (!id) return c.json({ error: 'invalid id: must be a positive integer', field: 'id' }, 400);
    return c.json({ ended: await gov.auth.endSessions(viewerOf(c), id) });
  });

  // ---- API tokens (shown once) ----
  app.get('/api/v1/admin/tokens', guard('tokens:manage'), async (c) => c.json({ tokens: await store.listApiTokens() }));

  app.post('/api/v1/admin/tokens', guard('tokens:manage'), async (c) => {
    const body = await input(
      c,
      z.object({ name: z.string().trim().min(1).max(100), role, scopes: z.array(z.string().refine(isPermission, 'is not a known permission')).optional() }),
    );
    const t = await gov.auth.createApiToken(viewerOf(c), { name: body.name, role: body.role, scopes: body.scopes as Permission[] | undefined });
    return c.json({ ...t, note: 'shown once: store it now' }, 201);
  });

  app.delete('/api/v1/admin/tokens/:id', guard('tokens:manage'), async (c) => {
    const id = idParam(c.req.param('id'));
    if (!id) return c.json({ error: 'invalid id: must be a positive integer', field: 'id' }, 400);
    await gov.auth.revokeApiToken(viewerOf(c), id);
    return c.json({ revoked: id });
  });

  // ---- ingest keys (write-only, optionally limited to sources) ----
  app.get('/api/v1/admin/ingest-keys', guard('tokens:manage'), async (c) => c.json({ keys: await store.listIngestKeys() }));

  app.post('/api/v1/admin/ingest-keys', guard('tokens:manage'), async (c) => {
    const body = await input(c, z.object({ name: z.string().trim().min(1).max(100), sources: z.array(z.string().min(1)).optional() }));
    const k = await gov.auth.createIngestKey(viewerOf(c), body);
    return c.json({ ...k.record, key: k.key, note: 'shown once: store it now' }, 201);
  });

  app.delete('/api/v1/admin/ingest-keys/:id', guard('tokens:manage'), async (c) => {
    await gov.auth.revokeIngestKey(viewerOf(c), c.req.param('id'));
    return c.json({ revoked: c.req.param('id') });
  });

  // ---- privacy policy ----
  app.put('/api/v1/admin/policy', guard('policy:write'), async (c) => {
    const body = await c.req.json().catch(() => null);
    if (!body || typeof body !== 'object') return c.json({ error: 'body must be a JSON object', field: '(body)', reason: 'invalid JSON' }, 400);
    return c.json({ policy: await gov.settings.update(viewerOf(c), body, gov.audit) });
  });

  // ---- one person's data ----
  app.get('/api/v1/admin/people/:email/export', guard('people:export'), async (c) => {
    c.header('Content-Disposition', 'attachment; filename="tokenboard-person-export.json"');
    return c.json(await deps.query.personExport(viewerOf(c), c.req.param('email')));
  });

  app.post('/api/v1/admin/people/:email/erase', guard('people:erase'), async (c) => {
    const email = c.req.param('email').trim().toLowerCase();
    const body = await input(c, z.object({ confirm: z.string() }));
    if (body.confirm.trim().toLowerCase() !== email) return c.json({ error: 'invalid confirm: must repeat the email being erased', field: 'confirm' }, 400);
    // Audit first, while the subject ref still resolves; erasure then deletes the ref.
    await gov.audit.record(viewerOf(c), 'person.erased', { subject: email });
    const result = await deps.store.governance.erasePerson(email);
    // Their check-ins, experiments, comments and "useful" marks go too.
    const contextEntries = await ContextRepo.forStore(deps.store).eraseAuthor(email);
    return c.json({ erased: true, ...result, contextEntries });
  });

  // The country decides the leaderboard default (policy.leaderboards.countries); the directory may set it.
  app.put('/api/v1/admin/people/:email/country', guard('directory:write'), async (c) => {
    const email = c.req.param('email').trim().toLowerCase();
    const body = await input(c, z.object({ country: z.string().length(2).toUpperCase().nullable() }));
    await store.setPrivacyChoice(email, { country: body.country }, Date.now());
    await gov.audit.record(viewerOf(c), 'privacy.choice-changed', { subject: email, detail: { country: body.country } });
    return c.json(await store.getPrivacyChoice(email));
  });

  // ---- retention ----
  app.post('/api/v1/admin/retention/run', guard('retention:run'), async (c) =>
    c.json(await runRetention(deps.store, await gov.settings.get(), gov.audit, viewerOf(c))),
  );
}

/**
 * "May this viewer administer?" for checks inside handlers (directory, identity,
 * pricing, SCIM). Routes still declare their permission with `guard(...)`.
 */
export function isAdmin(c: Context, deps?: AppDeps): boolean {
  return viewerOf(c, deps).role === 'admin';
}

/** A 403 response when the viewer is not an admin, else null. */
export function adminOnly(c: Context, deps?: AppDeps) {
  if (isAdmin(c, deps)) return null;
  return c.json({ error: 'this needs an administrator' }, 403);
}
