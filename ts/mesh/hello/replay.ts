/**
 * A bounded memory of (peer, HELLO nonce) pairs, one per node, shared by all
 * its HELLO machines. An entry lives `ttlMs` from when it was first seen;
 * `ttlMs` is twice the clock-skew bound, because a HELLO is only accepted
 * while its timestamp is within ±skew of our clock, so after 2 × skew the
 * timestamp check alone refuses a replay. When full, the oldest entry goes
 * (counted in `evictions`): memory stays bounded whatever peers send.
 */
import { LagoonError } from '../../core/errors.js';

export class HelloReplayCache {
  /** Insertion order = time order, because `now` never goes back. */
  private readonly seen = new Map<string, number>();
  private last = -Infinity;
  evictions = 0;

  constructor(private readonly max: number, private readonly ttlMs: number) {
    if (!Number.isSafeInteger(max) || max <= 0) throw LagoonError.invalidArgument(`replay cache max must be a positive integer, got ${max}`);
    if (!(ttlMs > 0)) throw LagoonError.invalidArgument(`replay cache ttl must be positive, got ${ttlMs}`);
  }

  get size(): number { return this.seen.size; }

  /** Record (peerId, nonce) at `now`; true if it was already there (a replay). */
  checkAndRecord(peerId: string, nonce: Uint8Array, now: number): boolean {
    if (now < this.last) throw LagoonError.invalidArgument(`time went back: ${now} < ${this.last}`);
    this.last = now;
    this.expire(now);
    const key = `${peerId} ${Buffer.from(nonce.buffer, nonce.byteOffset, nonce.byteLength).toString('hex')}`;
    if (this.seen.has(key)) return true;
    if (this.seen.size >= this.max) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) { this.seen.delete(oldest.value); this.evictions++; }
    }
    this.seen.set(key, now + this.ttlMs);
    return false;
  }

  private expire(now: number): void {
    for (const [key, until] of this.seen) {
      if (until > now) return;
      this.seen.delete(key);
    }
  }
}
