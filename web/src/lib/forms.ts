/** Helpers of the context forms that need no browser (tested in test/web/context-logic.test.ts). */

const DAY = 86_400_000;

/** Comma- or newline-separated list, blanks dropped. */
export const splitList = (s: string, sep: RegExp = /[,\n]/): string[] =>
  s
    .split(sep)
    .map((x) => x.trim())
    .filter(Boolean);

/** Which input a 400's field belongs to: `tools.2` is the tools input, `usage.to` its own. */
export function inputOf(field: string): string {
  const [head, next] = field.split('.');
  return head === 'usage' && next ? `usage.${next}` : head!;
}

/** The API's exclusive end for an inclusive last day (`2026-06-07` -> `2026-06-08`); anything else is sent as typed, for the API to name. */
export function exclusiveEnd(lastDay: string): string {
  const t = Date.parse(lastDay);
  return /^\d{4}-\d{2}-\d{2}$/.test(lastDay) && Number.isFinite(t) ? new Date(t + DAY).toISOString().slice(0, 10) : lastDay;
}
