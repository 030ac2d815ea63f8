/** Component logic of the web app that does not need a browser: CSV, URL filters, number formats, chart pivoting helpers. */
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../web/src/lib/csv.js';
import { apiQuery, lastDay, matchPreset, presetRange, readFilters } from '../../web/src/lib/filters.js';
import { change, compact, percent, usd } from '../../web/src/lib/format.js';

const NOW = Date.UTC(2026, 10, 27, 15, 30);

describe('CSV export', () => {
  it('quotes separators and quotes, and defuses spreadsheet formulas', () => {
    expect(csvCell('Engineering · Platform')).toBe('Engineering · Platform');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(-3)).toBe('-3'); // numbers are numbers, not formulas
    expect(csvCell(null)).toBe('');
    expect(toCsv(['a', 'b'], [[1, 'x\ny']])).toBe('a,b\r\n1,"x\ny"\r\n');
  });
});

describe('filters in the URL', () => {
  it('defaults to the last 28 complete days and keeps only valid values', () => {
    const f = readFilters(new URLSearchParams(''), NOW);
    expect(f).toEqual({ from: '2026-10-30', to: '2026-11-27' });
    expect(lastDay(f)).toBe('2026-11-26');
    expect(matchPreset(f, NOW)).toBe('28d');
    const bad = readFilters(new URLSearchParams('from=2026-13-45&to=2026-11-01&function=Sales'), NOW);
    expect(bad.from).toBe('2026-10-30'); // invalid date falls back to the default
    const reversed = readFilters(new URLSearchParams('from=2026-11-20&to=2026-11-01'), NOW);
    expect(reversed).toEqual({ from: '2026-10-30', to: '2026-11-27' });
    expect(bad.function).toBe('Sales');
  });

  it('writes the same parameters the API reads, so a shared link reproduces the view', () => {
    const q = apiQuery({ from: '2026-11-01', to: '2026-11-08', team: 'Engineering · Web', tool: 'Codex' }, { groupBy: 'tool', top: 7 });
    const p = new URLSearchParams(q);
    expect(Object.fromEntries(p)).toEqual({ from: '2026-11-01', to: '2026-11-08', team: 'Engineering · Web', tool: 'Codex', groupBy: 'tool', top: '7' });
    expect(readFilters(p, NOW)).toMatchObject({ team: 'Engineering · Web', tool: 'Codex' });
    expect(presetRange(7, NOW)).toEqual({ from: '2026-11-20', to: '2026-11-27' });
  });
});

describe('number formats', () => {
  it('formats change from the previous period, and says nothing when there is nothing to compare', () => {
    expect(change(110, 100)).toEqual({ text: '+10%', direction: 'up' });
    expect(change(50, 100)).toEqual({ text: '−50%', direction: 'down' });
    expect(change(100, 100)).toEqual({ text: '0%', direction: 'flat' });
    expect(change(5, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
  });

  it('formats tokens, money and shares compactly', () => {
    expect(compact(12_587_327_107)).toBe('12.59 B');
    expect(compact(483_422)).toBe('483.4 k');
    expect(compact(9_999)).toBe('9,999');
    expect(usd(18_673.326)).toBe('$18,673');
    expect(usd(4.685)).toBe('$4.69');
    expect(usd(2_500_000)).toBe('$2.50 M');
    expect(percent(0.7335)).toBe('73%');
    expect(percent(null)).toBe('–');
  });
});
