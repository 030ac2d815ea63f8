/**
 * bench:context — how fast the context reads are with a year of entries:
 * feeds (organisation, team, search, tag), one entry, and a team digest
 * (entries plus the four usage aggregates beside them), p50/p95 in ms.
 *
 *   npm run bench:context [-- --people 10000 --weeks 52 --per-week 0.3 --runs 40]
 *
 * Entries are written through the repository (the service's checks cost the
 * same per entry and are not what this measures); reads go through the
 * context service and the query layer as a team member would ask.
 */
import { parseArgs } from 'node:util';
import { ContextRepo } from '../src/context/repo.js';
import { ContextService, DigestService } from '../src/context/service.js';
import { DAY_MS, WEEK_MS, weekName } from '../src/context/week.js';
import { rng } from '../src/demo/org.js';
import { buildDeps, openStore } from '../src/server/start.js';
import type { SqliteStore } from '../src/store/sqlite/store.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '10000' },
    weeks: { type: 'string', default: '52' },
    'per-week': { type: 'string', default: '0.3' },
    runs: { type: 'string', default: '40' },
  },
});
const PEOPLE = Number(values.people);
const WEEKS = Number(values.weeks);
const PER_WEEK = Number(values['per-week']);
const RUNS = Number(values.runs);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bench-context-'));
const store = openStore(dir);
const deps = buildDeps(store);
const r = rng(7);
const TEAMS = Array.from({ length: Math.ceil(PEOPLE / 12) }, (_, i) => `Team ${i}`);
const people = Array.from({ length: PEOPLE }, (_, i) => ({ email: `p${i}@bench.example`, name: `Person ${i}`, team: TEAMS[i % TEAMS.length]!, function: `F${i % 12}` }));
await store.upsertPeople(people);

const end = Date.parse('2026-06-04T12:00:00Z');
const repo = ContextRepo.forStore(store);
const words = ['agent', 'codemod', 'tests', 'migration', 'summaries', 'tickets', 'prompt', 'review', 'sql', 'release', 'docs', 'refactor', 'triage', 'copy'];
const tags = ['testing', 'ci', 'docs', 'sql', 'support', 'sales', 'security', 'data', 'design', 'first-try'];
let t = performance.now();
let n = 0;
// Bulk load only: one fsync per entry would measure the disk, not the reads.
const sqlite = (store as SqliteStore).db;
sqlite.pragma('synchronous = OFF');
{
  const txRepo = repo;
  for (let w = 0; w < WEEKS; w++) {
    const week = weekName(end - w * WEEK_MS);
    for (const p of people) {
      if (r() > PER_WEEK) continue;
      const text = Array.from({ length: 12 }, () => words[Math.floor(r() * words.length)]).join(' ');
      const experiment = r() < 0.2;
      const v = r();
      await txRepo.insertEntry({
        kind: experiment ? 'experiment' : 'checkin',
        authorEmail: p.email,
        authorName: p.name,
        team: p.team,
        visibility: v < 0.1 ? 'private' : v < 0.75 ? 'team' : 'organisation',
        week,
        title: experiment ? text.slice(0, 40) : null,
        outcome: experiment ? (['worked', 'partly', 'failed', 'abandoned'] as const)[Math.floor(r() * 4)]! : null,
        doc: { tried: text, learned: text, html: { tried: `<p>${text}</p>`, learned: `<p>${text}</p>` } },
        search: `${p.name} ${text}`.toLowerCase(),
        tags: [tags[Math.floor(r() * tags.length)]!],
        at: end - w * WEEK_MS,
      });
      n++;
    }
  }
}
// Useful marks from teammates on a fifth of the entries (private ones included: they must not count).
{
  const ids = sqlite.prepare('SELECT id, created_at AS at FROM context_entry').all() as { id: number; at: number }[];
  const add = sqlite.prepare('INSERT OR IGNORE INTO context_reaction (entry_id, email, kind, created_at) VALUES (?, ?, ?, ?)');
  let marks = 0;
  sqlite.transaction(() => {
    for (const e of ids) {
      if (r() > 0.2) continue;
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) marks += add.run(e.id, people[Math.floor(r() * PEOPLE)]!.email, 'useful', e.at + DAY_MS).changes;
    }
  })();
  console.log(`added ${marks} useful marks`);
}
sqlite.pragma('synchronous = FULL');
console.log(`wrote ${n} entries for ${PEOPLE} people over ${WEEKS} weeks in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const now = () => end;
const context = new ContextService(repo, deps.query, now);
const digests = new DigestService(context, now);
const viewers = people.slice(0, RUNS).map((p) => ({ role: 'member' as const, email: p.email }));

async function measure(name: string, fn: (i: number) => Promise<unknown>): Promise<void> {
  await fn(0);
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1);
  console.log(`${name.padEnd(34)} p50 ${q(0.5).padStart(7)} ms   p95 ${q(0.95).padStart(7)} ms`);
}

const base = { tag: [] as string[], limit: 50 };
await measure('feed: organisation, newest 50', (i) => context.feed(viewers[i]!, { ...base, feed: 'organisation' }));
await measure('feed: own team, newest 50', (i) => context.feed(viewers[i]!, { ...base, feed: 'team' }));
await measure('feed: organisation, search 2 words', (i) => context.feed(viewers[i]!, { ...base, feed: 'organisation', q: `${words[i % words.length]} ${words[(i + 3) % words.length]}` }));
await measure('feed: organisation, tag', (i) => context.feed(viewers[i]!, { ...base, feed: 'organisation', tag: [tags[i % tags.length]!] }));
await measure('feed: mine', (i) => context.feed(viewers[i]!, { ...base, feed: 'mine' }));
await measure('digest: own team, this week', (i) => digests.digest(viewers[i]!, people[i]!.team, undefined));
await measure('digest: organisation, this week', (i) => digests.digest(viewers[i]!, undefined, undefined));
// Leaderboard inputs per person (experiments shared, learnings found useful) for the usual windows.
for (const weeks of [4, 13, 52]) await measure(`leaderboard inputs: ${weeks} weeks`, () => repo.authorCounts(end - weeks * WEEK_MS, end + DAY_MS));
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
