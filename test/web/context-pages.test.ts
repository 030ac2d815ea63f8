/**
 * Context beside the numbers, in a real browser against the demo server: a
 * signed-in member posts check-ins through the API with their own session
 * (cookie and CSRF token, as the dashboard does), then finds them on their
 * person page and on their team page; a private entry is on their own page
 * only, never on the team page. Markdown arrives as the server's sanitised
 * HTML (formatting kept, injected markup gone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { ARTIFACTS, asServerAdmin as adminCall, startDemoServer, type DemoServer, signInWithLink as sharedSignInWithLink } from './demo-server.js';

const DAY = 86_400_000;
type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

let server: DemoServer;
let browser: Browser;
let range: string;
let member = '';
let memberState: StorageState;

/** Setup only: the server's admin token. */
const asServerAdmin = (p: string, init: { method?: string; body?: unknown } = {}) => adminCall(server, p, init);

/** Sign in with a one-time link, as `tokenboard demo` prints. */
async function signInWithLink(email: string): Promise<StorageState> {
  return sharedSignInWithLink(server, browser, email, 'member');
}

interface Opened {
  ctx: BrowserContext;
  page: Page;
  errors: string[];
  get<T = any>(p: string): Promise<T>;
  post<T = any>(p: string, data: unknown): Promise<T>;
}

async function open(state: StorageState): Promise<Opened> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, storageState: state });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  const get = async (p: string) => {
    const res = await ctx.request.get(server.url + p);
    expect(res.status(), `${p}: ${res.status()}`).toBe(200);
    return res.json();
  };
  const post = async (p: string, data: unknown) => {
    const { csrfToken } = await get('/api/v1/auth/me');
    const res = await ctx.request.post(server.url + p, { data, headers: { 'x-csrf-token': csrfToken } });
    expect(res.status(), `${p}: ${res.status()} ${await res.text()}`).toBe(201);
    return res.json();
  };
  return { ctx, page, errors, get, post };
}

async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('domcontentloaded');
  await page.waitForFunction(() => !!document.querySelector('main h1, main [data-testid]') && !document.querySelector('[data-testid="loading"]'));
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  range = `from=${iso(server.end - 28 * DAY)}&to=${iso(server.end)}`;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Setup only: admins may list individuals, to pick a member with usage (the member themself sees only their own).
  await asServerAdmin('/api/v1/admin/policy', { method: 'PUT', body: { individualViewers: ['admin'] } });
  const { rows } = await asServerAdmin(`/api/v1/usage/breakdown?${range}&groupBy=person&sort=tokens&top=3`);
  member = rows[2].keys.person;
  memberState = await signInWithLink(member);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('context on the dashboard pages', () => {
  it('a member posts check-ins and finds them on their own page and their team page; the private one stays off the team page', async () => {
    const m = await open(memberState);
    const before = await m.get('/api/v1/context/reminder');

    // The sidebar links the server-rendered check-in and digest pages.
    await m.page.goto(`${server.url}/people/${encodeURIComponent(member)}?${range}`);
    await settled(m.page);
    const contextNav = m.page.locator('nav[aria-label="Context"] a');
    expect(await contextNav.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['/context/checkin', '/context/digest']);
    // The reminder banner shows exactly when the API says this week's check-in is due.
    expect(await m.page.getByTestId('checkin-reminder').count()).toBe(before.due ? 1 : 0);

    const shared = await m.post('/api/v1/context/checkins', {
      tried: 'Shared-7f3a: tried **pair refactoring** with an agent <img src=x onerror="window.__pwned=1">',
      learned: 'Small diffs review faster',
      tags: ['refactoring'],
      visibility: 'team',
    });
    const secret = await m.post('/api/v1/context/checkins', { tried: 'Private-9c1e: a personal note', visibility: 'private' });
    expect(shared.team).toBeTruthy();
    expect(secret.visibility).toBe('private');
    expect((await m.get('/api/v1/context/reminder')).due).toBe(false);

    // Own page: both entries, formatted, no injected markup, and no reminder any more.
    await m.page.reload();
    await settled(m.page);
    const mine = m.page.getByTestId('person-context');
    await mine.getByText('Shared-7f3a').waitFor();
    expect(await mine.getByText('Private-9c1e').count()).toBe(1);
    expect(await mine.locator('strong', { hasText: 'pair refactoring' }).count()).toBe(1);
    expect(await mine.locator('img').count()).toBe(0);
    expect(await m.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await m.page.getByTestId('checkin-reminder').count()).toBe(0);
    await m.page.screenshot({ path: path.join(ARTIFACTS, 'person-context.png'), fullPage: true });

    // Team page: the shared entry, never the private one, and the team digest link.
    await m.page.goto(`${server.url}/teams/${encodeURIComponent(shared.team)}?${range}`);
    await settled(m.page);
    const team = m.page.getByTestId('team-context');
    await team.getByText('Shared-7f3a').waitFor();
    expect(await team.getByText('Private-9c1e').count()).toBe(0);
    expect(await m.page.locator('body').innerText()).not.toContain('Private-9c1e');
    expect(await team.locator(`[data-entry-id="${secret.id}"]`).count()).toBe(0);
    expect(await team.locator('[data-visibility="private"]').count()).toBe(0);
    expect(await m.page.getByTestId('team-digest-link').getAttribute('href')).toBe(`/context/digest?team=${encodeURIComponent(shared.team)}`);
    await m.page.screenshot({ path: path.join(ARTIFACTS, 'team-context.png'), fullPage: true });

    // The digest link opens the server's page for that team.
    await m.page.getByTestId('team-digest-link').click();
    await m.page.waitForLoadState('domcontentloaded');
    expect(new URL(m.page.url()).pathname).toBe('/context/digest');
    expect(await m.page.locator('body').innerText()).not.toContain('Private-9c1e');

    expect(m.errors).toEqual([]);
    await m.ctx.close();
  });

  it('team leaderboards show experiments shared and learnings found useful beside the figures, as the stats API counts them for the range', async () => {
    const config = await asServerAdmin('/api/v1/insights/leaderboard/config');
    await asServerAdmin('/api/v1/insights/leaderboard/config', { method: 'PUT', body: { ...config, enabled: true } });
    const m = await open(memberState);
    await m.page.goto(`${server.url}/leaderboards?${range}`);
    await settled(m.page);
    // The page asks for the weeks of its range, counted back from the range end.
    const stats = await m.get(`/api/v1/context/stats?weeks=4&to=${new Date(server.end).toISOString().slice(0, 10)}`);
    const { leaderboard } = await m.get(`/api/v1/insights/leaderboard?${range}&scope=team&metric=activeDays`);
    const shown = leaderboard.entries.filter((e: { suppressed?: boolean }) => !e.suppressed);
    expect(shown.length).toBeGreaterThan(0);
    const rows = await m.page
      .getByTestId('leaderboard-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => ({ name: tr.querySelector('td')!.textContent, experiments: tr.querySelector('td[data-col="experiments"]')?.textContent, useful: tr.querySelector('td[data-col="useful"]')?.textContent })));
    let nonZero = 0;
    for (const e of shown) {
      const t = stats.teams.find((x: { team: string }) => x.team === e.name) ?? { experiments: 0, useful: 0 };
      expect(rows.find((r) => r.name === e.name)).toEqual({ name: e.name, experiments: String(t.experiments), useful: String(t.useful) });
      nonZero += t.experiments + t.useful;
    }
    expect(nonZero).toBeGreaterThan(0); // the demo organisation shares experiments
    // They are also ranking metrics (test/web/context-forms.test.ts ranks by them).
    const options = await m.page.getByTestId('leaderboard-metric').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(expect.arrayContaining(['experiments', 'learnings']));
    await m.page.screenshot({ path: path.join(ARTIFACTS, 'leaderboard-context.png'), fullPage: true });
    expect(m.errors).toEqual([]);
    await m.ctx.close();
  });
});
