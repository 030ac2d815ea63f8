import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestHtml, digestMarkdown } from '../../src/context/digest.js';
import { slackPayload, teamsPayload } from '../../src/context/webhook.js';
import { ana, ben, chen, makeWorld, mia, PLATFORM, SALES, sam, WEEK, type World } from './world.js';

describe('weekly digest', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld();
    const plain = await w.context.createCheckin(ana, { tried: 'Claude Code for the migration script', learned: 'Small diffs review faster', week: WEEK });
    const loved = await w.context.createCheckin(ben, { tried: 'Codex on flaky tests', triedForTeam: 'Shared a prompt for CI triage', learned: 'Give it the CI log, not the test name', week: WEEK });
    await w.context.markUseful(ana, loved.id, true);
    await w.context.markUseful(mia, loved.id, true);
    await w.context.markUseful(ben, plain.id, true);
    await w.context.createExperiment(chen, { title: 'Generate release notes from commits', outcome: 'failed', learned: 'It invents ticket numbers; keep a human in the loop', tools: ['Claude Code'] });
    await w.context.createExperiment(chen, { title: 'Test data generator', outcome: 'abandoned', goal: 'Seed staging', learned: 'Faker was simpler' });
    await w.context.createExperiment(ana, { title: 'Refactor with agent', outcome: 'worked', learned: 'Works with a test suite', usage: { from: '2026-06-01', to: '2026-06-08', tool: 'Claude Code' } });
    await w.context.createCheckin(ana, { learned: 'SECRET private note', visibility: 'private', week: WEEK });
    await w.context.createCheckin(sam, { tried: 'Deal desk summaries', learned: 'Sales learning', week: WEEK });
  });
  afterAll(async () => w.close());

  it('puts adoption change, new people, tokens and cost next to the stories', async () => {
    const d = await w.digests.digest(mia, PLATFORM, WEEK);
    expect(d.numbers.activePeople).toEqual({ thisWeek: { value: 6 }, lastWeek: { value: 5 } });
    expect(d.numbers.newPeople).toEqual({ value: 1 });
    expect('value' in d.numbers.tokens.thisWeek && d.numbers.tokens.thisWeek.value).toBeGreaterThan(45_000);
    expect(d.counts).toMatchObject({ checkins: 2, experiments: 3, contributors: 3, outcomes: { worked: 1, partly: 0, failed: 1, abandoned: 1 } });
    // Top learnings: most "useful" first.
    expect(d.learnings.map((l) => [l.author, l.useful])).toEqual([['Ben', 2], ['Ana', 1], ['Ana', 0], ['Chen', 0], ['Chen', 0]]);
    expect(d.failed.map((f) => [f.title, f.outcome])).toEqual([['Test data generator', 'abandoned'], ['Generate release notes from commits', 'failed']]);
    expect(d.experiments.find((e) => e.title === 'Refactor with agent')).toMatchObject({ tokens: 45_000 });
    expect(JSON.stringify(d)).not.toContain('SECRET');
    expect(JSON.stringify(d)).not.toContain('Sales learning');

    const md = digestMarkdown(d);
    expect(md).toContain(`# Weekly digest — Engineering · Platform — week of ${WEEK}`);
    expect(md).toContain('| Active people | 6 | 5 | +20% |');
    expect(md).toContain('New people who started using AI tools this week: 1.');
    expect(md).toMatch(/## Top learnings\n\n- \*\*Ben\*\* · 2 found this useful: Give it the CI log, not the test name/);
    expect(md).toContain('## Failed experiments worth knowing');
    expect(md).toContain('**Generate release notes from commits** (failed) — Chen: It invents ticket numbers');
    expect(md).toContain('**Refactor with agent** (worked) — Ana · 45.0 k tokens, $');
    expect(md).toContain('For the team: Shared a prompt for CI triage');
    const html = digestHtml(d);
    expect(html).toContain('<h2>Failed experiments worth knowing</h2>');
    expect(html).toContain('<td>Active people</td>');
  });

  it('suppresses the numbers of a group smaller than the privacy minimum', async () => {
    const d = await w.digests.digest(sam, SALES, WEEK);
    expect(d.numbers.activePeople.thisWeek).toMatchObject({ suppressed: true });
    expect(d.learnings.map((l) => l.text)).toEqual(['Sales learning']);
    expect(digestMarkdown(d)).toContain('| Active people | suppressed |');
  });

  it('shapes Slack and Teams payloads from the same digest', async () => {
    const d = await w.digests.digest(chen, PLATFORM, WEEK);
    const slack = slackPayload(d);
    expect(slack.text).toBe(`Weekly digest — ${PLATFORM} — week of ${WEEK}`);
    const text = slack.blocks.map((b) => b.text.text).join('\n');
    expect(text).toContain('*Top learnings*');
    expect(text).toContain('*Ben*');
    expect(text).not.toContain('**');
    expect(text).toContain('Active people · 6 · 5 · +20%');
    const teams = teamsPayload(d);
    expect(teams.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(teams)).toContain('Failed experiments worth knowing');
  });

  it('lists the organisation digest with organisation entries only', async () => {
    const d = await w.digests.digest(ben, undefined, WEEK);
    expect(d.team).toBeNull();
    expect(d.counts.checkins + d.counts.experiments).toBe(0);
    expect(digestMarkdown(d)).toContain('No learnings shared this week yet.');
  });
});
