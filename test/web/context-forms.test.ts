/**
 * Writing context from the React dashboard, in a real browser against the
 * demo server, each person signed in with their own session (cookie + CSRF
 * token, as lib/api.ts sends them):
 *  - a member logs an experiment through the form; an empty title first
 *    brings the API's 400 back next to the title field;
 *  - another person marks it useful and comments (empty comment refused);
 *  - an analyst's team leaderboard, ranked by "learnings found useful" and
 *    "experiments shared" from the metric picker, moves by exactly one mark /
 *    one experiment per active person of the author's team; a private
 *    experiment the author also logged does not count.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { ARTIFACTS, asServerAdmin as adminCall, signInWithLink, startDemoServer, type DemoServer } from './demo-server.js';

const DAY = 86_400_000;
type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;
interface Entry { name: string; people?: number; value?: number; suppressed?: boolean }

let server: DemoServer;
let browser: Browser;
/** Up to and including today, so what is written during the test is inside the window. */
let range: string;
let author = '';
let team = '';
let reader = '';
let states: Record<'author' | 'reader' | 'analyst', StorageState>;

/** Setup only: the server's admin token. */
const asServerAdmin = (p: string, init: { method?: string; body?: unknown } = {}) => adminCall(server, p, init);

async function open(state: StorageState): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 }, storageState: state });
  const page = await ctx.newPage();
  const errors: string[] = [];
  // The empty title and empty comment are refused on purpose: the browser logs those 400s.
  page.on('console', (m) => m.type() === 'error' && !/status of 400/.test(m.text()) && errors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return { ctx, page, errors };
}

async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('domcontentloaded');
  await page.waitForFunction(() => !!document.querySelector('main h1') && !document.querySelector('[data-testid="loading"]'));
}

/** The author's team on the analyst's team leaderboard, as the API answers it. */
async function teamValue(ctx: BrowserContext, metric: 'learnings' | 'experiments'): Promise<Entry> {
  const res = await ctx.request.get(`${server.url}/api/v1/insights/leaderboard?${range}&scope=team&metric=${metric}`);
  expect(res.status()).toBe(200);
  const e = ((await res.json()).leaderboard.entries as Entry[]).find((x) => x.name === team)!;
  expect(e.suppressed, `${team} on the ${metric} leaderboard`).toBeFalsy();
  expect(e.value).toBeTypeOf('number');
  return e;
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  range = `from=${iso(server.end - 28 * DAY)}&to=${iso(server.end + DAY)}`;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Setup only: leaderboards on, and the admin token may list individuals to pick two people.
  const config = await asServerAdmin('/api/v1/insights/leaderboard/config');
  await asServerAdmin('/api/v1/insights/leaderboard/config', { method: 'PUT', body: { ...config, enabled: true } });
  await asServerAdmin('/api/v1/admin/policy', { method: 'PUT', body: { individualViewers: ['admin'] } });
  const shown = new Set(
    ((await asServerAdmin(`/api/v1/insights/leaderboard?${range}&scope=team&metric=learnings`)).leaderboard.entries as Entry[]).filter((e) => !e.suppressed).map((e) => e.name),
  );
  const { rows } = await asServerAdmin(`/api/v1/usage/breakdown?${range}&groupBy=team,person&sort=tokens&top=200`);
  const people = (rows as { keys: { team: string | null; person: string | null } }[]).filter((r) => r.keys.team && r.keys.person && shown.has(r.keys.team));
  ({ team, person: author } = people[1]!.keys as { team: string; person: string });
  reader = people.find((r) => r.keys.team !== team)!.keys.person!;
  await asServerAdmin('/api/v1/admin/policy', { method: 'PUT', body: { individualViewers: [] } });
  states = {
    author: await signInWithLink(server, browser, author, 'member'),
    reader: await signInWithLink(server, browser, reader, 'member'),
    analyst: await signInWithLink(server, browser, 'analyst-forms@example.com', 'analyst'),
  };
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('context forms, reactions and the leaderboards they feed', () => {
  it('a member logs an experiment, another marks it useful and comments, and the team moves up by exactly that', async () => {
    const analyst = await open(states.analyst);
    const before = { learnings: await teamValue(analyst.ctx, 'learnings'), experiments: await teamValue(analyst.ctx, 'experiments') };

    // The author: an empty title comes back from the API as an error next to the title.
    const a = await open(states.author);
    await a.page.goto(`${server.url}/context?feed=organisation`);
    await settled(a.page);
    await a.page.getByTestId('tab-experiment').click();
    const form = a.page.getByTestId('experiment-form');
    await form.getByTestId('submit').click();
    const titleError = form.locator('[data-testid="field-error"][data-field="exp-title"]');
    await titleError.waitFor();
    expect(await titleError.innerText()).toBe('must not be empty');
    expect(await a.page.locator('#exp-title').getAttribute('aria-invalid')).toBe('true');
    expect(await a.page.locator('#exp-title').getAttribute('aria-describedby')).toBe('exp-title-error');
    await a.page.screenshot({ path: path.join(ARTIFACTS, 'experiment-form-error.png'), fullPage: true });

    // A private one first: it must not count anywhere.
    await a.page.fill('#exp-title', 'Private-5d1c: my own prompt notes');
    await a.page.selectOption('#exp-visibility', 'private');
    await form.getByTestId('submit').click();
    await form.getByTestId('saved').waitFor();

    // The shared one, with everything the form offers, linked to the author's usage of the last week.
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    await a.page.fill('#exp-title', 'Forms-4b2e: agent-drafted ticket triage');
    await a.page.fill('#exp-goal', 'Cut first-response time');
    await a.page.fill('#exp-tools', 'Claude Code, ChatGPT');
    await a.page.fill('#exp-models', 'claude-sonnet-4-5');
    await a.page.selectOption('#exp-outcome', 'failed');
    await a.page.fill('#exp-learned', 'Drafts were **too long**; short templates worked better');
    await a.page.fill('#exp-links', 'https://example.com/triage-notes');
    await a.page.fill('#exp-tags', 'support, triage');
    await a.page.selectOption('#exp-visibility', 'organisation');
    await a.page.getByTestId('exp-link-usage').check();
    await a.page.fill('#exp-usage-from', iso(server.end - 7 * DAY));
    await a.page.fill('#exp-usage-last', iso(server.end - DAY));
    await form.getByTestId('submit').click();
    await form.locator('[data-testid="saved"]', { hasText: 'Forms-4b2e' }).waitFor();
    expect(await form.locator('[data-testid="field-error"]').count()).toBe(0);
    expect(await a.page.inputValue('#exp-title')).toBe('');

    // It is in the organisation feed at once, formatted, with its usage; its author cannot mark it useful.
    const mine = a.page.getByTestId('context-entry').filter({ hasText: 'Forms-4b2e' });
    await mine.waitFor();
    expect(await mine.getAttribute('data-visibility')).toBe('organisation');
    expect(await mine.locator('strong', { hasText: 'too long' }).count()).toBe(1);
    expect(await mine.locator('.entry-usage').innerText()).toMatch(/tokens/);
    expect(await mine.getByTestId('useful-button').isDisabled()).toBe(true);
    expect(await a.page.getByTestId('context-entry').filter({ hasText: 'Private-5d1c' }).count()).toBe(0);
    const id = Number(await mine.getAttribute('data-entry-id'));
    expect(a.errors).toEqual([]);
    await a.ctx.close();

    // Another person marks it useful and comments; an empty comment is refused next to the box.
    const r = await open(states.reader);
    await r.page.goto(`${server.url}/context?feed=organisation&q=Forms-4b2e`);
    await settled(r.page);
    const entry = r.page.locator(`[data-testid="context-entry"][data-entry-id="${id}"]`);
    await entry.waitFor();
    expect(await r.page.locator('body').innerText()).not.toContain('Private-5d1c');
    await entry.getByTestId('useful-button').click();
    await entry.locator('[data-testid="useful-button"][aria-pressed="true"]').waitFor();
    expect(await entry.getByTestId('useful-count').innerText()).toBe('1');
    await entry.getByTestId('comments-toggle').click();
    await entry.getByTestId('no-comments').waitFor();
    await entry.getByTestId('comment-submit').click();
    expect(await entry.locator('[data-testid="field-error"]').innerText()).toBe('must not be empty');
    await entry.getByTestId('comment-input').fill('We saw the same: *short* drafts <script>window.__pwned=1</script>');
    await entry.getByTestId('comment-submit').click();
    await entry.getByTestId('comment').filter({ hasText: 'We saw the same' }).waitFor();
    expect(await entry.getByTestId('comment-count').innerText()).toBe('1');
    expect(await entry.locator('[data-testid="comment"] em', { hasText: 'short' }).count()).toBe(1);
    expect(await r.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await r.page.screenshot({ path: path.join(ARTIFACTS, 'context-feed-reactions.png'), fullPage: true });
    // What the server stored, as the reader sees it.
    const stored = await (await r.ctx.request.get(`${server.url}/api/v1/context/entries/${id}`)).json();
    expect(stored).toMatchObject({ useful: 1, usefulByMe: true, comments: 1, experiment: { title: 'Forms-4b2e: agent-drafted ticket triage', outcome: 'failed', tools: ['Claude Code', 'ChatGPT'], links: ['https://example.com/triage-notes'] }, tags: ['support', 'triage'] });
    expect(r.errors).toEqual([]);
    await r.ctx.close();

    // The analyst's team leaderboards: exactly one more mark and one more shared experiment for the author's team, per active person.
    const after = { learnings: await teamValue(analyst.ctx, 'learnings'), experiments: await teamValue(analyst.ctx, 'experiments') };
    expect(after.learnings.people).toBe(before.learnings.people);
    expect(after.learnings.value! - before.learnings.value!).toBeCloseTo(1 / after.learnings.people!, 9);
    expect(after.experiments.value! - before.experiments.value!).toBeCloseTo(1 / after.experiments.people!, 9);

    // Picked from the metric list in the page, the table shows those values.
    await analyst.page.goto(`${server.url}/leaderboards?${range}`);
    await settled(analyst.page);
    const options = await analyst.page.getByTestId('leaderboard-metric').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(expect.arrayContaining(['experiments', 'learnings']));
    for (const metric of ['learnings', 'experiments'] as const) {
      await analyst.page.getByTestId('leaderboard-metric').selectOption(metric);
      await analyst.page.waitForURL((u) => u.searchParams.get('metric') === metric);
      await analyst.page.getByTestId('context-metric-note').waitFor();
      const row = analyst.page.getByTestId('leaderboard-table').locator('tbody tr').filter({ has: analyst.page.locator('td', { hasText: team }) }).first();
      await row.waitFor();
      expect(await row.locator('td[data-col="value"]').innerText()).toBe(after[metric].value!.toFixed(2));
    }
    await analyst.page.screenshot({ path: path.join(ARTIFACTS, 'leaderboard-learnings.png'), fullPage: true });
    expect(analyst.errors).toEqual([]);
    await analyst.ctx.close();
  });

  it('the check-in form on the own page saves and shows the entry; the server-rendered page still answers', async () => {
    const a = await open(states.author);
    await a.page.goto(`${server.url}/people/${encodeURIComponent(author)}?${range}`);
    await settled(a.page);
    const form = a.page.getByTestId('person-write').getByTestId('checkin-form');
    await form.getByTestId('submit').click();
    expect(await form.locator('[data-testid="field-error"][data-field="checkin-tried"]').innerText()).toMatch(/write at least one/);
    await a.page.fill('#checkin-tried', 'Checkin-8e0a: asked an agent to *explain* a legacy module');
    await a.page.fill('#checkin-learned', 'It was right about the data flow');
    await a.page.fill('#checkin-tags', 'onboarding');
    await form.getByTestId('submit').click();
    await form.getByTestId('saved').waitFor();
    await a.page.getByTestId('person-context').getByTestId('context-entry').filter({ hasText: 'Checkin-8e0a' }).waitFor();
    expect(await a.page.getByTestId('checkin-reminder').count()).toBe(0);
    const page = await a.ctx.request.get(`${server.url}/context/checkin`);
    expect(page.status()).toBe(200);
    expect(await page.text()).toContain('<form');
    expect(a.errors).toEqual([]);
    await a.ctx.close();
  });
});
