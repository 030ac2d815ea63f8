/**
 * The dashboard in a real browser (Debian chromium via playwright-core)
 * against a real tokenboard server seeded with the demo organisation. People
 * sign in for real (the password form, and a one-time sign-in link as `demo`
 * prints), then: every page opens without console errors, shown numbers equal
 * the API's for the same viewer (the API is asked with the browser's own
 * session), filters live in the URL, suppressed groups show as suppressed,
 * individual pages follow the privacy policy (a member sees only their own; an
 * analyst no individuals; an admin because the policy lists admins). A
 * screenshot per page goes to test-artifacts/web.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { ARTIFACTS, asServerAdmin, startDemoServer, type DemoServer, signInWithLink as sharedSignInWithLink } from './demo-server.js';
import { compact, integer, percent, usd } from '../../web/src/lib/format.js';

const DAY = 86_400_000;
const PASSWORD = 'correct horse battery staple';
type Who = 'admin' | 'analyst' | 'member';
type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

let server: DemoServer;
let browser: Browser;
let range: string;
const emails: Record<Who, string> = { admin: 'root@tokenboard.test', analyst: 'ana@tokenboard.test', member: '' };
const signedIn = {} as Record<Who, StorageState>;
/** The person the admin looks at: the heaviest user (the member is someone else). */
let someone = '';

/** Sign in through the sign-in page, as a person would. */
async function signInWithPassword(email: string): Promise<StorageState> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${server.url}/`);
  expect(new URL(page.url()).pathname).toBe('/auth/sign-in'); // no session: sent to sign in
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);
  const state = await ctx.storageState();
  await ctx.close();
  return state;
}

/** Sign in with a one-time link, as `tokenboard demo` prints. */
async function signInWithLink(email: string, role: Who): Promise<StorageState> {
  return sharedSignInWithLink(server, browser, email, role);
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  range = `from=${iso(server.end - 28 * DAY)}&to=${iso(server.end)}`;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // The organisation lets admins see individuals; analysts keep the default (groups only).
  await asServerAdmin(server, '/api/v1/admin/policy', { method: 'PUT', body: { individualViewers: ['admin'] } });
  const { rows } = await asServerAdmin(server, `/api/v1/usage/breakdown?${range}&groupBy=person&sort=tokens&top=2`);
  someone = rows[0].keys.person;
  emails.member = rows[1].keys.person;
  for (const who of ['admin', 'analyst'] as const) await asServerAdmin(server, '/api/v1/admin/accounts', { method: 'POST', body: { email: emails[who], role: who, password: PASSWORD } });
  signedIn.admin = await signInWithPassword(emails.admin);
  signedIn.analyst = await signInWithPassword(emails.analyst);
  signedIn.member = await signInWithLink(emails.member, 'member');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Opened {
  ctx: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of this page. */
  errors: string[];
  /** The API as this browser's signed-in person (same cookies). */
  api<T = Record<string, any>>(p: string): Promise<T>;
  /** The API's status code for this browser's person. */
  status(p: string, init?: { method?: string; data?: unknown; csrf?: boolean }): Promise<number>;
}

async function open(who: Who | 'anonymous', opts: { width?: number; dark?: boolean; state?: StorageState } = {}): Promise<Opened> {
  const ctx = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: 900 },
    colorScheme: opts.dark ? 'dark' : 'light',
    storageState: opts.state ?? (who === 'anonymous' ? undefined : signedIn[who]),
  });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  let csrf: string | undefined;
  return {
    ctx,
    page,
    errors,
    api: async <T,>(p: string) => {
      const res = await ctx.request.get(server.url + p);
      expect(res.status(), `${p}: ${res.status()}`).toBe(200);
      return (await res.json()) as T;
    },
    status: async (p, init = {}) => {
      const headers: Record<string, string> = {};
      if (init.csrf) {
        csrf ??= (await (await ctx.request.get(`${server.url}/api/v1/auth/me`)).json()).csrfToken;
        headers['x-csrf-token'] = csrf!;
      }
      const res = await ctx.request.fetch(server.url + p, { method: init.method ?? 'GET', headers, data: init.data });
      return res.status();
    },
  };
}

/** Wait until the page has fetched and rendered everything it asked for. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('domcontentloaded');
  // Every panel shows a loading state from its first render until its answer arrives.
  await page.waitForFunction(() => !!document.querySelector('main h1, main [data-testid]') && !document.querySelector('[data-testid="loading"]'));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const text = (page: Page, testId: string) => page.getByTestId(testId).first().innerText();

describe('dashboard in a browser', () => {
  it('sends a browser without a session to sign in; the API answers 401 without one', async () => {
    const anon = await open('anonymous');
    await anon.page.goto(`${server.url}/spend?${range}`);
    expect(new URL(anon.page.url()).pathname).toBe('/auth/sign-in');
    expect((await fetch(`${server.url}/api/v1/insights/overview?${range}`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/insights/viewer`)).status).toBe(401);
    await anon.ctx.close();
  });

  it('clicks through every page from the navigation with no console errors, keeping the filters', async () => {
    const { ctx, page, errors } = await open('admin');
    await page.goto(`${server.url}/?${range}`);
    await settled(page);
    expect(await text(page, 'who')).toBe(emails.admin);
    const links = await page.locator('nav[aria-label="Main"] a').evaluateAll((as) => as.map((a) => a.getAttribute('data-testid')!));
    expect(links.length).toBeGreaterThanOrEqual(11);
    for (const id of links) {
      await page.getByTestId(id).click();
      await settled(page);
      expect(page.url()).toContain(range);
      expect(await page.locator('h1').first().innerText()).not.toBe('');
      await shot(page, id.replace('nav-', ''));
    }
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('overview shows the API numbers: active people, tokens, cost, requests and their change', async () => {
    const { ctx, page, errors, api } = await open('analyst');
    await page.goto(`${server.url}/?${range}`);
    await settled(page);
    const { overview } = await api(`/api/v1/insights/overview?${range}`);
    const week = overview.active.find((a: { window: string }) => a.window === 'week');
    expect(await text(page, 'stat-active-week-value')).toBe(integer(week.current));
    expect(await text(page, 'stat-tokens-value')).toBe(compact(overview.totals.current.tokens));
    expect(await text(page, 'stat-cost-value')).toBe(usd(overview.totals.current.cost));
    expect(await text(page, 'stat-requests-value')).toBe(compact(overview.totals.current.requests));
    const pct = Math.round(((overview.totals.current.tokens - overview.totals.previous.tokens) / overview.totals.previous.tokens) * 100);
    expect(await text(page, 'stat-tokens-change')).toContain(`${Math.abs(pct)}%`);
    expect(await page.locator('.recharts-surface').count()).toBeGreaterThanOrEqual(2);
    // Stories beside the numbers: the organisation feed this viewer may see, newest first.
    const feed = await api('/api/v1/context/feed?feed=organisation&limit=5');
    expect(feed.entries.length).toBeGreaterThan(0);
    const shown = await page.getByTestId('context-slot').getByTestId('context-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-entry-id')));
    expect(shown).toEqual(feed.entries.map((e: { id: string | number }) => String(e.id)));
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('filters change the URL and the numbers (function, then tool), and the view can be shared by URL', async () => {
    const { ctx, page, errors, api } = await open('analyst');
    await page.goto(`${server.url}/?${range}`);
    await settled(page);
    await page.getByTestId('filter-function').selectOption('Engineering');
    await settled(page);
    expect(page.url()).toContain('function=Engineering');
    const eng = await api(`/api/v1/insights/overview?${range}&function=Engineering`);
    expect(await text(page, 'stat-tokens-value')).toBe(compact(eng.overview.totals.current.tokens));
    await page.getByTestId('filter-tool').selectOption('Codex');
    await settled(page);
    const codex = await api(`/api/v1/insights/overview?${range}&function=Engineering&tool=Codex`);
    expect(await text(page, 'stat-cost-value')).toBe(usd(codex.overview.totals.current.cost));
    // A shared URL opens the same view for another signed-in person.
    const shared = page.url();
    const other = await open('admin');
    await other.page.goto(shared);
    await settled(other.page);
    expect(await text(other.page, 'stat-cost-value')).toBe(usd(codex.overview.totals.current.cost));
    expect(await other.page.getByTestId('filter-tool').inputValue()).toBe('Codex');
    // A preset range rewrites from/to.
    await page.getByTestId('filter-clear').click();
    await page.getByTestId('filter-range').selectOption('7d');
    await settled(page);
    expect(page.url()).not.toContain('function=');
    expect([...errors, ...other.errors]).toEqual([]);
    await other.ctx.close();
    await ctx.close();
  });

  it('adoption shows each function share, and suppressed weeks exactly where the API suppresses them', async () => {
    const { ctx, page, errors, api } = await open('analyst');
    await page.goto(`${server.url}/adoption?${range}`);
    await settled(page);
    const { adoption } = await api(`/api/v1/insights/adoption?${range}`);
    const eng = adoption.functions.find((f: { function: string }) => f.function === 'Engineering');
    const row = page.getByTestId('adoption-table').locator('tr', { hasText: 'Engineering' });
    expect(await row.locator('td[data-col="share"]').innerText()).toBe(percent(eng.share));
    const suppressedCells = adoption.cells.filter((c: { suppressed: boolean }) => c.suppressed).length;
    expect(suppressedCells).toBeGreaterThan(0); // Legal and Finance are small enough in the demo
    expect(await page.getByTestId('adoption-heatmap').getByTestId('suppressed').count()).toBe(suppressedCells);
    expect(await page.getByTestId('adoption-table').locator('tr[data-suppressed="true"]').count()).toBe(adoption.functions.filter((f: { suppressed: boolean }) => f.suppressed).length);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('spend shows the total, the forecast and each team as the API does; suppressed teams say so', async () => {
    const { ctx, page, errors, api } = await open('analyst');
    await page.goto(`${server.url}/spend?${range}`);
    await settled(page);
    const { spend } = await api(`/api/v1/insights/spend?${range}`);
    expect(await text(page, 'stat-spend-total-value')).toBe(usd(spend.total.cost));
    expect(await text(page, 'stat-spend-forecast-value')).toBe(usd(spend.forecast.forecast));
    const table = page.getByTestId('spend-by-team-table');
    const first = spend.byTeam[0];
    expect(await table.locator('tbody tr').first().locator('td').first().innerText()).toBe(first.keys.team);
    expect(await table.locator('tbody tr').first().locator('td[data-col="cost"]').innerText()).toBe(usd(first.cost));
    const suppressed = spend.byTeam.filter((r: { suppressed?: boolean }) => r.suppressed).length;
    expect(suppressed).toBeGreaterThan(0);
    expect(await table.locator('tr[data-suppressed="true"]').count()).toBe(suppressed);
    // CSV export downloads the table, suppressed rows marked as such.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('spend-by-team-table-csv').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('Team,Cost,Share of cost,Tokens,Active people,Requests');
    expect(csv).toContain(`${first.keys.team},${first.cost.toFixed(2)},`);
    expect(csv.split('\r\n').filter((l) => l.endsWith(',suppressed')).length).toBe(suppressed);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('distribution, outcomes and mix show the API figures', async () => {
    const { ctx, page, errors, api } = await open('analyst');
    await page.goto(`${server.url}/distribution?${range}`);
    await settled(page);
    const { distribution: d } = await api(`/api/v1/insights/distribution?${range}`);
    expect(await text(page, 'stat-top10-value')).toBe(percent(d.top10Share));
    expect(await text(page, 'stat-not-started-value')).toBe(integer(d.totals.notStarted));
    const eng = d.byFunction.find((f: { function: string }) => f.function === 'Engineering');
    const row = page.getByTestId('distribution-table').locator('tr', { hasText: 'Engineering' });
    expect(await row.locator('td[data-col="heavy"]').innerText()).toBe(integer(eng.cohorts.heavy));

    await page.goto(`${server.url}/outcomes?${range}`);
    await settled(page);
    const { outcomes: o } = await api(`/api/v1/insights/outcomes?${range}`);
    expect(await text(page, 'stat-cost-per-commit-value')).toBe(usd(o.overall.costPerCommit));
    expect(await text(page, 'stat-cost-per-day-value')).toBe(usd(o.overall.costPerActiveDay));

    await page.goto(`${server.url}/mix?${range}`);
    await settled(page);
    await page.getByTestId('mix-metric-cost').click();
    await settled(page);
    // The chart draws its areas after the panel settles (recharts measures first): wait for a fifth, then count.
    await page.locator('[data-testid="mix-tool"] .recharts-area').nth(4).waitFor({ timeout: 10_000 }).catch(() => undefined);
    expect(await page.locator('[data-testid="mix-tool"] .recharts-area').count()).toBeGreaterThanOrEqual(5);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('teams link to a team page whose totals equal the API; members are private to an analyst', async () => {
    const { ctx, page, errors, api } = await open('analyst');
    await page.goto(`${server.url}/teams?${range}`);
    await settled(page);
    await page.getByRole('link', { name: 'Engineering · Platform' }).click();
    await settled(page);
    expect(page.url()).toContain('/teams/Engineering%20%C2%B7%20Platform');
    const { totals } = await api(`/api/v1/usage/summary?${range}&team=${encodeURIComponent('Engineering · Platform')}`);
    expect(await text(page, 'team-tokens-value')).toBe(compact(totals.tokens));
    expect(await text(page, 'team-people-value')).toBe(integer(totals.people));
    expect(await page.getByTestId('team-members').getByTestId('private').count()).toBe(1);
    await shot(page, 'team-page');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('an analyst sees no individuals: person pages and unattributed identities are private, and the API refuses them', async () => {
    const { ctx, page, errors, status } = await open('analyst');
    await page.goto(`${server.url}/people?${range}`);
    await settled(page);
    expect(await page.getByTestId('private').count()).toBe(1);
    expect(await page.getByTestId('people-table').count()).toBe(0);
    await page.goto(`${server.url}/people/${encodeURIComponent(someone)}?${range}`);
    await settled(page);
    expect(await page.getByTestId('private').count()).toBe(1);
    expect(await page.getByTestId('person-tokens').count()).toBe(0);
    expect(await status(`/api/v1/usage/breakdown?${range}&groupBy=person`)).toBe(403);
    expect(await status(`/api/v1/insights/person?${range}&email=${encodeURIComponent(someone)}`)).toBe(403);
    await page.goto(`${server.url}/unattributed?${range}`);
    await settled(page);
    // Three automation API keys: fewer than five identities, so even the total is suppressed.
    expect(await page.getByTestId('unattr-suppressed').count()).toBe(1);
    expect(await page.getByTestId('unattr-tokens').getByText('suppressed').count()).toBe(1);
    expect(await page.getByTestId('unattributed-table').count()).toBe(0);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a member sees their own person page with API-equal numbers, and nobody else’s', async () => {
    const { ctx, page, errors, api, status } = await open('member');
    await page.goto(`${server.url}/people?${range}`);
    await settled(page);
    await page.getByTestId('my-usage-link').click();
    await settled(page);
    expect(new URL(page.url()).pathname).toBe(`/people/${encodeURIComponent(emails.member)}`);
    const { person } = await api(`/api/v1/insights/person?${range}&email=${encodeURIComponent(emails.member)}`);
    expect(await text(page, 'person-tokens-value')).toBe(compact(person.activity.tokens));
    expect(await text(page, 'person-active-days-value')).toBe(integer(person.activity.activeDays));
    await shot(page, 'member-own-page');
    await page.goto(`${server.url}/people/${encodeURIComponent(someone)}?${range}`);
    await settled(page);
    expect(await page.getByTestId('private').count()).toBe(1);
    expect(await status(`/api/v1/insights/person?${range}&email=${encodeURIComponent(someone)}`)).toBe(403);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('an admin (whom the policy lets see individuals) sees people, a person page with API-equal numbers, and the unattributed identities', async () => {
    const { ctx, page, errors, api } = await open('admin');
    await page.goto(`${server.url}/people?${range}`);
    await settled(page);
    await page.getByTestId('people-search').fill(someone.split('@')[0]!);
    await page.getByRole('link', { name: someone }).first().click();
    await settled(page);
    const { person } = await api(`/api/v1/insights/person?${range}&email=${encodeURIComponent(someone)}`);
    expect(await text(page, 'person-tokens-value')).toBe(compact(person.activity.tokens));
    expect(await text(page, 'person-active-days-value')).toBe(integer(person.activity.activeDays));
    await shot(page, 'person-page');
    await page.goto(`${server.url}/unattributed?${range}`);
    await settled(page);
    const { unattributed } = await api(`/api/v1/insights/unattributed?${range}`);
    expect(await page.getByTestId('unattributed-table').locator('tbody tr').count()).toBe(unattributed.identities.length);
    expect(await page.getByTestId('unattributed-table').innerText()).toContain('apikey:svc-ticket-triage');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('leaderboards are off until an admin turns them on (the app sends the CSRF token); then teams rank per person', async () => {
    const member = await open('member');
    await member.page.goto(`${server.url}/leaderboards?${range}`);
    await settled(member.page);
    expect(await member.page.getByTestId('leaderboard-off').count()).toBe(1);
    // Nobody else may change the settings: not anonymous, not an analyst; and not even an admin's session without the CSRF token.
    expect((await fetch(`${server.url}/api/v1/insights/leaderboard/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    const analyst = await open('analyst');
    expect(await analyst.status('/api/v1/insights/leaderboard/config', { method: 'PUT', data: {}, csrf: true })).toBe(403);

    const admin = await open('admin');
    const config = await admin.api('/api/v1/insights/leaderboard/config');
    expect(await admin.status('/api/v1/insights/leaderboard/config', { method: 'PUT', data: { ...config, enabled: true } })).toBe(403);
    await admin.page.goto(`${server.url}/settings?${range}`);
    await settled(admin.page);
    expect(await text(admin.page, 'viewer-role')).toContain(`admin (${emails.admin})`);
    await admin.page.getByTestId('lb-enabled').check();
    await admin.page.getByTestId('lb-save').click();
    await admin.page.getByTestId('lb-status').getByText('Saved.').waitFor();

    await member.page.reload();
    await settled(member.page);
    const { leaderboard } = await member.api(`/api/v1/insights/leaderboard?${range}&scope=team&metric=activeDays`);
    const first = leaderboard.entries[0];
    const row = member.page.getByTestId('leaderboard-table').locator('tbody tr').first();
    expect(await row.locator('td').first().innerText()).toBe(first.name);
    expect(await row.locator('td[data-col="value"]').innerText()).toBe(first.value.toFixed(1));
    expect(await member.page.getByTestId('leaderboard-rules').innerText()).toContain('Explorer');
    // Individuals are switched off, and a member could not see them anyway.
    expect(await member.page.getByTestId('scope-person').isDisabled()).toBe(true);
    await shot(member.page, 'leaderboards-on');
    expect([...member.errors, ...admin.errors]).toEqual([]);
    await Promise.all([member.ctx.close(), analyst.ctx.close(), admin.ctx.close()]);
  });

  it('works in dark mode and at phone width', async () => {
    const { ctx, page, errors, api } = await open('analyst', { width: 390, dark: true });
    await page.goto(`${server.url}/spend?${range}`);
    await settled(page);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const { spend } = await api(`/api/v1/insights/spend?${range}`);
    expect(await text(page, 'stat-spend-total-value')).toBe(usd(spend.total.cost));
    // The menu collapses behind a button at phone width.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByTestId('nav-adoption').click();
    await settled(page);
    expect(new URL(page.url()).pathname).toBe('/adoption');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'phone-dark-adoption');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('when the session ends the app goes to the sign-in page; signing out ends the session', async () => {
    // An account of its own: ending its sessions leaves the other tests' sessions alone.
    const leaver = 'leaver@tokenboard.test';
    await asServerAdmin(server, '/api/v1/admin/accounts', { method: 'POST', body: { email: leaver, role: 'analyst', password: PASSWORD } });
    const first = await open('analyst', { state: await signInWithPassword(leaver) });
    await first.page.goto(`${server.url}/?${range}`);
    await settled(first.page);
    // The session is ended elsewhere (e.g. "end my sessions" in another tab): the next request answers 401.
    expect(await first.status('/api/v1/auth/sessions/end', { method: 'POST', csrf: true })).toBe(200);
    await Promise.all([first.page.waitForURL(`${server.url}/auth/sign-in`), first.page.getByTestId('nav-spend').click()]);
    await first.ctx.close();

    const second = await open('analyst', { state: await signInWithPassword(leaver) });
    await second.page.goto(`${server.url}/settings?${range}`);
    await settled(second.page);
    await Promise.all([second.page.waitForURL(`${server.url}/auth/sign-in`), second.page.getByTestId('sign-out').first().click()]);
    expect(await second.status('/api/v1/insights/viewer')).toBe(401);
    await second.page.goto(`${server.url}/spend`);
    expect(new URL(second.page.url()).pathname).toBe('/auth/sign-in');
    expect(second.errors).toEqual([]);
    await second.ctx.close();
  });
});
