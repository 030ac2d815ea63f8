/**
 * The dashboard in a real browser (Debian chromium via playwright-core)
 * against a real tokenboard server seeded with the demo organisation: every
 * page opens without console errors, shown numbers equal the API's, filters
 * live in the URL, suppressed groups show as suppressed, individual pages
 * follow the privacy policy. A screenshot per page goes to test-artifacts/web.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { ADMIN_TOKEN, ARTIFACTS, startDemoServer, type DemoServer } from './demo-server.js';
import { compact, integer, percent, usd } from '../../web/src/lib/format.js';

const DAY = 86_400_000;
let server: DemoServer;
let browser: Browser;
let range: string;
const errors: string[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  range = `from=${iso(server.end - 28 * DAY)}&to=${iso(server.end)}`;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function api<T = Record<string, any>>(p: string, admin = false): Promise<T> {
  const res = await fetch(server.url + p, { headers: admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {} });
  expect(res.status, `${p}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

async function newPage(opts: { admin?: boolean; width?: number; dark?: boolean } = {}): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, colorScheme: opts.dark ? 'dark' : 'light' });
  if (opts.admin) await ctx.addInitScript((t) => sessionStorage.setItem('tokenboard.adminToken', t), ADMIN_TOKEN);
  const page = await ctx.newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return { ctx, page };
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
  it('clicks through every page from the navigation with no console errors, keeping the filters', async () => {
    const { ctx, page } = await newPage();
    await page.goto(`${server.url}/?${range}`);
    await settled(page);
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
    const { ctx, page } = await newPage();
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
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('filters change the URL and the numbers (function, then tool), and the view can be shared by URL', async () => {
    const { ctx, page } = await newPage();
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
    // Shared URL opens the same view.
    const shared = page.url();
    const other = await newPage();
    await other.page.goto(shared);
    await settled(other.page);
    expect(await text(other.page, 'stat-cost-value')).toBe(usd(codex.overview.totals.current.cost));
    expect(await other.page.getByTestId('filter-tool').inputValue()).toBe('Codex');
    // A preset range rewrites from/to.
    await page.getByTestId('filter-clear').click();
    await page.getByTestId('filter-range').selectOption('7d');
    await settled(page);
    expect(page.url()).not.toContain('function=');
    expect(errors).toEqual([]);
    await other.ctx.close();
    await ctx.close();
  });

  it('adoption shows each function share, and suppressed weeks exactly where the API suppresses them', async () => {
    const { ctx, page } = await newPage();
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
    await ctx.close();
  });

  it('spend shows the total, the forecast and each team as the API does; suppressed teams say so', async () => {
    const { ctx, page } = await newPage();
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
    await ctx.close();
  });

  it('distribution, outcomes and mix show the API figures', async () => {
    const { ctx, page } = await newPage();
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
    expect(await page.locator('[data-testid="mix-tool"] .recharts-area').count()).toBeGreaterThanOrEqual(5);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('teams link to a team page whose totals equal the API; members are private to anonymous viewers', async () => {
    const { ctx, page } = await newPage();
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

  it('person pages and unattributed identities are private to anonymous viewers, and the API refuses them', async () => {
    const { ctx, page } = await newPage();
    const { rows } = await api(`/api/v1/usage/breakdown?${range}&groupBy=person&top=1`, true);
    const someone = rows[0].keys.person as string;
    await page.goto(`${server.url}/people/${encodeURIComponent(someone)}?${range}`);
    await settled(page);
    expect(await page.getByTestId('private').count()).toBe(1);
    expect((await fetch(`${server.url}/api/v1/usage/breakdown?${range}&groupBy=person`)).status).toBe(403);
    expect((await fetch(`${server.url}/api/v1/insights/person?${range}&email=${someone}`)).status).toBe(403);
    await page.goto(`${server.url}/unattributed?${range}`);
    await settled(page);
    // Three automation API keys: fewer than five identities, so even the total is suppressed.
    expect(await page.getByTestId('unattr-suppressed').count()).toBe(1);
    expect(await page.getByTestId('unattr-tokens').getByText('suppressed').count()).toBe(1);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('an admin sees people, a person page with API-equal numbers, and the unattributed identities', async () => {
    const { ctx, page } = await newPage({ admin: true });
    await page.goto(`${server.url}/people?${range}`);
    await settled(page);
    const { rows } = await api(`/api/v1/usage/breakdown?${range}&groupBy=person&sort=tokens&top=1000`, true);
    const top = rows[0].keys.person as string;
    await page.getByTestId('people-search').fill(top.split('@')[0]!);
    await page.getByRole('link', { name: top }).first().click();
    await settled(page);
    const { person } = await api(`/api/v1/insights/person?${range}&email=${encodeURIComponent(top)}`, true);
    expect(await text(page, 'person-tokens-value')).toBe(compact(person.activity.tokens));
    expect(await text(page, 'person-active-days-value')).toBe(integer(person.activity.activeDays));
    await shot(page, 'person-page');
    await page.goto(`${server.url}/unattributed?${range}`);
    await settled(page);
    const { unattributed } = await api(`/api/v1/insights/unattributed?${range}`, true);
    expect(await page.getByTestId('unattributed-table').locator('tbody tr').count()).toBe(unattributed.identities.length);
    expect(await page.getByTestId('unattributed-table').innerText()).toContain('apikey:svc-ticket-triage');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('leaderboards are off until an admin turns them on; then teams rank per person with tiers, and individuals need opt-in', async () => {
    const anon = await newPage();
    await anon.page.goto(`${server.url}/leaderboards?${range}`);
    await settled(anon.page);
    expect(await anon.page.getByTestId('leaderboard-off').count()).toBe(1);
    // Anonymous may not change the settings.
    const put = await fetch(`${server.url}/api/v1/insights/leaderboard/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({}) });
    expect([400, 403]).toContain(put.status);

    const { ctx, page } = await newPage({ admin: true });
    await page.goto(`${server.url}/settings?${range}`);
    await settled(page);
    await page.getByTestId('lb-enabled').check();
    await page.getByTestId('lb-save').click();
    await page.getByTestId('lb-status').getByText('Saved.').waitFor();

    await anon.page.reload();
    await settled(anon.page);
    const { leaderboard } = await api(`/api/v1/insights/leaderboard?${range}&scope=team&metric=activeDays`);
    const first = leaderboard.entries[0];
    const row = anon.page.getByTestId('leaderboard-table').locator('tbody tr').first();
    expect(await row.locator('td').first().innerText()).toBe(first.name);
    expect(await row.locator('td[data-col="value"]').innerText()).toBe(first.value.toFixed(1));
    expect(await anon.page.getByTestId('leaderboard-rules').innerText()).toContain('Explorer');
    // Individuals are switched off, and an anonymous viewer could not see them anyway.
    expect(await anon.page.getByTestId('scope-person').isDisabled()).toBe(true);
    expect((await fetch(`${server.url}/api/v1/insights/leaderboard?${range}&scope=person`)).status).toBe(200); // off: empty, no individuals
    await shot(anon.page, 'leaderboards-on');
    expect(errors).toEqual([]);
    await anon.ctx.close();
    await ctx.close();
  });

  it('works in dark mode and at phone width', async () => {
    const { ctx, page } = await newPage({ width: 390, dark: true });
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
});
