/**
 * Per-address token buckets with a bounded table: at most `maxKeys`
 * addresses are tracked; beyond that the least recently used bucket is
 * forgotten (a forgotten address starts again with a full bucket, which is
 * the cheap failure: it can never block an honest client). Time is passed
 * in, so tests drive it without clocks.
 */
import { TokenBucket } from '../../irc/flood.js';

export interface RateLimitOptions {
  /** Sustained requests per second per address. */
  readonly perSecond: number;
  /** Requests an address may make at once. */
  readonly burst: number;
  /** Addresses tracked at most. Default 65,536. */
  readonly maxKeys?: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly maxKeys: number;
  limited = 0;

  constructor(private readonly opts: RateLimitOptions) {
    this.maxKeys = opts.maxKeys ?? 65_536;
  }

  /** True if `key` may make a request at `now` (monotonic ms). */
  take(key: string, now: number): boolean {
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key);
    else {
      b = new TokenBucket(this.opts.burst, this.opts.perSecond, now);
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(key, b);
    const ok = b.tryTake(now);
    if (!ok) this.limited++;
    return ok;
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are one client. */
export function clientIp(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}
