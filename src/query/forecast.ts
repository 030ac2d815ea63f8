/**
 * Month-end spend forecast from the recent trend: month-to-date actuals plus,
 * for each remaining day, the average cost of the same weekday over the last
 * four weeks (weekends cost less than weekdays, so a flat run rate overshoots).
 */
const DAY_MS = 86_400_000;

export interface Forecast {
  /** YYYY-MM of the month forecast. */
  month: string;
  monthStart: number;
  /** Exclusive end of the month, epoch ms. */
  monthEnd: number;
  /** Actuals are complete up to here (exclusive). */
  asOf: number;
  monthToDate: number;
  forecast: number;
  /** Average cost per day over the last 28 days. */
  runRate: number;
  method: string;
  days: { day: number; actual: number | null; projected: number | null }[];
}

export function forecastMonth(daily: { day: number; cost: number }[], asOf: number): Forecast {
  const last = new Date(asOf - 1);
  const monthStart = Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), 1);
  const monthEnd = Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 1);
  const cost = new Map(daily.map((d) => [d.day, d.cost]));
  const byWeekday = Array.from({ length: 7 }, () => 0);
  let recent = 0;
  for (let d = asOf - 28 * DAY_MS; d < asOf; d += DAY_MS) {
    const c = cost.get(d) ?? 0;
    byWeekday[new Date(d).getUTCDay()]! += c / 4;
    recent += c;
  }
  const days: Forecast['days'] = [];
  let mtd = 0;
  let projected = 0;
  for (let d = monthStart; d < monthEnd; d += DAY_MS) {
    if (d < asOf) {
      const c = cost.get(d) ?? 0;
      mtd += c;
      days.push({ day: d, actual: c, projected: null });
    } else {
      const p = byWeekday[new Date(d).getUTCDay()]!;
      projected += p;
      days.push({ day: d, actual: null, projected: p });
    }
  }
  return {
    month: new Date(monthStart).toISOString().slice(0, 7),
    monthStart,
    monthEnd,
    asOf,
    monthToDate: mtd,
    forecast: mtd + projected,
    runRate: recent / 28,
    method: 'month-to-date actuals + same-weekday average of the last 28 days for each remaining day',
    days,
  };
}
