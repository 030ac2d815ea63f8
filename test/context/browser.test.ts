import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { makeWorld, PLATFORM, serveTestApp, type World } from './world.js';

describe('check-in page in a real browser', () => {
  let w: World;
  let url: string;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  beforeAll(async () => {
    w = await makeWorld();
    server = await serveTestApp(w);
    url = server.url;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
    await w.close();
  });

  const pageAs = async (who: string) => {
    const ctx = await browser.newContext();
    await ctx.addCookies([{ name: 'test_viewer', value: who, url }]);
    const page = await ctx.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    return { page, dialogs, close: () => ctx.close() };
  };

  it('writes a check-in through the page and finds it in the team digest, with its Markdown rendered and no script run', async () => {
    const ana = await pageAs('member:ana@example.com');
    await ana.page.goto(`${url}/context/checkin`);
    await expect(ana.page.locator('#reminder').textContent()).resolves.toContain('What did you try new this week');
    await ana.page.fill('textarea[name=tried]', 'Asked the agent for a *codemod* instead of edits');
    await ana.page.fill('textarea[name=learned]', 'BROWSER-LEARNING: **reviewable** changes win <img src=x onerror="alert(1)"><script>alert(2)</script>');
    await ana.page.fill('input[name=tags]', 'refactoring, browser');
    await ana.page.click('button[type=submit]');
    const link = ana.page.locator('#digest-link');
    await link.waitFor();
    await link.click();
    await ana.page.waitForURL(/\/context\/digest\?team=/);
    const digest = ana.page.locator('#digest');
    await expect(digest.textContent()).resolves.toContain('BROWSER-LEARNING');
    await expect(digest.locator('strong', { hasText: 'reviewable' }).count()).resolves.toBe(1);
    await expect(digest.locator('img, script').count()).resolves.toBe(0);
    // For a person to look at: the digest as rendered.
    await ana.page.screenshot({ path: path.join(os.tmpdir(), 'tokenboard-context-digest.png'), fullPage: true });
    expect(ana.dialogs).toEqual([]);
    await ana.close();

    // A teammate sees it in the team digest; someone from another team may not open it.
    const ben = await pageAs('member:ben@example.com');
    await ben.page.goto(`${url}/context/digest?team=${encodeURIComponent(PLATFORM)}`);
    await expect(ben.page.locator('#digest').textContent()).resolves.toContain('BROWSER-LEARNING');
    expect(ben.dialogs).toEqual([]);
    await ben.close();
    const sam = await pageAs('member:sam@example.com');
    const res = await sam.page.goto(`${url}/context/digest?team=${encodeURIComponent(PLATFORM)}`);
    expect(res?.status()).toBe(403);
    await sam.close();
  });

  it('shows the server’s field error on the page', async () => {
    const ana = await pageAs('member:ana@example.com');
    await ana.page.goto(`${url}/context/checkin`);
    await ana.page.fill('input[name=tags]', 'not a tag!');
    await ana.page.fill('textarea[name=learned]', 'x');
    await ana.page.click('button[type=submit]');
    await expect(ana.page.locator('#result.error').textContent()).resolves.toContain('invalid tags.0');
    await ana.close();
  });
});
