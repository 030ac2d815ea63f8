/**
 * Values as small dense integers: the interning both column stores use (the
 * fact engine's day columns, src/store/facts/columns.ts, and the local reports'
 * entry tables, src/sources/local/pack.ts).
 */
/** Values as small dense integers, in the order first seen. */
export class Codes<K> {
  private readonly codes = new Map<K, number>();
  readonly values: K[] = [];

  /** `first` takes codes 0, 1, ... (set here, not through an overridden `code`). */
  constructor(first: K[] = []) {
    for (const v of first) {
      this.codes.set(v, this.values.length);
      this.values.push(v);
    }
  }

  code(v: K): number {
    let c = this.codes.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(v);
      this.codes.set(v, c);
    }
    return c;
  }

  /** The code of `v`, or -1 when no fact holds it. */
  find(v: K): number {
    return this.codes.get(v) ?? -1;
  }

  get size(): number {
    return this.values.length;
  }
}
