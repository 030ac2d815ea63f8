/**
 * An exact running sum of doubles (Shewchuk's partials, as Python's math.fsum):
 * the total is the exact sum rounded once, so it does not depend on the order
 * the terms came in. Reports add costs per model; entries reach them in the
 * order of the rows kept (in memory), or in time order (spilled, spill.ts), and
 * both must print the same digits. The terms are finite (costs in USD).
 */
export class ExactSum {
  /**
   * Non-overlapping partials, smallest magnitude first, in p[0, n): their exact sum is the running
   * total. The count is kept apart from the array's length: shortening an array is a slow path.
   */
  private p: number[] = [];
  private n = 0;

  add(x: number): void {
    const p = this.p;
    let n = 0;
    for (let i = 0; i < this.n; i++) {
      let y = p[i]!;
      if (Math.abs(x) < Math.abs(y)) {
        // Swapped through a variable: a destructuring swap makes an array each time until V8 optimises it.
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[n++] = lo;
      x = hi;
    }
    p[n++] = x;
    this.n = n;
  }

  /** The exact sum, correctly rounded (ties to even). */
  value(): number {
    const p = this.p;
    let n = this.n;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Half-way between two doubles: the partials below decide the direction.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}
