/**
 * OpenID Connect sign-in end to end in a real browser: a local oidc-provider
 * (code flow, PKCE required), tokenboard listening on a port, Debian chromium.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, listen, type Running } from '../../src/server/start.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { launchBrowser } from '../support/browser.js';

const CLIENT = { id: 'tokenboard', secret: 'a-client-secret-for-tests-only-0123456789' };

describe('OIDC sign-in in a browser', () => {
  let idp: http.Server;
  let app: Running;
  let browser: Browser;
  let store: SqliteStore;
  let appUrl = '';

  beforeAll(async () => {
    let handler: http.RequestListener = (_req, res) => res.end();
    idp = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => idp.listen(0, r));
    const issuer = `http://localhost:${(idp.address() as AddressInfo).port}`;

    store = new SqliteStore({ file: ':memory:' });
    await store.upsertPeople([{ email: 'carla@ex.com', name: 'Carla Person', team: 'Platform', function: 'Engineering' }]);
    const deps = buildDeps(store, { governance: { oidc: { issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret, label: 'Test IdP' } } });
    app = await listen(deps, 0, '::');
    appUrl = `http://localhost:${app.port}`;

    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          redirect_uris: [`${appUrl}/auth/oidc/callback`],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      findAccount: async (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: async () => ({ sub, email: `${sub}@ex.com`, email_verified: true, name: `${sub[0]!.toUpperCase()}${sub.slice(1)} Person` }),
      }),
      pkce: { required: () => true },
      cookies: { keys: ['test-cookie-key'] },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    });
    handler = provider.callback();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((r) => idp?.close(r));
    await store?.close();
  });

  it('signs a person in through the identity provider and creates their member account', async () => {
    const context = await browser.newContext();
    // The provider's development pages import a web font; there is no internet here.
    await context.route(/fonts\.googleapis\.com/, (r) => r.abort());
    const page = await context.newPage();
    await page.goto(`${appUrl}/auth/sign-in`);
    await page.click('#sso');
    await page.waitForSelector('input[name=login]');
    await page.fill('input[name=login]', 'carla');
    await page.fill('input[name=password]', 'anything');
    await page.click('button[type=submit]');
    // Consent, then back to tokenboard.
    await page.waitForSelector('button[type=submit]');
    await Promise.all([page.waitForURL(`${appUrl}/`), page.click('button[type=submit]')]);
    // Signed in, the dashboard's overview renders (the server-rendered page when the web app is not built).
    await page.waitForSelector('h1');
    expect(['Overview', 'tokenboard']).toContain((await page.textContent('h1'))?.trim());

    const cookies = await context.cookies(appUrl);
    const session = cookies.find((c) => c.name === '__Host-tb_session')!;
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookies.find((c) => c.name === '__Host-tb_oidc')).toBeUndefined();

    const me = await page.request.get(`${appUrl}/api/v1/auth/me`);
    expect(await me.json()).toMatchObject({ email: 'carla@ex.com', name: 'Carla Person', role: 'member', via: 'session' });
    const account = await store.governance.getAccount({ email: 'carla@ex.com' });
    expect(account).toMatchObject({ role: 'member', oidcSubject: 'carla', passwordHash: null });
    const signIns = (await store.governance.listAudit({ action: 'auth.sign-in' })).filter((r) => r.detail?.method === 'oidc');
    expect(signIns).toHaveLength(1);
    await context.close();
  });

  it('a callback without the flow cookie (forged or replayed) is refused', async () => {
    const res = await fetch(`${appUrl}/auth/oidc/callback?code=abc&state=xyz`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('try again');
  });
});
