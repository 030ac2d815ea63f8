/** ISO weeks (Monday 00:00 UTC), named by the date of their Monday: `2026-06-01`. */
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Start of the ISO week containing `ms` (1970-01-01 was a Thursday). */
export function weekStart(ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  return (day - ((day + 3) % 7)) * DAY_MS;
}

export function weekName(ms: number): string {
  return new Date(weekStart(ms)).toISOString().slice(0, 10);
}

/** `2026-06-03` -> `2026-06-01`; undefined -> this week. */
export function resolveWeek(week: string | undefined, now: number): string {
  return weekName(week ? Date.parse(week) : now);
}
