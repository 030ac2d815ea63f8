/**
 * Cumulative -> delta, per series.
 *
 * A cumulative series (metric + resource + scope + attributes) reports a
 * running total since its start time. Its last seen (start, time, value) is
 * stored and written in the same transaction as the events it produced, so a
 * restart of tokenboard never counts a total twice. For a new point:
 *  - no state yet: the whole value is new (the series started after start time);
 *  - a later start time: the exporter restarted, the whole value is new;
 *  - same start, later time: value - last value; a drop means a reset without a
 *    new start time, and the whole value is new;
 *  - same start and a time not after the last one, or an earlier start: the
 *    point was counted already (a retried or out-of-order export) and is skipped.
 * Integer activity counters that arrive as doubles (active seconds) are
 * differenced on whole units, so rounding never drifts over many exports.
 */
export interface SeriesState {
  start: bigint;
  time: bigint;
  value: number;
}

export type Advance = { stale: true } | { stale: false; delta: number; state: SeriesState };

export function advance(prev: SeriesState | undefined, cur: SeriesState, wholeUnits: boolean): Advance {
  const whole = (v: number) => (wholeUnits ? Math.floor(v) : v);
  if (prev && (cur.start < prev.start || (cur.start === prev.start && cur.time <= prev.time))) return { stale: true };
  const continues = prev && cur.start === prev.start && cur.value >= prev.value;
  const delta = continues ? whole(cur.value) - whole(prev.value) : whole(cur.value);
  return { stale: false, delta, state: cur };
}

export function encodeState(s: SeriesState): string {
  return `${s.start}|${s.time}|${s.value}`;
}

export function decodeState(v: string): SeriesState | undefined {
  const [a, b, c] = v.split('|');
  try {
    const value = Number(c);
    if (!Number.isFinite(value)) return undefined;
    return { start: BigInt(a!), time: BigInt(b!), value };
  } catch {
    return undefined;
  }
}
