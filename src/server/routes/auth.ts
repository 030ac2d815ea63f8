/**
 * Sign-in and the signed-in person's own account: password and OpenID Connect
 * sign-in, one-time sign-in links (demo), first-run setup, sign-out, ending
 * one's sessions, one's own data export and privacy choices.
 */
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setCookie, setSignedCookie } from 'hono/cookie';
import { z } from 'zod';
import { guard, SESSION_COOKIE } from '../../auth/guard.js';
import { linkPage, setupPage, signInPage } from '../../auth/pages.js';
import { ROLE_PERMISSIONS } from '../../auth/permissions.js';
import { AuthError } from '../../auth/service.js';
import { clientKey, input } from '../../auth/http.js';
import type { PendingFlow } from '../../auth/oidc.js';
import type { AccountRecord } from '../../governance/store.js';
import { viewerOf, type App, type AppDeps, type Governance } from '../context.js';

const OIDC_COOKIE = '__Host-tb_oidc';

const wantsHtml = (c: Context) => !(c.req.header('content-type') ?? '').includes('application/json');

export function registerAuthRoutes(app: App, deps: AppDeps): void {
  const gov = deps.governance!;

  async function signIn(c: Context, account: AccountRecord, method: string) {
    const s = await gov.auth.startSession(account, method);
    setCookie(c, SESSION_COOKIE, s.cookie, { path: '/', secure: true, httpOnly: true, sameSite: 'Lax', maxAge: s.maxAgeSec });
    return s;
  }

  app.get('/auth/sign-in', guard('public'), (c) => c.html(signInPage({ oidcLabel: gov.oidc ? (gov.oidc.settings.label ?? 'single sign-on') : undefined })));

  app.post('/auth/sign-in', guard('public'), async (c) => {
    const html = wantsHtml(c);
    try {
      const body = await input(c, z.object({ email: z.string().trim().min(1, 'is required'), password: z.string().min(1, 'is required') }));
      const account = await gov.auth.signInWithPassword(body.email, body.password, clientKey(c));
      const s = await signIn(c, account, 'password');
      return html ? c.redirect('/', 303) : c.json({ email: account.email, role: account.role, csrfToken: s.csrf });
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      if (err.retryAfter) c.header('Retry-After', String(err.retryAfter));
      return html ? c.html(signInPage({ error: err.message }), err.status) : c.json({ error: err.message }, err.status);
    }
  });

  app.post('/auth/sign-out', guard('account:self'), async (c) => {
    await gov.auth.signOut(viewerOf(c));
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
    return wantsHtml(c) ? c.redirect('/auth/sign-in', 303) : c.json({ signedOut: true });
  });

  app.get('/api/v1/auth/me', guard('account:self'), (c) => {
    const v = viewerOf(c);
    const perms = ROLE_PERMISSIONS[v.role].filter((p) => !v.scopes || v.scopes.includes(p));
    return c.json({ email: v.email ?? null, name: v.name ?? null, role: v.role, via: v.via, permissions: perms, csrfToken: v.csrf ?? null });
  });

  app.post('/api/v1/auth/sessions/end', guard('account:self'), async (c) => {
    const v = viewerOf(c);
    if (!v.accountId) return c.json({ error: 'tokens have no sessions; revoke the token instead' }, 400);
    const ended = await gov.auth.endSessions(v, v.accountId);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
    return c.json({ ended });
  });

  app.get('/api/v1/me/export', guard('account:self'), async (c) => {
    const v = viewerOf(c);
    if (!v.email) return c.json({ error: 'this credential is not linked to a person' }, 400);
    c.header('Content-Disposition', 'attachment; filename="tokenboard-my-data.json"');
    return c.json(await deps.query.personExport(v, v.email));
  });

  app.put('/api/v1/me/privacy', guard('account:self'), async (c) => {
    const v = viewerOf(c);
    if (!v.email) return c.json({ error: 'this credential is not linked to a person' }, 400);
    const body = await input(c, z.object({ leaderboardOptIn: z.boolean().optional(), country: z.string().length(2).toUpperCase().nullable().optional() }));
    await deps.store.governance.setPrivacyChoice(v.email, body, Date.now());
    await gov.audit.record(v, 'privacy.choice-changed', { subject: v.email, detail: { leaderboardOptIn: body.leaderboardOptIn } });
    return c.json(await deps.store.governance.getPrivacyChoice(v.email));
  });

  // One-time sign-in links (`tokenboard demo` prints one). GET only shows a button: no state change on GET.
  app.get('/auth/link', guard('public'), (c) => c.html(linkPage(c.req.query('token') ?? '')));
  app.post('/auth/link', guard('public'), async (c) => {
    const { token } = await input(c, z.object({ token: z.string().min(1, 'is required') }));
    try {
      await signIn(c, await gov.auth.redeemSignInLink(token), 'link');
      return c.redirect('/', 303);
    } catch (err) {
      if (err instanceof AuthError) return c.html(linkPage('', err.message), err.status);
      throw err;
    }
  });

  // First run: `serve` prints /setup?token=...; redeeming creates the first admin.
  app.get('/setup', guard('public'), (c) => c.html(setupPage(c.req.query('token') ?? '')));
  app.post('/setup', guard('public'), async (c) => {
    const body = await input(c, z.object({ token: z.string().min(1, 'is required'), email: z.email(), name: z.string().optional(), password: z.string() }));
    try {
      await signIn(c, await gov.auth.redeemSetup(body.token, body), 'setup');
      return wantsHtml(c) ? c.redirect('/', 303) : c.json({ created: body.email.toLowerCase() }, 201);
    } catch (err) {
      if (err instanceof AuthError) return wantsHtml(c) ? c.html(setupPage(body.token, err.message), err.status) : c.json({ error: err.message }, err.status);
      throw err;
    }
  });

  registerOidcRoutes(app, gov, signIn);
}

function registerOidcRoutes(app: App, gov: Governance, signIn: (c: Context, a: AccountRecord, method: string) => Promise<unknown>): void {
  const redirectUri = (c: Context) => new URL('/auth/oidc/callback', c.req.url).href;

  app.get('/auth/oidc/start', guard('public'), async (c) => {
    if (!gov.oidc) return c.json({ error: 'single sign-on is not configured (TOKENBOARD_OIDC_ISSUER)' }, 404);
    const { url, flow } = await gov.oidc.start(redirectUri(c));
    // Lax so the cookie comes back on the provider's top-level redirect to the callback.
    await setSignedCookie(c, OIDC_COOKIE, JSON.stringify(flow), (await gov.cookieSecret()).toString('base64'), { path: '/', secure: true, httpOnly: true, sameSite: 'Lax', maxAge: 600 });
    return c.redirect(url, 302);
  });

  app.get('/auth/oidc/callback', guard('public'), async (c) => {
    if (!gov.oidc) return c.json({ error: 'single sign-on is not configured' }, 404);
    const raw = await getSignedCookie(c, (await gov.cookieSecret()).toString('base64'), OIDC_COOKIE);
    deleteCookie(c, OIDC_COOKIE, { path: '/', secure: true });
    if (!raw) return c.html(signInPage({ error: 'the sign-in took too long or was started elsewhere; try again' }), 400);
    try {
      const id = await gov.oidc.finish(new URL(c.req.url), JSON.parse(raw) as PendingFlow);
      const account = await gov.auth.oidcAccount(id.issuer, id.claims, gov.oidc.settings.defaultRole ?? 'member');
      if (account.disabled) throw new AuthError('this account is disabled', 403);
      await signIn(c, account, 'oidc');
      return c.redirect('/', 303);
    } catch (err) {
      await gov.audit.record({ role: 'anonymous' }, 'auth.sign-in-failed', { outcome: 'failed', detail: { method: 'oidc', reason: (err as Error).message.slice(0, 200) } });
      return c.html(signInPage({ error: `single sign-on failed: ${(err as Error).message}` }), err instanceof AuthError ? err.status : 400);
    }
  });
}
