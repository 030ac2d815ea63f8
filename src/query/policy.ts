/**
 * The privacy policy. Every answer that contains people's data passes through
 * `applyPolicy` before it leaves the query layer.
 *
 * Rules:
 *  - Groups of fewer than `minGroupSize` people are suppressed (shown as
 *    suppressed, never as zero) for anyone who may not see individuals.
 *  - Complementary suppression: when exactly one sibling group is suppressed,
 *    the next-smallest is suppressed too, so it cannot be recovered by
 *    subtracting the others from the total.
 *  - Grouping by person or identity needs a role that may see individuals;
 *    anyone may see their own row.
 */
import type { AggregateRow, Dimension, Filters } from '../store/types.js';

export type Role = 'admin' | 'analyst' | 'manager' | 'member' | 'anonymous';

export interface Viewer {
  role: Role;
  /** The signed-in person's email, if any. */
  email?: string;
  /** Display name for the audit log. */
  name?: string;
}

export interface PrivacyPolicy {
  minGroupSize: number;
}

export const DEFAULT_POLICY: PrivacyPolicy = { minGroupSize: 5 };

export class PolicyError extends Error {
  constructor(
    message: string,
    readonly status: 403 | 400 = 403,
  ) {
    super(message);
  }
}

const INDIVIDUAL_DIMS: Dimension[] = ['person', 'identity'];

export function maySeeIndividuals(viewer: Viewer): boolean {
  return viewer.role === 'admin';
}

/** True when the filters restrict the query to the viewer's own data. */
export function isSelfQuery(viewer: Viewer, filters: Filters | undefined): boolean {
  return !!viewer.email && !!filters?.person && filters.person.length === 1 && filters.person[0] === viewer.email;
}

/** Refuse questions that are about individuals when the viewer may not ask them. */
export function checkQuery(viewer: Viewer, groupBy: Dimension[], filters: Filters | undefined): void {
  if (maySeeIndividuals(viewer) || isSelfQuery(viewer, filters)) return;
  const dim = groupBy.find((d) => INDIVIDUAL_DIMS.includes(d));
  if (dim) throw new PolicyError(`grouping by ${dim} shows individuals; your role (${viewer.role}) may only see groups of at least the minimum size`);
  if (filters?.person?.length) throw new PolicyError(`filtering by person shows individuals; your role (${viewer.role}) may only see your own data`);
}

export type PolicedRow = (AggregateRow & { suppressed?: false }) | SuppressedRow;
export interface SuppressedRow {
  suppressed: true;
  bucket?: number;
  keys: AggregateRow['keys'];
  reason: string;
}

function suppress(r: AggregateRow, k: number): SuppressedRow {
  return {
    suppressed: true,
    ...(r.bucket !== undefined ? { bucket: r.bucket } : {}),
    keys: r.keys,
    reason: `fewer than ${k} people`,
  };
}

/**
 * Suppress small groups. Rows are siblings when they share a bucket; within
 * each sibling set complementary suppression is applied.
 */
export function applyPolicy(viewer: Viewer, policy: PrivacyPolicy, rows: AggregateRow[], filters?: Filters): PolicedRow[] {
  if (maySeeIndividuals(viewer) || isSelfQuery(viewer, filters)) return rows;
  const k = policy.minGroupSize;
  const sets = new Map<number | undefined, number[]>();
  rows.forEach((r, i) => {
    const s = sets.get(r.bucket);
    if (s) s.push(i);
    else sets.set(r.bucket, [i]);
  });
  const hide = new Set<number>();
  for (const idx of sets.values()) {
    const small = idx.filter((i) => rows[i]!.people < k && rows[i]!.events > 0);
    small.forEach((i) => hide.add(i));
    if (small.length === 1 && idx.length >= 2) {
      const rest = idx.filter((i) => !hide.has(i)).sort((a, b) => rows[a]!.people - rows[b]!.people || rows[a]!.tokens - rows[b]!.tokens);
      if (rest[0] !== undefined) hide.add(rest[0]);
    }
  }
  return rows.map((r, i) => (hide.has(i) ? suppress(r, k) : r));
}
