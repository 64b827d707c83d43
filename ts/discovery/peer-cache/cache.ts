/**
 * The peer cache: every peer we know an address for, with what we measured
 * (RTT moving average, min, max; successes, failures, last seen) and what the
 * peer signed about itself (the record: addresses, NAT type, capabilities).
 * Bounded: when full, the lowest score is evicted (or the newcomer refused if
 * it scores lower still). No I/O and no clock: `now` (Unix ms) is passed in,
 * randomness is injected. persist.ts saves it; service.ts drives it.
 *
 * Only an entry's signed record is ever given to other nodes (machine.ts). The
 * addresses we learned ourselves (a dial, an mDNS hint) stay on this node, so
 * a silent peer's address never leaves it.
 */
import { LagoonError } from '../../core/errors.js';
import { LIMITS, type NatType } from './constants.js';
import type { SignedRecord } from './record.js';
import { DEFAULT_SCORE_CONFIG, scoreOf, type ScoreConfig } from './score.js';

export interface CacheEntry {
  readonly peerId: string;
  /** Dialable addresses, most recently successful first. */
  addresses: string[];
  /** The peer's own signed record (newest seq), or null for a silent peer. */
  record: SignedRecord | null;
  rttAvgMs: number | null;
  rttMinMs: number | null;
  rttMaxMs: number | null;
  successes: number;
  failures: number;
  /** Unix ms of the last link (either direction) or answered probe. */
  lastSeenMs: number | null;
  lastFailureMs: number | null;
  natType: NatType;
  capabilities: number;
  /** Unix ms when the entry was created. */
  readonly addedMs: number;
}

export type RecordOutcome = 'new' | 'changed' | 'refreshed' | 'stale' | 'refused';

export interface PeerCacheOptions {
  /** Entries held at most (LAGOON_PEER_CACHE_MAX). */
  readonly max: number;
  /** Probability of exploring (a random candidate instead of the best). Default 0.1. */
  readonly epsilon?: number;
  readonly score?: Partial<ScoreConfig>;
  /** Our own peer_id: never cached. */
  readonly selfPeerId?: string;
}

export interface PeerCacheCounters {
  evicted: number;
  /** New peers not admitted because the cache was full of better ones. */
  refused: number;
}

/** Weight of a new RTT sample in the moving average (as TCP's SRTT: 1/8). */
const RTT_ALPHA = 1 / 8;

export class PeerCache {
  readonly max: number;
  readonly epsilon: number;
  readonly scoreConfig: ScoreConfig;
  readonly counters: PeerCacheCounters = { evicted: 0, refused: 0 };
  /** Bumped on every significant change (persist soon); `touches` on any change (persist at shutdown). */
  changes = 0;
  touches = 0;
  private readonly entries = new Map<string, CacheEntry>();
  /** address → peerId, so a failed dial (known only by address) finds its entry. */
  private readonly byAddress = new Map<string, string>();

  constructor(private readonly opts: PeerCacheOptions) {
    if (!Number.isSafeInteger(opts.max) || opts.max < 1) throw LagoonError.config(`peer cache max must be a positive integer, got ${opts.max}`);
    const eps = opts.epsilon ?? 0.1;
    if (!(eps >= 0 && eps <= 1)) throw LagoonError.config(`peer cache epsilon must be in [0, 1], got ${eps}`);
    this.max = opts.max;
    this.epsilon = eps;
    this.scoreConfig = Object.freeze({ ...DEFAULT_SCORE_CONFIG, ...opts.score });
  }

  get size(): number { return this.entries.size; }
  get(peerId: string): CacheEntry | undefined { return this.entries.get(peerId); }
  values(): IterableIterator<CacheEntry> { return this.entries.values(); }
  peerOf(address: string): string | undefined { return this.byAddress.get(address); }

  score(e: CacheEntry, now: number): number {
    return scoreOf({ ...e, recordSeq: e.record?.seq ?? null }, now, this.scoreConfig);
  }

  /**
   * Store a verified record. `new`: a peer we did not know; `changed`: its
   * addresses, NAT type or capabilities differ from what we held; `refreshed`:
   * same content, newer seq; `stale`: not newer than ours; `refused`: full.
   */
  putRecord(rec: SignedRecord, now: number): RecordOutcome {
    if (rec.peerId === this.opts.selfPeerId) return 'stale';
    const e = this.entries.get(rec.peerId);
    if (e !== undefined) {
      if (e.record !== null && rec.seq <= e.record.seq) return 'stale';
      const changed = e.record === null || !sameContent(e.record, rec);
      e.record = rec;
      e.natType = rec.natType;
      e.capabilities = rec.capabilities;
      this.mergeAddresses(e, rec.addresses, false);
      this.bump(changed);
      return changed ? 'changed' : 'refreshed';
    }
    const fresh = this.blank(rec.peerId, now);
    fresh.record = rec;
    fresh.natType = rec.natType;
    fresh.capabilities = rec.capabilities;
    if (rec.addresses.length === 0 || !this.admit(fresh, now)) return 'refused';
    this.mergeAddresses(fresh, rec.addresses, false);
    return 'new';
  }

  /** A link to `peerId` came up; `address` is the one we dialled (null for an inbound link). */
  noteSuccess(peerId: string, address: string | null, now: number, capabilities?: number): void {
    if (peerId === this.opts.selfPeerId) return;
    let e = this.entries.get(peerId);
    if (e === undefined) {
      if (address === null) return; // nothing to dial: an inbound silent peer is not cached
      e = this.blank(peerId, now);
      e.successes = 1; // counted before admission: an answering peer outranks untried ones
      if (!this.admit(e, now)) return;
    } else {
      e.successes++;
    }
    e.lastSeenMs = now;
    if (capabilities !== undefined && e.record === null) e.capabilities = capabilities >>> 0;
    if (address !== null) this.mergeAddresses(e, [address], true);
    this.bump(true);
  }

  /** A dial of `address` failed (the peer, if any, is known by address only). */
  noteFailure(address: string, now: number): void {
    const id = this.byAddress.get(address);
    const e = id === undefined ? undefined : this.entries.get(id);
    if (e === undefined) return;
    e.failures++;
    e.lastFailureMs = now;
    this.bump(true);
  }

  /** An inbound link or an answered probe: alive, not a dial outcome. */
  noteSeen(peerId: string, now: number): void {
    const e = this.entries.get(peerId);
    if (e === undefined) return;
    e.lastSeenMs = now;
    this.bump(false);
  }

  noteRtt(peerId: string, rttMs: number, now: number): void {
    const e = this.entries.get(peerId);
    if (e === undefined || !Number.isFinite(rttMs) || rttMs < 0) return;
    e.rttAvgMs = e.rttAvgMs === null ? rttMs : e.rttAvgMs + RTT_ALPHA * (rttMs - e.rttAvgMs);
    e.rttMinMs = e.rttMinMs === null ? rttMs : Math.min(e.rttMinMs, rttMs);
    e.rttMaxMs = e.rttMaxMs === null ? rttMs : Math.max(e.rttMaxMs, rttMs);
    e.lastSeenMs = now;
    this.bump(false);
  }

  remove(peerId: string): boolean {
    const e = this.entries.get(peerId);
    if (e === undefined) return false;
    this.drop(e);
    this.bump(true);
    return true;
  }

  /** Entries with an address, best score first, at most `n`. */
  best(n: number, now: number, filter: (e: CacheEntry) => boolean = () => true): CacheEntry[] {
    return this.ranked(now, filter).slice(0, Math.max(0, n));
  }

  /**
   * ε-greedy: each of the `n` picks takes the best remaining candidate, or
   * with probability ε a uniformly random one, so a peer that scored badly
   * once still gets an occasional chance to prove itself.
   */
  pick(n: number, now: number, random: () => number, filter: (e: CacheEntry) => boolean = () => true): CacheEntry[] {
    const pool = this.ranked(now, filter);
    const out: CacheEntry[] = [];
    while (out.length < n && pool.length > 0) {
      const i = random() < this.epsilon ? Math.min(pool.length - 1, Math.floor(random() * pool.length)) : 0;
      out.push(pool.splice(i, 1)[0]!);
    }
    return out;
  }

  /** Put back entries loaded from disk (persist.ts has validated them). Over `max`, the lowest scores are left out. */
  restore(entries: readonly CacheEntry[], now: number): void {
    const sorted = [...entries].sort((a, b) => this.score(b, now) - this.score(a, now));
    for (const e of sorted) {
      if (e.peerId === this.opts.selfPeerId || this.entries.has(e.peerId)) continue;
      if (this.entries.size >= this.max) { this.counters.refused++; continue; }
      const copy: CacheEntry = { ...e, addresses: [] };
      this.entries.set(e.peerId, copy);
      this.mergeAddresses(copy, e.addresses, false);
    }
  }

  private ranked(now: number, filter: (e: CacheEntry) => boolean): CacheEntry[] {
    const scored: Array<[number, CacheEntry]> = [];
    for (const e of this.entries.values()) if (e.addresses.length > 0 && filter(e)) scored.push([this.score(e, now), e]);
    // Ties broken by peer_id so the order (and a seeded pick) is deterministic.
    scored.sort((a, b) => b[0] - a[0] || (a[1].peerId < b[1].peerId ? -1 : 1));
    return scored.map(([, e]) => e);
  }

  private blank(peerId: string, now: number): CacheEntry {
    return {
      peerId, addresses: [], record: null, rttAvgMs: null, rttMinMs: null, rttMaxMs: null,
      successes: 0, failures: 0, lastSeenMs: null, lastFailureMs: null, natType: 'unknown', capabilities: 0, addedMs: now,
    };
  }

  /** Insert `e`, evicting the lowest score if full; false if `e` scores no better than that. */
  private admit(e: CacheEntry, now: number): boolean {
    if (this.entries.size >= this.max) {
      let worst: CacheEntry | undefined;
      let worstScore = Infinity;
      // A peer we never reached (heard of through gossip) cannot push out one that answered us: a flood of
      // fresh Sybil records would otherwise empty the cache of the peers a restart needs.
      const untried = e.successes === 0;
      for (const c of this.entries.values()) {
        if (untried && c.successes > 0) continue;
        const s = this.score(c, now);
        if (s < worstScore) { worst = c; worstScore = s; }
      }
      if (worst === undefined || this.score(e, now) <= worstScore) { this.counters.refused++; return false; }
      this.drop(worst);
      this.counters.evicted++;
    }
    this.entries.set(e.peerId, e);
    this.bump(true);
    return true;
  }

  private drop(e: CacheEntry): void {
    this.entries.delete(e.peerId);
    for (const a of e.addresses) if (this.byAddress.get(a) === e.peerId) this.byAddress.delete(a);
  }

  /** `first`: put these in front (a fresh success); else append unknown ones. Bounded to LIMITS.maxAddrs (oldest dropped). */
  private mergeAddresses(e: CacheEntry, addrs: readonly string[], first: boolean): void {
    const before = e.addresses.join('\n');
    const merged = first ? [...addrs, ...e.addresses] : [...e.addresses, ...addrs];
    const next = [...new Set(merged)].slice(0, LIMITS.maxAddrs);
    for (const a of e.addresses) if (!next.includes(a) && this.byAddress.get(a) === e.peerId) this.byAddress.delete(a);
    for (const a of next) {
      // One address, one peer: a peer that now answers at an address another one had takes it over.
      const prev = this.byAddress.get(a);
      if (prev !== undefined && prev !== e.peerId) {
        const other = this.entries.get(prev);
        if (other !== undefined) other.addresses = other.addresses.filter((x) => x !== a);
      }
      this.byAddress.set(a, e.peerId);
    }
    e.addresses = next;
    if (next.join('\n') !== before) this.bump(true);
  }

  private bump(significant: boolean): void {
    this.touches++;
    if (significant) this.changes++;
  }
}

function sameContent(a: SignedRecord, b: SignedRecord): boolean {
  return a.capabilities === b.capabilities && a.natType === b.natType
    && a.addresses.length === b.addresses.length && a.addresses.every((x, i) => x === b.addresses[i]);
}
