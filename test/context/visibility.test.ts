import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ana, anonymous, adminToken, ben, makeWorld, mia, PLATFORM, sam, WEEK, type World } from './world.js';

describe('context visibility (service level, per person)', () => {
  let w: World;
  let privateId: number;
  let teamId: number;
  let orgId: number;
  beforeAll(async () => {
    w = await makeWorld();
    privateId = (await w.context.createCheckin(ana, { tried: 'PRIVATE-NOTE drafting my review with Claude', learned: 'PRIVATE-LEARNING', visibility: 'private', week: WEEK })).id;
    teamId = (await w.context.createCheckin(ana, { tried: 'TEAM-NOTE pair-debugging with Codex', learned: 'TEAM-LEARNING ask for a failing test first', visibility: 'team', week: WEEK, tags: ['debugging'] })).id;
    orgId = (await w.context.createExperiment(ana, { title: 'ORG-EXPERIMENT release notes from commits', outcome: 'failed', learned: 'ORG-LEARNING it invents ticket numbers', visibility: 'organisation', tags: ['docs'], usage: { from: '2026-06-01', to: '2026-06-08', tool: 'Claude Code' } })).id;
  });
  afterAll(async () => w.close());

  const ids = (entries: { id: number }[]) => entries.map((e) => e.id).sort();
  const feed = (v: typeof ana, over: object = {}) => w.context.feed(v, { feed: 'organisation', tag: [], limit: 50, ...over } as never);

  it('shows a private entry to its author only', async () => {
    expect((await w.context.get(ana, privateId)).checkin?.tried).toContain('PRIVATE-NOTE');
    for (const v of [ben, mia, sam, adminToken, anonymous]) await expect(w.context.get(v, privateId)).rejects.toMatchObject({ status: 404 });
    expect(ids(await feed(ana, { feed: 'mine' }))).toEqual([privateId, teamId, orgId].sort());
  });

  it('never puts a private entry in a team or organisation feed, even the author’s own', async () => {
    expect(ids(await feed(ana, { feed: 'team' }))).toEqual([teamId, orgId].sort());
    expect(ids(await feed(ana, { feed: 'organisation' }))).toEqual([orgId]);
    const search = await feed(ana, { feed: 'team', q: 'private-note' });
    expect(search).toEqual([]);
  });

  it('shows team entries to the team and the managers above it, not to other teams', async () => {
    expect(ids(await feed(ben, { feed: 'team' }))).toEqual([teamId, orgId].sort());
    expect(ids(await feed(mia, { feed: 'team', team: PLATFORM }))).toEqual([teamId, orgId].sort());
    expect(ids(await feed(sam, { feed: 'team', team: PLATFORM }))).toEqual([orgId]);
    await expect(w.context.get(sam, teamId)).rejects.toMatchObject({ status: 404 });
    // The admin bearer token is nobody's teammate: organisation entries only.
    expect(ids(await feed(adminToken, { feed: 'team', team: PLATFORM }))).toEqual([orgId]);
  });

  it('shows organisation entries to every signed-in viewer and nothing to anonymous ones', async () => {
    for (const v of [ben, mia, sam, adminToken]) expect(ids(await feed(v))).toEqual([orgId]);
    expect(await feed(anonymous)).toEqual([]);
  });

  it('keeps private entries out of team and organisation digests', async () => {
    const team = await w.digests.digest(mia, PLATFORM, WEEK);
    const org = await w.digests.digest(sam, undefined, WEEK);
    const text = JSON.stringify(team) + JSON.stringify(org);
    expect(text).not.toContain('PRIVATE');
    expect(JSON.stringify(team)).toContain('TEAM-LEARNING');
    expect(JSON.stringify(org)).not.toContain('TEAM-LEARNING');
    expect(JSON.stringify(org)).toContain('ORG-LEARNING');
    await expect(w.digests.digest(sam, PLATFORM, WEEK)).rejects.toMatchObject({ status: 403 });
    await expect(w.digests.digest(anonymous, undefined, WEEK)).rejects.toMatchObject({ status: 403 });
  });

  it('lets readers mark useful and comment only on entries they can see, never their own', async () => {
    await expect(w.context.markUseful(sam, teamId, true)).rejects.toMatchObject({ status: 404 });
    await expect(w.context.comment(sam, privateId, { body: 'hi' })).rejects.toMatchObject({ status: 404 });
    await expect(w.context.markUseful(ana, orgId, true)).rejects.toMatchObject({ status: 409 });
    const marked = await w.context.markUseful(ben, teamId, true);
    expect(marked).toMatchObject({ useful: 1, usefulByMe: true });
    await w.context.markUseful(ben, teamId, true); // idempotent
    expect((await w.context.get(ana, teamId)).useful).toBe(1);
    const c = await w.context.comment(sam, orgId, { body: 'We saw the same with **ticket ids**' });
    expect(c.html).toContain('<strong>ticket ids</strong>');
    expect((await w.context.comments(mia, orgId)).length).toBe(1);
  });

  it('shows an experiment’s linked usage as the author’s own tokens and cost', async () => {
    const e = await w.context.get(sam, orgId);
    const f = e.experiment!.usage!.figures!;
    // Ana's two Claude Code events in the linked week: 1000+2000+30000+500 and 500+1000+10000.
    expect(f.tokens).toBe(45_000);
    expect(f.requests).toBe(2);
    expect(f.sessions).toBe(1);
    expect(f.cost).toBeGreaterThan(0);
  });

  it('only lets the author change or delete an entry', async () => {
    await expect(w.context.update(ben, teamId, { tried: 'hijack' })).rejects.toMatchObject({ status: 403 });
    await expect(w.context.remove(mia, teamId)).rejects.toMatchObject({ status: 403 });
    const u = await w.context.update(ana, teamId, { tried: 'TEAM-NOTE edited', visibility: 'team', week: WEEK, tags: ['debugging'] });
    expect(u.checkin?.tried).toBe('TEAM-NOTE edited');
  });

  it('filters by tag and searches text, inside the viewer’s scope', async () => {
    expect(ids(await feed(ben, { feed: 'team', tag: ['debugging'] }))).toEqual([teamId]);
    expect(ids(await feed(sam, { tag: ['debugging'] }))).toEqual([]);
    expect(ids(await feed(sam, { q: 'ticket numbers' }))).toEqual([orgId]);
    expect(ids(await feed(sam, { q: '100%_' }))).toEqual([]);
  });

  it('reminds people who have not written this week’s check-in', async () => {
    expect(await w.context.reminder(ana)).toMatchObject({ week: WEEK, due: false });
    expect(await w.context.reminder(ben)).toMatchObject({ week: WEEK, due: true });
  });
});
