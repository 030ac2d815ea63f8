/**
 * Series colours: the Okabe–Ito palette, distinguishable with the common
 * colour-vision deficiencies, reordered so neighbours contrast; a neutral grey
 * is reserved for "(other)".
 */
export const SERIES = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
export const SERIES_DARK = ['#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#0072B2', '#D55E00', '#F0E442', '#FFFFFF'];
export const OTHER_COLOR = '#999999';

export function seriesColor(i: number, dark: boolean, key?: string): string {
  if (key === '(other)') return OTHER_COLOR;
  const p = dark ? SERIES_DARK : SERIES;
  return p[i % p.length]!;
}

/** Cohorts from "none" (not using) to "heavy", a sequential scale with a neutral start. */
export const COHORT_COLORS = { none: '#BBBBBB', light: '#9ECAE1', moderate: '#4292C6', heavy: '#08519C' } as const;
