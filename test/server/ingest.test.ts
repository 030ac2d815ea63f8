import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_EVENTS } from '../../src/ingest/pipeline.js';
import { ev } from '../support/events.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('POST /api/v1/events', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s.stop());

  const stored = async () => (await s.deps.store.rawTotals()).events;

  it('needs a known ingest key and stores nothing without one', async () => {
    const before = await stored();
    const none = await s.post('/api/v1/events', { events: [ev({ n: 900 })] }, { authorization: '' });
    expect(none.status).toBe(401);
    const wrong = await s.post('/api/v1/events', { events: [ev({ n: 900 })] }, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toMatch(/unknown ingest key/);
    expect(await stored()).toBe(before);
    const header = await s.post('/api/v1/events', { events: [ev({ n: 901 })] }, { authorization: '', 'x-tokenboard-ingest-key': 'test-ingest-key' });
    expect(header.status).toBe(200);
  });

  it('accepts a batch and counts a resent event once', async () => {
    const batch = { events: [ev({ n: 1 }), ev({ n: 2 }), ev({ n: 3 })] };
    const a = await s.post('/api/v1/events', batch);
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const b = await s.post('/api/v1/events', batch);
    expect(await b.json()).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
  });

  it('rejects bad items by index, field and reason and stores the rest atomically', async () => {
    const before = await stored();
    const r = await s.post('/api/v1/events', {
      events: [
        ev({ n: 10 }),
        { ...ev({ n: 11 }), tokens: { input: -5, output: 1 } },
        { ...ev({ n: 12 }), time: 'yesterday' },
        { ...ev({ n: 13 }), prompt: 'secret text' },
        { ...ev({ n: 14 }), source: undefined },
        ev({ n: 15 }),
      ],
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([
      { index: 1, field: 'tokens.input', reason: 'must be >= 0' },
      { index: 2, field: 'time', reason: expect.stringMatching(/ISO 8601/) },
      { index: 3, field: '(event)', reason: expect.stringMatching(/unknown field.*prompt.*never stores prompt/) },
      { index: 4, field: 'source', reason: expect.any(String) },
    ]);
    expect(await stored()).toBe(before + 2);
  });

  it('answers 400 naming item and field when every item is bad, or any item with ?atomic=true', async () => {
    const before = await stored();
    const all = await s.post('/api/v1/events', { events: [{ ...ev({ n: 20 }), tokens: { input: 1.5 } }] });
    expect(all.status).toBe(400);
    const body = await all.json();
    expect(body.field).toBe('events[0].tokens.input');
    expect(body.reason).toMatch(/integer/);
    const atomic = await s.post('/api/v1/events?atomic=true', { events: [ev({ n: 21 }), { ...ev({ n: 22 }), model: '' }] });
    expect(atomic.status).toBe(400);
    expect((await atomic.json()).field).toBe('events[1].model');
    expect(await stored()).toBe(before);
  });

  it('answers 400 for malformed JSON and for a body without events', async () => {
    const bad = await s.post('/api/v1/events', '{"events": [');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/not valid JSON/);
    const wrongShape = await s.post('/api/v1/events', { items: [] });
    expect(wrongShape.status).toBe(400);
    expect((await wrongShape.json()).field).toBe('events');
  });

  it('answers 413 past the documented batch size', async () => {
    const before = await stored();
    const events = Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, n) => ev({ n: 100_000 + n }));
    const r = await s.post('/api/v1/events', { events });
    expect(r.status).toBe(413);
    const huge = await s.post('/api/v1/events', JSON.stringify({ events: [ev({ n: 5 })], pad: 'x'.repeat(11 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(await stored()).toBe(before);
  });

  it('answers 429 with Retry-After when too many batches are in flight', async () => {
    const busy = await startTestServer({ maxInFlight: 1 });
    try {
      // Hold one request open by streaming its body slowly, then send another.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const body = new ReadableStream({
        async start(ctrl) {
          ctrl.enqueue(new TextEncoder().encode('{"events":['));
          await gate;
          ctrl.enqueue(new TextEncoder().encode(JSON.stringify(ev({ n: 1 })) + ']}'));
          ctrl.close();
        },
      });
      const slow = fetch(busy.url + '/api/v1/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer test-ingest-key' },
        body,
        duplex: 'half',
      } as RequestInit);
      await new Promise((r) => setTimeout(r, 200));
      const second = await busy.post('/api/v1/events', { events: [ev({ n: 2 })] });
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('1');
      release();
      expect((await slow).status).toBe(200);
      expect((await busy.deps.store.rawTotals()).events).toBe(1);
    } finally {
      await busy.stop();
    }
  });
});
