/** Calendar keys in a time zone, cached per quarter hour (every zone offset is a multiple of 15 minutes). */
const QUARTER = 15 * 60 * 1000;

/**
 * Names of UTC. A report in UTC needs no date formatter: the first Intl.DateTimeFormat a
 * process makes costs ~25-35 ms (ICU's locale and zone data), a few percent of a report.
 */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'GMT', 'Etc/GMT', 'UCT', 'Etc/UCT']);
const isUtc = (tz: string) => UTC_NAMES.has(tz);

/** The system's zone: TZ when it names UTC (no ICU needed), else what Intl resolves. */
export function systemTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz !== undefined && isUtc(tz)) return 'UTC';
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function assertTimeZone(tz: string): string {
  if (isUtc(tz)) return tz;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`unknown time zone: ${tz} (use an IANA name such as UTC or Europe/Berlin)`);
  }
  return tz;
}

/** `YYYY-MM-DD` of an instant in `tz`. */
export function dayKeyer(tz: string): (ms: number) => string {
  const fmt = isUtc(tz) ? null : new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
  const cache = new Map<number, string>();
  return (ms) => {
    const q = Math.floor(ms / QUARTER);
    let d = cache.get(q);
    if (d === undefined) {
      d = fmt ? fmt.format(q * QUARTER) : new Date(q * QUARTER).toISOString().slice(0, 10);
      cache.set(q, d);
    }
    return d;
  };
}

/** First day (`YYYY-MM-DD`) of the week holding `day`; weeks start on `startDay` (0 = Sunday, as ccusage). */
export function weekStart(day: string, startDay = 0): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  const dow = new Date(ms).getUTCDay();
  const back = (dow - startDay + 7) % 7;
  return new Date(ms - back * 86_400_000).toISOString().slice(0, 10);
}

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/** Parse `YYYYMMDD` or `YYYY-MM-DD` into `YYYY-MM-DD`. */
export function parseDay(s: string, flag: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s.trim());
  if (!m || Number.isNaN(Date.parse(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`))) throw new Error(`${flag} must be a date as YYYYMMDD or YYYY-MM-DD, got "${s}"`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}
