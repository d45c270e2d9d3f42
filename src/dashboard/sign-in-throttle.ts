/**
 * Counts failed sign-ins per client address in a fixed window and blocks an address that
 * reaches the limit until the window ends. The count is per process: behind a load balancer
 * with several processes an address gets the limit once per process.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; windowEndsAt: number }>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 5 * 60_000,
  ) {}

  /** Returns the seconds until `address` may try again, or 0 when it may try now. */
  retryAfterSeconds(address: string, now = Date.now()): number {
    const entry = this.failures.get(address);
    if (entry === undefined || entry.windowEndsAt <= now) return 0;
    return entry.count >= this.maxFailures ? Math.ceil((entry.windowEndsAt - now) / 1000) : 0;
  }

  recordFailure(address: string, now = Date.now()): void {
    const entry = this.failures.get(address);
    if (entry === undefined || entry.windowEndsAt <= now) {
      // Old windows are dropped here so the map cannot grow without bound.
      if (this.failures.size >= 10_000) this.dropExpired(now);
      this.failures.set(address, { count: 1, windowEndsAt: now + this.windowMs });
      return;
    }
    entry.count += 1;
  }

  recordSuccess(address: string): void {
    this.failures.delete(address);
  }

  private dropExpired(now: number): void {
    for (const [address, entry] of this.failures) {
      if (entry.windowEndsAt <= now) this.failures.delete(address);
    }
    if (this.failures.size >= 10_000) this.failures.clear();
  }
}
