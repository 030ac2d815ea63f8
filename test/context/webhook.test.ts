import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { adminToken, ana, ben, makeWorld, PLATFORM, sam, WEEK, type World } from './world.js';

/** A local chat-webhook receiver that answers from a script of statuses and records what arrived. */
async function receiver(script: { status: number; retryAfter?: string }[]) {
  const got: { headers: http.IncomingHttpHeaders; body: unknown }[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: JSON.parse(data) });
      const step = script[Math.min(got.length - 1, script.length - 1)]!;
      res.writeHead(step.status, step.retryAfter ? { 'retry-after': step.retryAfter } : {});
      res.end(step.status < 300 ? 'ok' : 'busy');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/B000/secret`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('digest webhooks', () => {
  let w: World;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    w = await makeWorld();
    await w.context.createCheckin(ana, { tried: 'Agent for dependency bumps', learned: 'TEAM-LEARNING pin the lockfile first', week: WEEK });
    await w.context.createCheckin(ana, { learned: 'PRIVATE never in a channel', visibility: 'private', week: WEEK });
    await w.context.createExperiment(ana, { title: 'ORG-EXPERIMENT meeting notes', outcome: 'partly', learned: 'Good for action items', visibility: 'organisation' });
  });
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });
  afterAll(async () => w.close());

  it('retries 503 and 429 with exponential backoff, then logs each attempt under one delivery id', async () => {
    const rx = await receiver([{ status: 503 }, { status: 429, retryAfter: '7' }, { status: 503 }, { status: 200 }]);
    closers.push(rx.close);
    const hook = await w.digests.addWebhook(ben, { team: PLATFORM, url: rx.url, format: 'slack' });
    expect(hook.url).not.toContain('secret');
    const waits: number[] = [];
    const r = await w.digests.send(ben, hook.id, WEEK, { baseDelayMs: 100, sleep: async (ms) => void waits.push(ms) });
    expect(r).toMatchObject({ ok: true, attempts: 4, status: 200 });
    // 100 ms, then the receiver's Retry-After (7 s), then 400 ms.
    expect(waits).toEqual([100, 7000, 400]);
    expect(rx.got).toHaveLength(4);
    expect(new Set(rx.got.map((g) => g.headers['x-tokenboard-delivery'])).size).toBe(1);
    const body = rx.got[3]!.body as { text: string; blocks: { text: { text: string } }[] };
    expect(body.text).toBe(`Weekly digest — ${PLATFORM} — week of ${WEEK}`);
    const text = JSON.stringify(body);
    expect(text).toContain('TEAM-LEARNING');
    expect(text).not.toContain('PRIVATE');
    const log = await w.digests.deliveries(ben, hook.id);
    expect(log.map((l) => [l.attempt, l.ok, l.httpStatus])).toEqual([[4, true, 200], [3, false, 503], [2, false, 429], [1, false, 503]]);
    expect(new Set(log.map((l) => l.deliveryKey))).toEqual(new Set([r.deliveryKey]));
  });

  it('gives up at once on a 4xx other than 408/429, and after the last attempt on network errors', async () => {
    const rx = await receiver([{ status: 404 }]);
    closers.push(rx.close);
    const hook = await w.digests.addWebhook(ana, { team: PLATFORM, url: rx.url, format: 'teams' });
    const r = await w.digests.send(ana, hook.id, WEEK, { sleep: async () => {} });
    expect(r).toMatchObject({ ok: false, attempts: 1, status: 404, error: 'HTTP 404' });
    expect((rx.got[0]!.body as { type: string }).type).toBe('message');

    // Nothing listens on this port any more: connection refused, three attempts, all logged.
    const dead = await receiver([{ status: 200 }]);
    await dead.close();
    const h2 = await w.digests.addWebhook(ana, { team: PLATFORM, url: dead.url });
    const r2 = await w.digests.send(ana, h2.id, WEEK, { attempts: 3, baseDelayMs: 1 });
    expect(r2).toMatchObject({ ok: false, attempts: 3, status: null });
    expect((await w.digests.deliveries(ana, h2.id)).map((l) => l.ok)).toEqual([false, false, false]);
  });

  it('lets only a team’s people manage its webhook, and only admins the organisation one', async () => {
    await expect(w.digests.addWebhook(sam, { team: PLATFORM, url: 'https://chat.example/hook' })).rejects.toMatchObject({ status: 403 });
    await expect(w.digests.addWebhook(ana, { url: 'https://chat.example/hook' })).rejects.toMatchObject({ status: 403 });
    await expect(w.digests.addWebhook(ana, { team: PLATFORM, url: 'ftp://chat.example/hook' })).rejects.toMatchObject({ status: 400, field: 'url' });
    const mine = await w.digests.listWebhooks(ben);
    expect(mine.every((h) => h.team === PLATFORM)).toBe(true);
    expect(await w.digests.listWebhooks(sam)).toEqual([]);
    await expect(w.digests.send(sam, mine[0]!.id, WEEK)).rejects.toMatchObject({ status: 403 });
    expect((await w.digests.listWebhooks(adminToken)).filter((h) => h.team === PLATFORM)).toEqual([]);
  });

  it('posts the organisation digest over HTTP with the admin token, retrying a 503', async () => {
    const rx = await receiver([{ status: 503, retryAfter: '0' }, { status: 204 }]);
    closers.push(rx.close);
    const app = createApp({ ...w.deps, adminToken: 'wh-admin' });
    const h = { authorization: 'Bearer wh-admin', 'content-type': 'application/json' };
    const add = await app.request('/api/v1/context/webhooks', { method: 'POST', headers: h, body: JSON.stringify({ url: rx.url, format: 'slack' }) });
    expect(add.status).toBe(201);
    const { id } = await add.json();
    const send = await app.request(`/api/v1/context/webhooks/${id}/send?week=${WEEK}`, { method: 'POST', headers: h });
    expect(send.status).toBe(200);
    expect(await send.json()).toMatchObject({ ok: true, attempts: 2 });
    const text = JSON.stringify(rx.got[1]!.body);
    expect(text).toContain('ORG-EXPERIMENT');
    expect(text).not.toContain('TEAM-LEARNING');
    expect(text).not.toContain('PRIVATE');
    const log = await (await app.request(`/api/v1/context/webhooks/${id}/deliveries`, { headers: h })).json();
    expect(log.deliveries.map((d: { httpStatus: number }) => d.httpStatus)).toEqual([204, 503]);
  });
});

describe('weekly digest job', () => {
  it('runs next Monday at the set hour', async () => {
    const { nextRun } = await import('../../src/context/schedule.js');
    const wed = Date.parse('2026-06-03T12:00:00Z');
    expect(new Date(nextRun(wed, 8)).toISOString()).toBe('2026-06-08T08:00:00.000Z');
    expect(new Date(nextRun(Date.parse('2026-06-08T07:59:00Z'), 8)).toISOString()).toBe('2026-06-08T08:00:00.000Z');
    expect(new Date(nextRun(Date.parse('2026-06-08T08:00:00Z'), 8)).toISOString()).toBe('2026-06-15T08:00:00.000Z');
  });

  it('posts last week’s digest once per webhook, and retries only the failed ones', async () => {
    // "Now" is Monday of the following week: the job posts the week of WEEK.
    const w = await makeWorld(Date.parse('2026-06-08T08:00:00Z'));
    try {
      await w.context.createCheckin(ana, { learned: 'JOB-LEARNING', week: WEEK });
      const good = await receiver([{ status: 200 }]);
      const flaky = await receiver([{ status: 500 }, { status: 500 }, { status: 200 }]);
      const h1 = await w.digests.addWebhook(ana, { team: PLATFORM, url: good.url });
      const h2 = await w.digests.addWebhook(ben, { team: PLATFORM, url: flaky.url });
      const first = await w.digests.sendAll(undefined, { attempts: 2, baseDelayMs: 1 });
      expect(first.map((s) => [s.webhook, s.result.ok])).toEqual([[h1.id, true], [h2.id, false]]);
      expect(JSON.stringify(good.got[0]!.body)).toContain('JOB-LEARNING');
      expect(JSON.stringify(good.got[0]!.body)).toContain(`week of ${WEEK}`);
      const second = await w.digests.sendAll(undefined, { attempts: 2, baseDelayMs: 1 });
      expect(second.map((s) => [s.webhook, s.result.ok])).toEqual([[h2.id, true]]);
      expect(await w.digests.sendAll(undefined, { attempts: 2, baseDelayMs: 1 })).toEqual([]);
      expect(good.got).toHaveLength(1);
      expect(flaky.got).toHaveLength(3);
      await good.close();
      await flaky.close();
    } finally {
      await w.close();
    }
  });
});
