/**
 * The bootstrap registry's table, sans-IO (time and randomness passed in).
 *
 * - `admit(req, now)`: the signed request is fresh (|ts − now| ≤ maxSkewMs),
 *   its nonce unseen, and its ts newer than the peer's last accepted one, so
 *   a captured request cannot be replayed, inside the window or after it.
 * - `list(peerId, addrs, ts, now)`: called by the driver only for addresses
 *   that passed the dial-back; the entry expires `ttlMs` later.
 * - `discover(now, limit, random)`: a random sample of at most `limit` live
 *   entries, so an answer never grows with the registry and load spreads
 *   across the listed peers.
 * - at most `maxPeers` entries (the one expiring soonest gives way) and at
 *   most `maxNonces` remembered nonces. A nonce is forgotten only once its
 *   request could no longer pass the ts check; when the cache is full of
 *   live nonces, new requests get 503 instead (fail closed: forgetting one
 *   early would let its request be replayed).
 */
import type { RegistryRequest } from './messages.js';
import { verifyRequest } from './messages.js';

export interface RegistryLimits {
  readonly ttlMs: number;
  readonly maxPeers: number;
  readonly maxSkewMs: number;
  /** Default 65,536. */
  readonly maxNonces?: number;
}

export interface RegistryEntry {
  readonly peerId: string;
  readonly addrs: readonly string[];
  /** Unix ms. */
  readonly registeredAt: number;
  readonly expiresAt: number;
}

export type Admission = { ok: true } | { ok: false; status: 401 | 409 | 503; reason: string };

export interface RegistryCounters {
  forged: number;
  stale: number;
  replayed: number;
  busy: number;
  listed: number;
  unregistered: number;
  expired: number;
  evicted: number;
}

export class BootstrapRegistry {
  readonly counters: RegistryCounters = { forged: 0, stale: 0, replayed: 0, busy: 0, listed: 0, unregistered: 0, expired: 0, evicted: 0 };
  private readonly entries = new Map<string, RegistryEntry>();
  /** Last accepted ts per peer (bounded with the nonces). */
  private readonly lastTs = new Map<string, number>();
  /** nonce → the time after which its request fails the ts check anyway. */
  private readonly nonces = new Map<string, number>();
  private readonly maxNonces: number;

  constructor(private readonly limits: RegistryLimits) {
    this.maxNonces = limits.maxNonces ?? 65_536;
  }

  admit(req: RegistryRequest, now: number): Admission {
    if (!verifyRequest(req)) { this.counters.forged++; return { ok: false, status: 401, reason: 'signature does not verify for this peerId' }; }
    if (Math.abs(req.ts - now) > this.limits.maxSkewMs) {
      this.counters.stale++;
      return { ok: false, status: 409, reason: `ts is more than ${this.limits.maxSkewMs} ms from the registry clock` };
    }
    if (this.nonces.has(req.nonce) || req.ts <= (this.lastTs.get(req.peerId) ?? 0)) {
      this.counters.replayed++;
      return { ok: false, status: 409, reason: 'replayed request (nonce seen or ts not newer)' };
    }
    if (this.nonces.size >= this.maxNonces) {
      for (const [n, until] of this.nonces) if (until < now) this.nonces.delete(n);
      if (this.nonces.size >= this.maxNonces) {
        this.counters.busy++;
        return { ok: false, status: 503, reason: 'replay cache full; retry later' };
      }
    }
    this.nonces.set(req.nonce, req.ts + this.limits.maxSkewMs);
    this.lastTs.delete(req.peerId);
    this.lastTs.set(req.peerId, req.ts);
    while (this.lastTs.size > this.maxNonces) this.lastTs.delete(this.lastTs.keys().next().value as string);
    return { ok: true };
  }

  list(peerId: string, addrs: readonly string[], now: number): RegistryEntry {
    const entry: RegistryEntry = { peerId, addrs: [...addrs], registeredAt: now, expiresAt: now + this.limits.ttlMs };
    this.entries.delete(peerId);
    if (this.entries.size >= this.limits.maxPeers) {
      // Every entry has the same TTL, so Map order (oldest registration first) is expiry order.
      this.entries.delete(this.entries.keys().next().value as string);
      this.counters.evicted++;
    }
    this.entries.set(peerId, entry);
    this.counters.listed++;
    return entry;
  }

  unregister(peerId: string): boolean {
    const had = this.entries.delete(peerId);
    if (had) this.counters.unregistered++;
    return had;
  }

  get(peerId: string): RegistryEntry | undefined {
    return this.entries.get(peerId);
  }

  prune(now: number): number {
    let n = 0;
    for (const e of this.entries.values()) {
      if (e.expiresAt > now) break;
      this.entries.delete(e.peerId);
      n++;
    }
    this.counters.expired += n;
    return n;
  }

  discover(now: number, limit: number, random: () => number, exclude?: string): RegistryEntry[] {
    this.prune(now);
    const all = [...this.entries.values()].filter((e) => e.peerId !== exclude);
    const k = Math.min(limit, all.length);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(random() * (all.length - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, k);
  }

  get size(): number {
    return this.entries.size;
  }
}
