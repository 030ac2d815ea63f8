/** Number formatting shared by every panel (and by the browser tests, which format API values the same way). */

export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e12) return `${(n / 1e12).toFixed(2)} T`;
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return Math.round(n).toLocaleString('en-US');
}

export function integer(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function usd(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `$${(n / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `$${Math.round(n).toLocaleString('en-US')}`;
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function percent(share: number | null | undefined, digits = 0): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '–';
  return `${(share * 100).toFixed(digits)}%`;
}

/** Relative change from the previous period, e.g. "+12%"; null when there is nothing to compare. */
export function change(current: number | null, previous: number | null): { text: string; direction: 'up' | 'down' | 'flat' } | null {
  if (current === null || previous === null) return null;
  if (previous === 0) return current === 0 ? { text: '0%', direction: 'flat' } : null;
  const c = (current - previous) / previous;
  const pct = Math.round(c * 100);
  if (pct === 0) return { text: '0%', direction: 'flat' };
  return { text: `${pct > 0 ? '+' : '−'}${Math.abs(pct)}%`, direction: pct > 0 ? 'up' : 'down' };
}

export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function shortDay(ms: number): string {
  return new Date(ms).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}
