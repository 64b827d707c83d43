/**
 * Cache gossip as a sans-IO machine (seed 002, GOSSIP-2): no sockets, no
 * timers, no clock. Inputs are method calls with `now` (Unix ms; a `now` that
 * goes back is treated as the last one seen); outputs are returned action
 * lists; `nextTimeout()` says when to call `handleTimeout`.
 *
 *   linkUp(peer)          → SYNC of our best records (ours first when we broadcast), PING
 *   a record that is new or changed (from any link, or our own re-signed one)
 *                         → queued per link (not back to its sender or origin),
 *                           flushed as DELTA every deltaIntervalMs, ≤ gossipMax per frame
 *   request(peer)         → REQUEST; the peer answers RESPONSE with its best records
 *   every pingIntervalMs  → PING per link; PONG (and RESPONSE) give RTT samples
 *
 * Only signed records travel, exactly as their origin signed them; a silent
 * node signs none, so its address never leaves the nodes it linked to.
 * Received records are verified (signature, seq against what we hold, age)
 * before they touch the cache; bad ones are dropped and counted.
 */
import { cacheGossipConfig, CACHE_DROP_REASONS, type CacheDropReason, type CacheGossipConfig, type NatType } from './constants.js';
import type { CacheEntry, PeerCache } from './cache.js';
import { decodeCacheFrame, encodeCacheFrame, type CacheFrame } from './messages.js';
import { decodeRecord, signRecord, type SignedRecord } from './record.js';

export type CacheGossipAction =
  | { readonly type: 'send'; readonly peerId: string; readonly frame: Buffer }
  /** A record for a peer we did not know, or whose addresses changed. */
  | { readonly type: 'learned'; readonly record: SignedRecord; readonly from: string; readonly outcome: 'new' | 'changed' };

export interface Advertised {
  readonly addresses: readonly string[];
  readonly capabilities: number;
  readonly natType: NatType;
}

export interface Signer {
  readonly peerId: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface CacheGossipCounters {
  framesIn: number;
  framesOut: number;
  recordsIn: number;
  recordsAccepted: number;
  recordsOut: number;
  /** Records or frames dropped, by reason. */
  dropped: Record<CacheDropReason, number>;
  /** Valid records the full cache did not admit. */
  refused: number;
  /** Queued deltas pushed out by newer ones before a flush. */
  deltaOverflow: number;
  requestsSent: number;
  requestsAnswered: number;
  rttSamples: number;
  /** Links beyond `maxLinks`, not served. */
  linksIgnored: number;
}

interface LinkState {
  readonly peerId: string;
  /** origin peer_id → record, oldest first (Map order). */
  readonly deltas: Map<string, SignedRecord>;
  syncReceived: boolean;
  lastDeltaInMs: number;
  lastRequestAnsweredMs: number;
  lastPingAnsweredMs: number;
  ping: { nonce: number; sentMs: number } | null;
  request: { nonce: number; sentMs: number } | null;
  nextPingMs: number;
}

export interface CacheGossipOptions {
  readonly cache: PeerCache;
  readonly signer: Signer;
  readonly config?: Partial<CacheGossipConfig>;
  /** Uniform [0, 1); nonces come from it (seeded in tests and the simulator). */
  readonly random: () => number;
}

export class CacheGossipMachine {
  readonly config: CacheGossipConfig;
  readonly counters: CacheGossipCounters;
  private readonly cache: PeerCache;
  private readonly signer: Signer;
  private readonly random: () => number;
  private readonly links = new Map<string, LinkState>();
  private advertised: Advertised | null = null;
  private self: SignedRecord | null = null;
  private refreshAtMs = Infinity;
  private flushAtMs = Infinity;
  private lastNow = 0;

  constructor(opts: CacheGossipOptions) {
    this.config = cacheGossipConfig(opts.config);
    this.cache = opts.cache;
    this.signer = opts.signer;
    this.random = opts.random;
    const dropped = Object.fromEntries(CACHE_DROP_REASONS.map((r) => [r, 0])) as Record<CacheDropReason, number>;
    this.counters = {
      framesIn: 0, framesOut: 0, recordsIn: 0, recordsAccepted: 0, recordsOut: 0, dropped, refused: 0,
      deltaOverflow: 0, requestsSent: 0, requestsAnswered: 0, rttSamples: 0, linksIgnored: 0,
    };
  }

  /** Our signed record, or null while silent. */
  get selfRecord(): SignedRecord | null { return this.self; }
  get linkCount(): number { return this.links.size; }

  /** Start (addresses given) or stop (null) broadcasting our own record. A new record is sent to every link as a delta. */
  setAdvertised(adv: Advertised | null, now: number): CacheGossipAction[] {
    now = this.clock(now);
    this.advertised = adv;
    if (adv === null) { this.self = null; this.refreshAtMs = Infinity; return []; }
    this.resign(now);
    return [];
  }

  linkUp(peerId: string, now: number): CacheGossipAction[] {
    now = this.clock(now);
    if (this.links.has(peerId)) return [];
    if (this.links.size >= this.config.maxLinks) { this.counters.linksIgnored++; return []; }
    const link: LinkState = {
      peerId, deltas: new Map(), syncReceived: false, lastDeltaInMs: -Infinity, lastRequestAnsweredMs: -Infinity,
      lastPingAnsweredMs: -Infinity, ping: null, request: null, nextPingMs: now + this.config.pingIntervalMs,
    };
    this.links.set(peerId, link);
    const out: CacheGossipAction[] = [];
    this.send(out, peerId, { kind: 'sync', records: this.bestFor(peerId, now) });
    this.sendPing(out, link, now);
    return out;
  }

  linkDown(peerId: string): void {
    this.links.delete(peerId);
  }

  /** Ask `peerId` for its best records now (on demand). */
  request(peerId: string, now: number): CacheGossipAction[] {
    now = this.clock(now);
    const link = this.links.get(peerId);
    if (link === undefined) return [];
    const out: CacheGossipAction[] = [];
    link.request = { nonce: this.nonce(), sentMs: now };
    this.counters.requestsSent++;
    this.send(out, peerId, { kind: 'request', nonce: link.request.nonce, max: this.config.gossipMax });
    return out;
  }

  handleFrame(peerId: string, bytes: Uint8Array, now: number): CacheGossipAction[] {
    now = this.clock(now);
    const link = this.links.get(peerId);
    if (link === undefined) return [];
    this.counters.framesIn++;
    const d = decodeCacheFrame(bytes);
    if (!d.ok) { this.counters.dropped[d.reason]++; return []; }
    const f = d.frame;
    const out: CacheGossipAction[] = [];
    switch (f.kind) {
      case 'sync':
        // One sync per link: a peer that keeps sending them is pushing records at us.
        if (link.syncReceived) { this.counters.dropped.rate_limited++; break; }
        link.syncReceived = true;
        this.receive(out, link, f.records, now);
        break;
      case 'delta':
        if (now - link.lastDeltaInMs < this.config.deltaIntervalMs / 2) { this.counters.dropped.rate_limited++; break; }
        link.lastDeltaInMs = now;
        this.receive(out, link, f.records, now);
        break;
      case 'request':
        if (now - link.lastRequestAnsweredMs < this.config.answerMinIntervalMs) { this.counters.dropped.rate_limited++; break; }
        link.lastRequestAnsweredMs = now;
        this.counters.requestsAnswered++;
        this.send(out, peerId, { kind: 'response', nonce: f.nonce, records: this.bestFor(peerId, now, Math.min(f.max, this.config.gossipMax)) });
        break;
      case 'response':
        if (link.request === null || link.request.nonce !== f.nonce) { this.counters.dropped.unsolicited++; break; }
        this.rtt(link.peerId, now - link.request.sentMs, now);
        link.request = null;
        this.receive(out, link, f.records, now);
        break;
      case 'ping':
        if (now - link.lastPingAnsweredMs < this.config.answerMinIntervalMs) { this.counters.dropped.rate_limited++; break; }
        link.lastPingAnsweredMs = now;
        this.send(out, peerId, { kind: 'pong', nonce: f.nonce });
        break;
      case 'pong':
        if (link.ping === null || link.ping.nonce !== f.nonce) { this.counters.dropped.unsolicited++; break; }
        this.rtt(link.peerId, now - link.ping.sentMs, now);
        link.ping = null;
        break;
    }
    return out;
  }

  handleTimeout(now: number): CacheGossipAction[] {
    now = this.clock(now);
    const out: CacheGossipAction[] = [];
    if (now >= this.refreshAtMs) this.resign(now);
    if (now >= this.flushAtMs) this.flush(out, now);
    for (const link of this.links.values()) {
      const timeout = this.config.probeTimeoutMs;
      if (link.ping !== null && now - link.ping.sentMs >= timeout) link.ping = null;
      if (link.request !== null && now - link.request.sentMs >= timeout) link.request = null;
      if (now >= link.nextPingMs) this.sendPing(out, link, now);
    }
    return out;
  }

  nextTimeout(): number | undefined {
    let at = Math.min(this.refreshAtMs, this.flushAtMs);
    for (const l of this.links.values()) {
      at = Math.min(at, l.nextPingMs);
      if (l.ping !== null) at = Math.min(at, l.ping.sentMs + this.config.probeTimeoutMs);
      if (l.request !== null) at = Math.min(at, l.request.sentMs + this.config.probeTimeoutMs);
    }
    return at === Infinity ? undefined : at;
  }

  // ------------------------------------------------------------ internals

  private clock(now: number): number {
    this.lastNow = Math.max(this.lastNow, now);
    return this.lastNow;
  }

  private nonce(): number {
    return Math.floor(this.random() * 0x1_0000_0000) >>> 0;
  }

  private resign(now: number): void {
    const adv = this.advertised;
    if (adv === null) return;
    // seq = wall clock, strictly increasing, so a restarted node's record replaces its old one.
    const seq = Math.max(now, (this.self?.seq ?? 0) + 1);
    this.self = signRecord(this.signer.publicKey, (m) => this.signer.sign(m), { ...adv, seq });
    this.refreshAtMs = now + this.config.recordRefreshMs;
    this.queueDelta(this.self, undefined, now);
  }

  private shareable(e: CacheEntry, now: number): boolean {
    return e.record !== null && now - e.record.seq <= this.config.recordMaxAgeMs;
  }

  /** Our record first (when broadcasting), then the best shareable entries, never the peer's own. */
  private bestFor(peerId: string, now: number, max = this.config.gossipMax): Uint8Array[] {
    const out: Uint8Array[] = this.self !== null && max > 0 ? [this.self.bytes] : [];
    const rest = this.cache.best(max - out.length, now, (e) => e.peerId !== peerId && this.shareable(e, now));
    for (const e of rest) out.push(e.record!.bytes);
    return out;
  }

  private receive(out: CacheGossipAction[], link: LinkState, records: readonly Uint8Array[], now: number): void {
    for (const bytes of records) {
      this.counters.recordsIn++;
      const d = decodeRecord(bytes);
      if (!d.ok) { this.counters.dropped[d.reason]++; continue; }
      const rec = d.record;
      if (rec.seq > now + this.config.maxClockSkewMs) { this.counters.dropped.future++; continue; }
      if (now - rec.seq > this.config.recordMaxAgeMs) { this.counters.dropped.expired++; continue; }
      if (rec.peerId === this.signer.peerId) continue; // our own record coming back
      const outcome = this.cache.putRecord(rec, now);
      if (outcome === 'stale') { this.counters.dropped.stale++; continue; }
      if (outcome === 'refused') { this.counters.refused++; continue; }
      this.counters.recordsAccepted++;
      if (outcome === 'refreshed') continue; // same content: "deltas on change" only
      out.push({ type: 'learned', record: rec, from: link.peerId, outcome });
      this.queueDelta(rec, link.peerId, now);
    }
  }

  private queueDelta(rec: SignedRecord, from: string | undefined, now: number): void {
    for (const l of this.links.values()) {
      if (l.peerId === from || l.peerId === rec.peerId) continue;
      l.deltas.delete(rec.peerId); // re-insert: newest content, back of the queue
      if (l.deltas.size >= this.config.deltaQueueMax) {
        const oldest = l.deltas.keys().next().value as string;
        l.deltas.delete(oldest);
        this.counters.deltaOverflow++;
      }
      l.deltas.set(rec.peerId, rec);
    }
    if (this.flushAtMs === Infinity) this.flushAtMs = now + this.config.deltaIntervalMs;
  }

  private flush(out: CacheGossipAction[], now: number): void {
    let left = false;
    for (const l of this.links.values()) {
      const batch: Uint8Array[] = [];
      for (const [origin, rec] of l.deltas) {
        if (batch.length >= this.config.gossipMax) { left = true; break; }
        l.deltas.delete(origin);
        if (now - rec.seq <= this.config.recordMaxAgeMs) batch.push(rec.bytes);
      }
      if (batch.length > 0) this.send(out, l.peerId, { kind: 'delta', records: batch });
    }
    this.flushAtMs = left ? now + this.config.deltaIntervalMs : Infinity;
  }

  private sendPing(out: CacheGossipAction[], link: LinkState, now: number): void {
    link.ping = { nonce: this.nonce(), sentMs: now };
    link.nextPingMs = now + this.config.pingIntervalMs;
    this.send(out, link.peerId, { kind: 'ping', nonce: link.ping.nonce });
  }

  private rtt(peerId: string, rttMs: number, now: number): void {
    this.counters.rttSamples++;
    this.cache.noteRtt(peerId, rttMs, now);
  }

  private send(out: CacheGossipAction[], peerId: string, f: CacheFrame): void {
    const { frame, recordsSent } = encodeCacheFrame(f);
    this.counters.framesOut++;
    this.counters.recordsOut += recordsSent;
    out.push({ type: 'send', peerId, frame });
  }
}
