/**
 * The demo organisation scaled to 10,000 people and one year, seeded through
 * the normal ingest pipeline into a SQLite file that is reused between runs
 * (seeding takes minutes; delete the file to reseed).
 */
import { UsageEventSchema } from '../src/domain/event.js';
import { buildOrg, demoEvents, type DemoOrg } from '../src/demo/org.js';
import { DEMO_SEED } from '../src/demo/seed.js';
import type { Ingestor } from '../src/ingest/pipeline.js';

/** Ten copies of the 1,000-person demo org, each its own domain and teams, sharing functions. */
export function buildOrg10k(end: number, days: number, copies = 10): DemoOrg[] {
  const orgs: DemoOrg[] = [];
  for (let c = 0; c < copies; c++) {
    const org = buildOrg(DEMO_SEED + c, end, days);
    const mail = (e: string) => e.replace('@example.com', `@d${c}.example.com`);
    for (const p of org.people) {
      p.email = mail(p.email);
      if (p.managerEmail) p.managerEmail = mail(p.managerEmail);
      if (p.team && c > 0) p.team = `${p.team} ${c + 1}`;
    }
    orgs.push(org);
  }
  return orgs;
}

export async function seedOrg10k(ingestor: Ingestor, end: number, days: number, log: (s: string) => void): Promise<number> {
  const store = ingestor.store;
  if (await store.getMeta('bench.seeded')) return Number(await store.getMeta('bench.events'));
  const orgs = buildOrg10k(end, days);
  await store.upsertPeople(orgs.flatMap((o) => o.people.map(({ email, name, team, function: fn, managerEmail, title, status, startDate }) => ({ email, name, team, function: fn, managerEmail, title, status, startDate }))));
  const gens = orgs.map((o, i) => demoEvents(o, DEMO_SEED + i));
  let events = 0;
  const t0 = Date.now();
  for (let d = 0; d < days; d++) {
    const batch = gens.flatMap((g) => g.next().value ?? []).map((e) => UsageEventSchema.parse(e));
    for (let i = 0; i < batch.length; i += 10_000) events += (await ingestor.ingestEvents(batch.slice(i, i + 10_000))).accepted;
    if (d % 30 === 0) log(`  day ${d}/${days}: ${events} events, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  await store.setMeta('bench.seeded', new Date().toISOString());
  await store.setMeta('bench.events', String(events));
  return events;
}

