/**
 * Failed sign-in limiter: at most `max` failures per key within `windowMs`.
 * Keys are the account email and the client address, so neither guessing one
 * account's password nor spraying many accounts from one address works.
 * In memory: each instance limits on its own (documented for PostgreSQL setups).
 */
export class FailureLimiter {
  private failures = new Map<string, number[]>();

  constructor(
    readonly max = 5,
    readonly windowMs = 15 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Seconds until the key may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const now = this.clock();
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
  }

  fail(key: string): void {
    const list = this.failures.get(key);
    if (list) list.push(this.clock());
    else this.failures.set(key, [this.clock()]);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }
}
