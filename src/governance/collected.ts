/**
 * The plain-language notice "what is collected, why, and who can see what",
 * generated from the live privacy policy so it is never out of date. Served
 * as a page (/privacy) and as Markdown (/privacy.md) for a data-protection
 * impact assessment or a works agreement.
 */
import { esc, page } from '../auth/pages.js';
import type { PrivacyPolicy } from '../query/policy.js';

interface Section {
  title: string;
  items: string[];
}

function countryRules(p: PrivacyPolicy): string {
  const say = { 'opt-in': 'only after opting in', 'opt-out': 'listed unless they opt out', off: 'never listed' } as const;
  const rules = Object.entries(p.leaderboards.countries).map(([c, m]) => `${c}: ${say[m]}`);
  return rules.length ? ` By country — ${rules.join('; ')}.` : '';
}

export function noticeSections(p: PrivacyPolicy): Section[] {
  const indiv = p.individualViewers.length ? `, and by: ${p.individualViewers.join(', ')} (every such view is recorded in the audit log)` : '';
  const lb = !p.leaderboards.enabled
    ? 'Leaderboards are switched off.'
    : p.leaderboards.individual
      ? `Individual leaderboards show ${p.leaderboards.defaultMode === 'off' ? 'no one unless a country rule below says otherwise' : 'only people who opted in'}${p.leaderboards.named ? ', by name' : ', under a pseudonym (a keyed code that cannot be worked out from an email address)'}.${countryRules(p)} You can opt out at any time.`
      : 'Leaderboards compare teams only; there is no ranking of individuals.';
  return [
    {
      title: 'What is collected',
      items: [
        'For every call to an AI model made through a connected tool: when it happened, which tool, provider and model, how many tokens went in and out (including cache), the number of requests, and the cost.',
        'Who it belongs to: the work email or account id the tool reports, matched to the people directory (name, team, function, manager).',
        'Optional activity counts some tools report: sessions, lines added or removed, commits, pull requests, accepted or rejected edits, active time.',
        'Your account (email, name, role), when you signed in, and what you viewed or exported of other people’s data (the audit log).',
      ],
    },
    {
      title: 'What is never collected',
      items: ['The text of prompts or responses, file contents, or anything typed into an AI tool. There is no place to store it.'],
    },
    {
      title: 'Why',
      items: [
        'To see whether AI tools are adopted in every function, what they cost, and what teams learn from them.',
        'Token counts are a dashboard, not a measure of productivity or performance: they are not used to rate people.',
      ],
    },
    {
      title: 'Who can see what',
      items: [
        `Your own usage: you${indiv}.`,
        `Analysts and administrators: totals for groups of at least ${p.minGroupSize} people. Smaller groups are shown as “suppressed”, and so is the next-smallest group where subtracting from a total would reveal them. Filters that narrow a group below ${p.minGroupSize} people are refused.`,
        `Managers: totals for their own reporting line, for groups of at least ${p.managerMinGroupSize} people.`,
        'Ingest keys can only send data; they cannot read anything.',
        lb,
        ...(p.exclude.functions.length || p.exclude.people.length
          ? [`Excluded from all analytics: ${[p.exclude.functions.length ? `the functions ${p.exclude.functions.join(', ')}` : '', p.exclude.people.length ? `${p.exclude.people.length} people` : ''].filter(Boolean).join(' and ')}.`]
          : []),
      ],
    },
    {
      title: 'How long it is kept',
      items: [
        `Individual usage records: ${p.retention.rawEventDays} days; after that only hourly and daily totals remain.`,
        `Weekly check-ins and experiment notes: ${p.retention.checkinDays} days.`,
        'Personal data exports are generated when asked for and handed over at once; the server never keeps a copy.',
      ],
    },
    {
      title: 'Your rights',
      items: [
        'Download everything stored about you (Settings → Export, or GET /api/v1/me/export).',
        'Ask an administrator to erase your data: your records and identities are removed; organisation totals stay correct but no longer contain anything linked to you.',
        'End all your signed-in sessions at any time.',
        'Every view of individual data, every export, every policy and role change is recorded in an append-only audit log.',
      ],
    },
  ];
}

export function noticeMarkdown(p: PrivacyPolicy): string {
  return [
    '# tokenboard: what is collected, why, and who can see what',
    '',
    ...noticeSections(p).flatMap((s) => [`## ${s.title}`, '', ...s.items.map((i) => `- ${i}`), '']),
    `Minimum group size: ${p.minGroupSize} (managers: ${p.managerMinGroupSize}).`,
    '',
  ].join('\n');
}

export function noticePage(p: PrivacyPolicy): string {
  const body = noticeSections(p)
    .map((s) => `<section><h2>${esc(s.title)}</h2><ul>${s.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul></section>`)
    .join('');
  return page('What is collected', `<h1>What tokenboard collects, why, and who can see what</h1>${body}<p><a href="/privacy.md">Download as Markdown</a> (for a data-protection impact assessment or works agreement)</p>`);
}
