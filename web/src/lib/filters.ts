/**
 * Dashboard filters live in the URL (so a view can be shared): from/to as
 * dates (to is exclusive, as the API takes it) and function, team, tool and
 * model as comma lists.
 */
export const FILTER_KEYS = ['function', 'team', 'tool', 'model'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface ViewFilters {
  from: string;
  to: string;
  function?: string;
  team?: string;
  tool?: string;
  model?: string;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const startOfToday = (now: number) => Math.floor(now / DAY) * DAY;

export const PRESETS = [
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '28d', label: 'Last 28 days', days: 28 },
  { id: '90d', label: 'Last 90 days', days: 90 },
  { id: '180d', label: 'Last 6 months', days: 182 },
  { id: '365d', label: 'Last 12 months', days: 364 },
] as const;

/** A preset range of complete days ending with yesterday (today is still filling in). */
export function presetRange(days: number, now: number): { from: string; to: string } {
  const to = startOfToday(now);
  return { from: iso(to - days * DAY), to: iso(to) };
}

export function readFilters(params: URLSearchParams, now: number): ViewFilters {
  const def = presetRange(28, now);
  const valid = (s: string | null) => (s && /^\d{4}-\d{2}-\d{2}$/.test(s) && Number.isFinite(Date.parse(s)) ? s : null);
  let from = valid(params.get('from')) ?? def.from;
  let to = valid(params.get('to')) ?? def.to;
  if (Date.parse(from) >= Date.parse(to)) ({ from, to } = def);
  const f: ViewFilters = { from, to };
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

/** Query string for the API (and for links that keep the current view). */
export function apiQuery(f: ViewFilters, extra: Record<string, string | number | undefined> = {}): string {
  const p = new URLSearchParams();
  p.set('from', f.from);
  p.set('to', f.to);
  for (const k of FILTER_KEYS) if (f[k]) p.set(k, f[k]!);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) p.set(k, String(v));
  return p.toString();
}

export function rangeDays(f: ViewFilters): number {
  return Math.round((Date.parse(f.to) - Date.parse(f.from)) / DAY);
}

/** The inclusive last day shown to people (the URL's `to` is exclusive). */
export function lastDay(f: ViewFilters): string {
  return iso(Date.parse(f.to) - DAY);
}

/** Which preset a range matches, if any. */
export function matchPreset(f: ViewFilters, now: number): string | null {
  for (const p of PRESETS) {
    const r = presetRange(p.days, now);
    if (r.from === f.from && r.to === f.to) return p.id;
  }
  return null;
}
