/**
 * Retention: raw events older than the policy's `rawEventDays` are deleted
 * (their totals already live in the hourly and daily rollups, so dashboards do
 * not change); expired sessions and one-time tokens go too. Modules with their
 * own personal data (check-ins, stored exports) register a step that receives
 * the policy, so one job applies every retention period.
 */
import type { PrivacyPolicy, Viewer } from '../query/policy.js';
import type { Store } from '../store/types.js';
import type { AuditLog } from './audit.js';

export type RetentionStep = (store: Store, policy: PrivacyPolicy, now: number) => Promise<Record<string, number>>;

const steps: { name: string; run: RetentionStep }[] = [];

/** For other modules, e.g. registerRetentionStep('checkins', (s, p, now) => ...checkinDays...). */
export function registerRetentionStep(name: string, run: RetentionStep): void {
  if (!steps.some((s) => s.name === name)) steps.push({ name, run });
}

export async function runRetention(store: Store, policy: PrivacyPolicy, audit: AuditLog, actor: Viewer, now = Date.now()): Promise<Record<string, number>> {
  const cutoff = now - policy.retention.rawEventDays * 86_400_000;
  const result: Record<string, number> = {
    rawEventsDeleted: await store.pruneRawBefore(cutoff),
    expiredCredentialsDeleted: await store.governance.purgeExpired(now),
  };
  for (const s of steps) for (const [k, v] of Object.entries(await s.run(store, policy, now))) result[`${s.name}.${k}`] = v;
  await audit.record(actor, 'retention.run', { detail: { ...result, rawEventDays: policy.retention.rawEventDays } });
  return result;
}

/** Who runs scheduled jobs, as the audit log shows it. */
export const SYSTEM: Viewer = Object.freeze({ role: 'admin', via: 'system', name: 'scheduler' }) as Viewer;

/**
 * Run retention every `everyMs` (serve uses 6 hours) with the policy in force
 * at that moment. The timer does not keep the process alive; call the
 * returned function to stop it.
 */
export function scheduleRetention(store: Store, policy: () => Promise<PrivacyPolicy>, audit: AuditLog, everyMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    policy()
      .then((p) => runRetention(store, p, audit, SYSTEM))
      .catch((err: unknown) => console.error('retention job failed:', (err as Error).message))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
