import { describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo/seed.js';
import { ContextService, DigestService } from '../../src/context/service.js';
import { buildDeps, openStore } from '../../src/server/start.js';
import { ana, ben, makeWorld, mia, WEEK } from './world.js';

describe('retention and erasure of context', () => {
  it('erases everything one person wrote or reacted with, and prunes entries past retention', async () => {
    const w = await makeWorld();
    try {
      const mine = await w.context.createCheckin(ana, { learned: 'ANA-ONLY', visibility: 'organisation', week: WEEK });
      const bens = await w.context.createCheckin(ben, { learned: 'BEN-STAYS', week: WEEK });
      await w.context.markUseful(ana, bens.id, true);
      await w.context.comment(ana, bens.id, { body: 'ANA-COMMENT' });
      await w.context.comment(mia, mine.id, { body: 'on Ana’s entry' });
      expect(await w.context.repo.eraseAuthor('ana@example.com')).toBe(1);
      await expect(w.context.get(mia, mine.id)).rejects.toMatchObject({ status: 404 });
      const left = await w.context.get(ben, bens.id);
      expect(left).toMatchObject({ useful: 0, comments: 0 });
      expect(await w.context.comments(ben, bens.id)).toEqual([]);

      expect(await w.context.repo.pruneBefore(Date.parse('2026-06-01'))).toBe(0);
      expect(await w.context.repo.pruneBefore(Date.parse('2026-07-01'))).toBe(1);
      await expect(w.context.get(ben, bens.id)).rejects.toMatchObject({ status: 404 });
    } finally {
      await w.close();
    }
  });
});

describe('demo organisation context', () => {
  it('seeds check-ins and experiments that show up in team digests, with usage beside experiments', async () => {
    const store = openStore(':memory:');
    const deps = buildDeps(store);
    const end = Date.parse('2026-06-04T12:00:00Z');
    try {
      const r = await seedDemo(deps.ingestor, { end, days: 35 });
      expect(r.seeded).toBe(true);
      const now = () => end;
      const context = ContextService.forStore(store, deps.query, now);
      const digests = new DigestService(context, now);
      const person = (await store.listPeople()).find((p) => p.team === 'Engineering · Platform' && p.title === 'Engineer')!;
      const viewer = { role: 'member' as const, email: person.email };
      const d = await digests.digest(viewer, person.team!, '2026-05-25');
      expect(d.counts.checkins).toBeGreaterThan(0);
      expect(d.learnings.length).toBeGreaterThan(0);
      const feed = await context.feed(viewer, { feed: 'organisation', kind: 'experiment', tag: [], limit: 200 });
      expect(feed.length).toBeGreaterThan(0);
      expect(feed.every((e) => e.visibility === 'organisation')).toBe(true);
      const withUsage = feed.filter((e) => (e.experiment?.usage?.figures?.tokens ?? 0) > 0);
      expect(withUsage.length).toBeGreaterThan(0);
      expect(feed.some((e) => e.experiment?.outcome === 'failed' || e.experiment?.outcome === 'abandoned')).toBe(true);
    } finally {
      await store.close();
    }
  });
});
