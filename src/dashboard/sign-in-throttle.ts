/** Addresses tracked at once; beyond this, failures from new addresses go uncounted. */
const MAX_TRACKED = 10_000;

/**
 * Counts failed sign-ins and failed admin-key checks per client address in a fixed window, and
 * blocks an address that reaches the limit until its window ends. The count is per process:
 * behind a load balancer with several processes an address gets the limit once per process.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; windowEndsAt: number }>();

  constructor(
    readonly maxFailures = 10,
    private readonly windowMs = 5 * 60_000,
  ) {}

  /** Returns the seconds until `address` may try again, or 0 when it may try now. */
  retryAfterSeconds(address: string, now = Date.now()): number {
    const entry = this.failures.get(address);
    if (entry === undefined || entry.windowEndsAt <= now) return 0;
    return entry.count >= this.maxFailures ? Math.ceil((entry.windowEndsAt - now) / 1000) : 0;
  }

  /** Counts a failure of `address` and returns its failures in the current window. */
  recordFailure(address: string, now = Date.now()): number {
    const entry = this.failures.get(address);
    if (entry !== undefined && entry.windowEndsAt > now) {
      entry.count += 1;
      return entry.count;
    }
    if (entry === undefined && this.failures.size >= MAX_TRACKED) this.evict(now);
    // A full table of blocked addresses stays as it is, so that flooding it with new addresses
    // cannot unblock them.
    if (entry === undefined && this.failures.size >= MAX_TRACKED) return 1;
    this.failures.set(address, { count: 1, windowEndsAt: now + this.windowMs });
    return 1;
  }

  recordSuccess(address: string): void {
    this.failures.delete(address);
  }

  /** Drops expired windows, then addresses that are not blocked. */
  private evict(now: number): void {
    for (const [address, entry] of this.failures) {
      if (entry.windowEndsAt <= now) this.failures.delete(address);
    }
    if (this.failures.size < MAX_TRACKED) return;
    for (const [address, entry] of this.failures) {
      if (entry.count < this.maxFailures) this.failures.delete(address);
    }
  }
}
