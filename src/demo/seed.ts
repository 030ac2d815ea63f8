/** Seed the demo organisation into a store through the normal ingest pipeline. */
import { UsageEventSchema } from '../domain/event.js';
import type { Ingestor } from '../ingest/pipeline.js';
import { buildOrg, demoEvents } from './org.js';
import { seedDemoContext } from './context.js';

export const DEMO_SEED = 20260101;

export interface SeedResult {
  seeded: boolean;
  people: number;
  events: number;
}

export async function seedDemo(ingestor: Ingestor, opts: { seed?: number; end?: number; days?: number; log?: (s: string) => void } = {}): Promise<SeedResult> {
  const store = ingestor.store;
  if (await store.getMeta('demo.seeded')) return { seeded: false, people: await store.countPeople(), events: Number(await store.getMeta('demo.events')) };
  const seed = opts.seed ?? DEMO_SEED;
  const org = buildOrg(seed, opts.end ?? Date.now(), opts.days);
  await store.upsertPeople(org.people.map(({ email, name, team, function: fn, managerEmail, title, status, startDate }) => ({ email, name, team, function: fn, managerEmail, title, status, startDate })));
  let events = 0;
  for (const batch of demoEvents(org, seed)) {
    const parsed = batch.map((e) => UsageEventSchema.parse(e));
    for (let i = 0; i < parsed.length; i += 10_000) {
      const r = await ingestor.ingestEvents(parsed.slice(i, i + 10_000));
      events += r.accepted;
    }
  }
  const context = await seedDemoContext(store, org, seed, opts.end ?? Date.now());
  await store.setMeta('demo.seeded', new Date().toISOString());
  await store.setMeta('demo.events', String(events));
  opts.log?.(`seeded demo organisation: ${org.people.length} people, ${events} usage events over ${org.days} days, ${context.checkins} check-ins, ${context.experiments} experiments`);
  return { seeded: true, people: org.people.length, events };
}
