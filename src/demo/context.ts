/**
 * Check-ins, experiments, "useful" marks and comments for the demo
 * organisation, so the context feature is visible on first run. Written
 * through the context service as each author (so visibility, limits and
 * linked usage figures work exactly as for real people). Deterministic for a
 * seed and end date.
 */
import { ContextService } from '../context/service.js';
import { weekName, WEEK_MS } from '../context/week.js';
import type { Viewer } from '../query/policy.js';
import { QueryService } from '../query/service.js';
import type { Store } from '../store/types.js';
import { rng, type DemoOrg, type DemoPerson } from './org.js';

type Family = 'build' | 'data' | 'product' | 'support' | 'gtm' | 'business';

const FAMILY: Record<string, Family> = {
  Engineering: 'build', Security: 'build', Data: 'data', Product: 'product', Design: 'product',
  'Customer Support': 'support', Sales: 'gtm', Marketing: 'gtm', Operations: 'business', Finance: 'business', People: 'business', Legal: 'business',
};

interface Story {
  tried: string;
  team?: string;
  company?: string;
  learned: string;
  tags: string[];
}

const CHECKINS: Record<Family, Story[]> = {
  build: [
    { tried: 'Asked the agent to write the failing test first, then the fix, on a flaky payments test.', learned: 'Giving it the CI log instead of the test name cut the back-and-forth in half.', tags: ['testing', 'ci'] },
    { tried: 'Used Claude Code to split a 1,200-line service into modules.', team: 'Wrote down the prompt and the review checklist in the team wiki.', learned: 'Small, reviewable steps work; one big refactor request produced a diff nobody could review.', tags: ['refactoring'] },
    { tried: 'Let Codex draft the migration for the new index.', learned: 'It forgot the concurrent option on PostgreSQL. **Always** read generated migrations.', tags: ['databases', 'review'] },
    { tried: 'Tried an agent on a dependency upgrade across three repos.', learned: 'Pin the lockfile first; otherwise it “fixes” unrelated versions.', tags: ['dependencies'] },
    { tried: 'Had the model explain an unfamiliar Terraform module before changing it.', company: 'Proposed a short "explain before you edit" guideline for infra changes.', learned: 'Explanations were right about structure, wrong about one default value — check the docs for defaults.', tags: ['infrastructure', 'onboarding'] },
    { tried: 'Threat-modelled the new upload endpoint with the model as a sparring partner.', learned: 'Good at listing classes of attacks, weak at our specific trust boundaries.', tags: ['security'] },
  ],
  data: [
    { tried: 'Generated dbt tests for the revenue models.', learned: 'It suggested uniqueness tests on columns that are legitimately duplicated — needs domain review.', tags: ['dbt', 'testing'] },
    { tried: 'Used the model to translate a colleague’s R notebook to Python.', team: 'Pairing session for the analysts who asked about it.', learned: 'Plots translate well; statistical defaults (e.g. variance estimators) silently differ.', tags: ['python', 'analysis'] },
    { tried: 'Asked for SQL from a plain-language question on the events table.', learned: 'Fine on simple filters; joins across our slowly-changing dimensions were wrong 2 of 5 times.', tags: ['sql'] },
  ],
  product: [
    { tried: 'Summarised 40 customer interviews into themes.', learned: 'Themes were plausible but quotes were occasionally merged across customers — keep source links.', tags: ['research'] },
    { tried: 'Drafted a PRD outline with the model, then wrote it myself.', team: 'Shared the outline prompt with the growth squad.', learned: 'Best use was finding missing sections (rollout, metrics), not the prose.', tags: ['writing', 'prd'] },
    { tried: 'Generated 30 empty-state copy variants for the onboarding flow.', learned: 'Volume is cheap; choosing is the work. Three were usable.', tags: ['copy', 'design'] },
  ],
  support: [
    { tried: 'Used Support Assist to draft replies for billing tickets.', learned: 'Great first drafts; it must never promise refunds — added that to the macro.', tags: ['tickets', 'billing'] },
    { tried: 'Asked the model to cluster last week’s escalations.', team: 'Brought the clusters to the weekly sync with engineering.', learned: 'Two clusters were the same bug described differently — useful for engineering.', tags: ['escalations'] },
    { tried: 'Translated a help-centre article into Spanish and Portuguese.', learned: 'Native speakers fixed tone in both; product names were translated when they should not be.', tags: ['localisation'] },
  ],
  gtm: [
    { tried: 'Prepared account research for three enterprise calls.', learned: 'Public facts were right; org charts were out of date. Verify on LinkedIn.', tags: ['research', 'enterprise'] },
    { tried: 'Drafted a campaign email sequence.', company: 'Suggested a shared prompt library for marketing and sales.', learned: 'The careful single paragraph beat the 5-email sequence in the A/B test.', tags: ['email', 'campaigns'] },
    { tried: 'Summarised a 60-minute discovery call from my notes.', learned: 'Summaries are faster than writing them; action items need a human check.', tags: ['calls'] },
  ],
  business: [
    { tried: 'Reconciled two vendor exports with the model’s help.', learned: 'It is good at spotting column mismatches, bad at arithmetic — do totals in the spreadsheet.', tags: ['spreadsheets'] },
    { tried: 'Drafted a policy FAQ from the new travel policy.', learned: 'Two answers contradicted the policy; legal review is still needed.', tags: ['policy', 'writing'] },
    { tried: 'First time using ChatGPT for a job description.', team: 'Showed the team how I prompted it.', learned: 'Removing biased wording was the most valuable part.', tags: ['recruiting', 'first-try'] },
  ],
};

interface ExperimentStory {
  title: string;
  goal: string;
  outcome: 'worked' | 'partly' | 'failed' | 'abandoned';
  learned: string;
  tags: string[];
}

const EXPERIMENTS: Record<Family, ExperimentStory[]> = {
  build: [
    { title: 'Release notes generated from merged PRs', goal: 'Cut the time to write weekly release notes.', outcome: 'failed', learned: 'It invented ticket numbers and merged unrelated PRs. Not worth it without structured PR labels.', tags: ['docs', 'release'] },
    { title: 'Agent-written unit tests for the billing module', goal: 'Raise coverage on legacy code before a refactor.', outcome: 'partly', learned: 'Tests compiled and passed but asserted current (buggy) behaviour in 3 places.', tags: ['testing'] },
    { title: 'Codemod for the logging API change', goal: 'Migrate 400 call sites.', outcome: 'worked', learned: 'Asking for a codemod script (not the edits) gave a reviewable, repeatable change.', tags: ['refactoring'] },
    { title: 'Overnight autonomous bug-fixing', goal: 'Let an agent work the backlog of small bugs unattended.', outcome: 'abandoned', learned: 'Burned tokens on retries with no mergeable result; bounded tasks with a human checkpoint work better.', tags: ['agents', 'cost'] },
  ],
  data: [
    { title: 'Natural-language questions over the warehouse', goal: 'Let PMs ask simple questions without an analyst.', outcome: 'partly', learned: 'Works for single-table questions; needs a curated semantic layer for the rest.', tags: ['sql', 'self-serve'] },
    { title: 'Anomaly explanations for the daily KPI email', goal: 'Add a one-line “why” to KPI swings.', outcome: 'failed', learned: 'Explanations sounded confident and were mostly wrong; correlation is not a cause.', tags: ['kpi'] },
  ],
  product: [
    { title: 'Interview synthesis with source links', goal: 'Faster synthesis that stays traceable.', outcome: 'worked', learned: 'Requiring a quote and interview id per theme stopped the merging of customers.', tags: ['research'] },
    { title: 'Prototype copy generation in Figma', goal: 'Realistic copy in prototypes.', outcome: 'abandoned', learned: 'Plugin friction outweighed the benefit; copy docs work fine.', tags: ['design'] },
  ],
  support: [
    { title: 'Suggested macros from resolved tickets', goal: 'Keep macros up to date.', outcome: 'worked', learned: 'Weekly batch suggestions reviewed by a lead: 12 macros updated, 2 retired.', tags: ['tickets', 'macros'] },
    { title: 'Auto-reply for password-reset tickets', goal: 'Deflect the most common ticket type.', outcome: 'failed', learned: 'Customers wanted a human after the second reply; CSAT dropped. Reverted.', tags: ['automation', 'csat'] },
  ],
  gtm: [
    { title: 'Account briefs before discovery calls', goal: 'Better first calls with less prep.', outcome: 'worked', learned: 'A fixed brief template (news, stack, open roles) was the key.', tags: ['enterprise', 'research'] },
    { title: 'Personalised outbound at scale', goal: 'More replies from cold email.', outcome: 'failed', learned: 'Reply rate did not move; recipients spot generated “personalisation”.', tags: ['outbound'] },
  ],
  business: [
    { title: 'Contract clause extraction', goal: 'Pull renewal dates and notice periods into the tracker.', outcome: 'partly', learned: 'Right on standard templates, missed clauses in amendments. Human check stays.', tags: ['contracts'] },
    { title: 'Month-end variance commentary', goal: 'Draft the commentary for the FP&A pack.', outcome: 'worked', learned: 'Good drafts when given the numbers table; never let it compute the numbers.', tags: ['finance', 'reporting'] },
  ],
};

const COMMENTS = [
  'We hit exactly this last sprint — thanks for writing it down.',
  'Could you share the prompt?',
  'Failed experiments like this save the rest of us a week.',
  'Did you try giving it the schema first?',
];

export interface ContextSeedResult {
  checkins: number;
  experiments: number;
  reactions: number;
  comments: number;
}

/** Seed about ten weeks of check-ins and experiments from people who use AI tools. */
export async function seedDemoContext(store: Store, org: DemoOrg, seed: number, end: number, weeks = 10): Promise<ContextSeedResult> {
  const r = rng(seed ^ 0xc0ffee);
  let now = end;
  const service = ContextService.forStore(store, new QueryService(store), () => now);
  const as = (p: DemoPerson): Viewer => ({ role: 'member', email: p.email });
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const endDay = Math.floor((end - org.start) / 86_400_000);
  const result: ContextSeedResult = { checkins: 0, experiments: 0, reactions: 0, comments: 0 };
  const written: { id: number; author: DemoPerson }[] = [];
  const byTeam = new Map<string, DemoPerson[]>();
  for (const p of org.people) byTeam.set(p.team!, [...(byTeam.get(p.team!) ?? []), p]);

  for (let w = weeks - 1; w >= 0; w--) {
    const weekStartMs = Date.parse(weekName(end - w * WEEK_MS));
    const dayOfPeriod = Math.floor((weekStartMs - org.start) / 86_400_000);
    // Later in the week than its start, so "this week" entries exist on first run.
    now = Math.min(end, weekStartMs + 4 * 86_400_000);
    const active = org.people.filter((p) => p.adoptDay <= dayOfPeriod && p.idleFrom > dayOfPeriod && dayOfPeriod <= endDay);
    for (const p of active) {
      const family = FAMILY[p.function!] ?? 'business';
      // About one in eight active people writes a check-in in a given week; more in later weeks.
      if (r() < 0.09 + 0.05 * ((weeks - w) / weeks)) {
        const s = pick(CHECKINS[family]);
        const visibility = r() < 0.1 ? 'private' : r() < 0.75 ? 'team' : 'organisation';
        const e = await service.createCheckin(as(p), { tried: s.tried, triedForTeam: s.team, triedForCompany: s.company, learned: s.learned, tags: s.tags, visibility, week: weekName(weekStartMs) });
        result.checkins++;
        if (visibility !== 'private') written.push({ id: e.id, author: p });
      }
      if (r() < 0.025) {
        const x = pick(EXPERIMENTS[family]);
        const tool = p.tools[0]!;
        const e = await service.createExperiment(as(p), {
          ...x,
          tools: [tool],
          visibility: r() < 0.6 ? 'organisation' : 'team',
          usage: { from: new Date(weekStartMs).toISOString(), to: new Date(Math.min(weekStartMs + WEEK_MS, end + 86_400_000)).toISOString(), tool },
        });
        result.experiments++;
        written.push({ id: e.id, author: p });
      }
    }
  }
  // Teammates mark some learnings useful and comment on a few.
  for (const { id, author } of written) {
    const mates = (byTeam.get(author.team!) ?? []).filter((m) => m.email !== author.email);
    for (const m of mates) {
      if (r() < 0.06) {
        await service.markUseful(as(m), id, true);
        result.reactions++;
      }
    }
    if (mates.length && r() < 0.15) {
      await service.comment(as(pick(mates)), id, { body: pick(COMMENTS) });
      result.comments++;
    }
  }
  return result;
}
