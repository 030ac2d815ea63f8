import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { LIMITS } from '../../src/context/schema.js';
import { ana, ben, client, makeWorld, mia, PLATFORM, sam, testApp, WEEK, type World } from './world.js';

const ADMIN = 'ctx-admin-token';

/**
 * The real tags of an HTML string (escaped text such as `&lt;img onerror=...&gt;`
 * is harmless and not a tag), checked for anything that could run script.
 */
function expectNoActiveContent(html: string): void {
  const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
  for (const t of tags) {
    expect(t, t).not.toMatch(/^<(script|iframe|img|style|object|embed|svg|form|input)\b/i);
    expect(t, t).not.toMatch(/\son[a-z]+\s*=/i);
    const href = /\shref="([^"]*)"/.exec(t)?.[1];
    if (href !== undefined) expect(href, t).toMatch(/^(https?:|mailto:)/);
  }
}

describe('context API as wired in production (createApp, viewerOf)', () => {
  let w: World;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    w = await makeWorld();
    app = createApp({ ...w.deps, adminToken: ADMIN });
    await w.context.createCheckin(ana, { tried: 'PRIVATE-ONE', visibility: 'private', week: WEEK });
    await w.context.createExperiment(ana, { title: 'Shared with everyone', outcome: 'worked', learned: 'ORG-LEARNING', visibility: 'organisation' });
  });
  afterAll(async () => w.close());

  it('reads nothing and writes nothing anonymously', async () => {
    const feed = await app.request('/api/v1/context/feed');
    expect(feed.status).toBe(401);
    const post = await app.request('/api/v1/context/checkins', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tried: 'x' }) });
    expect(post.status).toBe(401);
    expect((await app.request(`/api/v1/context/digest?week=${WEEK}`)).status).toBe(401);
  });

  it('gives the admin token the organisation feed and digest, without private entries, and no authorship', async () => {
    const h = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const feed = await (await app.request('/api/v1/context/feed?feed=mine', { headers: h })).json();
    expect(feed.entries).toEqual([]);
    const org = await (await app.request('/api/v1/context/feed', { headers: h })).json();
    expect(org.entries.map((e: { experiment?: { title: string } }) => e.experiment?.title)).toEqual(['Shared with everyone']);
    const md = await app.request(`/api/v1/context/digest?week=${WEEK}&format=markdown`, { headers: h });
    expect(md.headers.get('content-type')).toContain('text/markdown');
    const text = await md.text();
    expect(text).toContain('ORG-LEARNING');
    expect(text).not.toContain('PRIVATE-ONE');
    const post = await app.request('/api/v1/context/checkins', { method: 'POST', headers: h, body: JSON.stringify({ tried: 'x' }) });
    expect(post.status).toBe(403);
    expect((await post.json()).error).toContain('no email');
  });

  it('documents the context routes in the OpenAPI document', async () => {
    const doc = await (await app.request('/api/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/context/checkins', '/api/v1/context/digest', '/api/v1/context/webhooks']));
  });
});

describe('context API for signed-in people (test viewer seam)', () => {
  let w: World;
  let app: ReturnType<typeof testApp>;
  beforeAll(async () => {
    w = await makeWorld();
    app = testApp(w.deps);
  });
  afterAll(async () => w.close());

  it('writes a check-in and finds it in the team feed and digest; a private one in neither', async () => {
    const A = client(app, ana);
    const shared = await A.post('/api/v1/context/checkins', { tried: 'Codex for flaky-test triage', learned: 'SHARED-LEARNING give it the CI log', tags: ['ci'], week: WEEK });
    expect(shared.status).toBe(201);
    const body = await shared.json();
    expect(body).toMatchObject({ kind: 'checkin', team: PLATFORM, visibility: 'team', week: WEEK, tags: ['ci'], author: { email: 'ana@example.com', name: 'Ana' } });
    expect((await A.post('/api/v1/context/checkins', { learned: 'PRIVATE-LEARNING', visibility: 'private', week: WEEK })).status).toBe(201);

    const B = client(app, ben);
    const feed = await (await B.get('/api/v1/context/feed?feed=team&tag=ci')).json();
    expect(feed.entries.map((e: { id: number }) => e.id)).toEqual([body.id]);
    const anaTeam = await (await A.get('/api/v1/context/feed?feed=team')).json();
    expect(JSON.stringify(anaTeam)).not.toContain('PRIVATE-LEARNING');
    for (const format of ['json', 'markdown', 'html']) {
      const d = await (await B.get(`/api/v1/context/digest?team=${encodeURIComponent(PLATFORM)}&week=${WEEK}&format=${format}`)).text();
      expect(d).toContain('SHARED-LEARNING');
      expect(d).not.toContain('PRIVATE-LEARNING');
    }
    const page = await (await B.get(`/context/digest?team=${encodeURIComponent(PLATFORM)}&week=${WEEK}`)).text();
    expect(page).toContain('SHARED-LEARNING');
    expect(page).not.toContain('PRIVATE-LEARNING');
    expect((await client(app, sam).get(`/api/v1/context/digest?team=${encodeURIComponent(PLATFORM)}&week=${WEEK}`)).status).toBe(403);
  });

  it('answers 400 naming the field for every length limit and bad value', async () => {
    const A = client(app, ana);
    const cases: [string, string, unknown, string][] = [
      ['/api/v1/context/checkins', 'learned', { learned: 'x'.repeat(LIMITS.text + 1) }, `at most ${LIMITS.text} characters`],
      ['/api/v1/context/checkins', 'tried', {}, 'at least one'],
      ['/api/v1/context/checkins', 'tags.0', { tried: 'x', tags: ['no spaces allowed'] }, 'letters, digits'],
      ['/api/v1/context/checkins', 'tags', { tried: 'x', tags: Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`) }, `at most ${LIMITS.tags} tags`],
      ['/api/v1/context/checkins', 'visibility', { tried: 'x', visibility: 'public' }, 'must be one of'],
      ['/api/v1/context/experiments', 'title', { title: 't'.repeat(LIMITS.title + 1), outcome: 'worked' }, `at most ${LIMITS.title}`],
      ['/api/v1/context/experiments', 'outcome', { title: 'x', outcome: 'great' }, 'must be one of worked'],
      ['/api/v1/context/experiments', 'links.0', { title: 'x', outcome: 'failed', links: ['javascript:alert(1)'] }, 'http(s) URL'],
      ['/api/v1/context/experiments', 'usage.to', { title: 'x', outcome: 'failed', usage: { from: '2026-06-02', to: '2026-06-01' } }, 'after from'],
      ['/api/v1/context/entries/1/comments', 'body', { body: 'c'.repeat(LIMITS.comment + 1) }, `at most ${LIMITS.comment}`],
    ];
    for (const [path, field, body, reason] of cases) {
      const r = await A.post(path, body);
      expect(r.status, `${path} ${field}`).toBe(400);
      const j = await r.json();
      expect(j.field, JSON.stringify(j)).toBe(field);
      expect(j.reason).toContain(reason);
      expect(j.error).toContain(`invalid ${field}`);
    }
    const notJson = await A.post('/api/v1/context/checkins', '{not json');
    expect(notJson.status).toBe(400);
    const big = await A.post('/api/v1/context/checkins', { tried: 'x'.repeat(LIMITS.body + 10) });
    expect(big.status).toBe(413);
    const q = await A.get(`/api/v1/context/feed?q=${'q'.repeat(LIMITS.title + 1)}`);
    expect((await q.json()).field).toBe('q');
    const noTeam = await client(app, { role: 'admin' }).get('/api/v1/context/feed?feed=team');
    expect(noTeam.status).toBe(400);
    expect((await noTeam.json()).field).toBe('team');
    expect((await A.get('/api/v1/context/feed?kind=story')).status).toBe(400);
  });

  it('never renders injected HTML or script, in entries, comments, digests and pages', async () => {
    const evil = '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[click](javascript:alert(3)) <a href="https://ok.example/" onclick="x()">ok</a> **bold**';
    const A = client(app, ana);
    const r = await (await A.post('/api/v1/context/checkins', { learned: evil, tried: '<iframe src="https://evil.example"></iframe>', visibility: 'organisation', week: WEEK })).json();
    const html = Object.values(r.html).join('');
    expectNoActiveContent(html);
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<a href="https://ok.example/" rel="nofollow noopener noreferrer">ok</a>');
    const c = await (await client(app, mia).post(`/api/v1/context/entries/${r.id}/comments`, { body: evil })).json();
    expectNoActiveContent(c.html);
    const md = await (await A.get(`/api/v1/context/digest?week=${WEEK}&format=markdown`)).text();
    expect(md).not.toContain('<script');
    expect(md).toContain('&lt;script&gt;');
    for (const url of [`/api/v1/context/digest?week=${WEEK}&format=html`, `/context/digest?week=${WEEK}`]) {
      const page = await (await A.get(url)).text();
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      // The page's own <style> is ours; what came from people is inside the article.
      const article = /<article id="digest">([\s\S]*)<\/article>/.exec(page)?.[1] ?? page;
      expectNoActiveContent(article);
      expect(page).not.toContain('<script');
    }
  });

  it('counts useful marks and comments through the API, and serves the check-in page with its reminder', async () => {
    const A = client(app, ana);
    const e = await (await A.post('/api/v1/context/experiments', { title: 'Support macros from tickets', outcome: 'partly', learned: 'USEFUL-ONE', visibility: 'organisation' })).json();
    expect((await client(app, sam).put(`/api/v1/context/entries/${e.id}/useful`)).status).toBe(200);
    expect((await client(app, mia).put(`/api/v1/context/entries/${e.id}/useful`)).status).toBe(200);
    expect((await A.put(`/api/v1/context/entries/${e.id}/useful`)).status).toBe(409);
    const got = await (await client(app, sam).get(`/api/v1/context/entries/${e.id}`)).json();
    expect(got).toMatchObject({ useful: 2, usefulByMe: true });
    await client(app, ben).del(`/api/v1/context/entries/${e.id}/useful`);
    expect((await (await client(app, ben).get(`/api/v1/context/entries/${e.id}`)).json()).usefulByMe).toBe(false);
    const stats = await (await client(app, mia).get('/api/v1/context/stats?weeks=2')).json();
    expect(stats.teams.find((t: { team: string }) => t.team === PLATFORM)).toMatchObject({ useful: 2 });
    const page = await (await client(app, ben).get('/context/checkin')).text();
    expect(page).toContain('id="reminder"');
  });
});
