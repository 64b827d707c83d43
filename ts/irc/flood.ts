/**
 * Token bucket per client, driven by the machine's monotonic `now`.
 * Capacity = burst lines; refill = lines per second. A line that finds no
 * token waits in the client's backlog until one refills.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly capacity: number, private readonly perSecond: number, now: number) {
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    const dt = now - this.last;
    if (dt > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (dt * this.perSecond) / 1000);
      this.last = now;
    }
  }

  /** Take one token if there is one. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens >= 1) { this.tokens -= 1; return true; }
    return false;
  }

  /** Monotonic time at which one whole token will be available. */
  readyAt(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return now;
    return now + Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}
