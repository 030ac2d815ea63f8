/**
 * The weekly digest job: every Monday at a set UTC hour, post last week's
 * digests to the configured webhooks; later in the week, daily, retry those
 * that failed. Deliveries already made for a week are skipped, so restarts
 * and retries never post a digest twice.
 */
import type { DigestService } from './service.js';
import { DAY_MS, weekStart, WEEK_MS } from './week.js';

/** The next Monday `hourUtc`:00 UTC strictly after `now`. */
export function nextRun(now: number, hourUtc: number): number {
  const t = weekStart(now) + hourUtc * 3_600_000;
  return t > now ? t : t + WEEK_MS;
}

export function scheduleWeeklyDigests(digests: DigestService, opts: { hourUtc?: number; log?: (s: string) => void } = {}): { stop(): void } {
  const hour = opts.hourUtc ?? 8;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    // setTimeout holds at most ~24.8 days; a week fits, but re-arm daily so clock changes are picked up.
    const wait = Math.min(nextRun(Date.now(), hour) - Date.now(), DAY_MS);
    timer = setTimeout(run, Math.max(1000, wait));
    timer.unref();
  };
  const run = async () => {
    // Daily ticks after Monday's hour retry webhooks whose delivery failed; delivered ones are skipped.
    if (Date.now() >= weekStart(Date.now()) + hour * 3_600_000) {
      try {
        const sent = await digests.sendAll();
        opts.log?.(`weekly digests: ${sent.filter((s) => s.result.ok).length} delivered, ${sent.filter((s) => !s.result.ok).length} failed`);
      } catch (err) {
        opts.log?.(`weekly digests failed: ${(err as Error).message}`);
      }
    }
    arm();
  };
  arm();
  return { stop: () => clearTimeout(timer) };
}
