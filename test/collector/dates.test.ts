/** Calendar days of report rows (src/sources/local/report/dates.ts): the UTC fast path agrees with Intl. */
import { describe, expect, it } from 'vitest';
import { assertTimeZone, dayKeyer, systemTimeZone } from '../../src/sources/local/report/dates.js';

describe('report days', () => {
  it('UTC days made without a formatter equal what Intl gives, across days, years and leap days', () => {
    const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
    const utc = dayKeyer('UTC');
    const instants = [0, 951_782_399_999, 951_782_400_000, 1_709_164_800_000 - 1, 1_709_164_800_000, 1_767_225_599_999, 1_767_225_600_000, Date.UTC(2026, 10, 27, 23, 59, 59, 999)];
    for (let t = 1_700_000_000_000; t < 1_800_000_000_000; t += 86_400_000 * 37 + 3_600_000 * 7 + 61_000) instants.push(t);
    for (const t of instants) expect(utc(t)).toBe(intl.format(t));
    // Another zone still goes through Intl: the same instant is another day in Tokyo.
    expect(dayKeyer('Asia/Tokyo')(Date.UTC(2026, 10, 27, 20))).toBe('2026-11-28');
    expect(utc(Date.UTC(2026, 10, 27, 20))).toBe('2026-11-27');
  });

  it('the system zone: TZ naming UTC needs no Intl; anything else is what Intl resolves', () => {
    expect(systemTimeZone({ TZ: 'UTC' })).toBe('UTC');
    expect(systemTimeZone({ TZ: ':Etc/UTC' })).toBe('UTC');
    expect(systemTimeZone({})).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(assertTimeZone('Etc/UTC')).toBe('Etc/UTC');
    expect(() => assertTimeZone('Mars/Olympus')).toThrow(/unknown time zone: Mars\/Olympus/);
  });
});
