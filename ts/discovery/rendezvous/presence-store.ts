/**
 * Who is online, as a sans-IO store: inputs are (message, verdict, now) and
 * (now) for the prune; outputs are the presence events to broadcast. No
 * clock, timers or sockets here; the HTTP driver (service.ts) owns those.
 *
 * Rules (docs/rendezvous.md):
 * - a forged signature is refused; a peer once seen verified accepts only
 *   signed messages from then on, so nobody can overwrite it unsigned;
 * - signed messages must carry a `ts` within `maxSkewMs` of the server clock,
 *   and every message must be newer than the stored one (replays and
 *   reordered heartbeats are refused);
 * - a heartbeat that changes nothing but `ts` refreshes the peer silently:
 *   subscribers hear about joins, changes and departures, not about every
 *   heartbeat (the stream would otherwise grow with peers × heartbeat rate);
 * - at most `maxPeers` peers; a newcomer beyond it evicts the least recently
 *   seen peer, preferring unverified ones, and that peer is broadcast offline;
 * - the prune removes peers not heard from for `ttlMs`, broadcast offline;
 * - a departed peer leaves a tombstone (its last ts, whether it was
 *   verified) for `goneRetentionMs(limits)`: a late heartbeat, or a replayed
 *   signed message, cannot bring it back; only a newer message can, and only
 *   a signed one if it was verified. Tombstones are bounded like peers.
 */
import type { PresenceFields, PresenceMessage, Verdict } from '../presence.js';

/** What the store keeps per peer: the last accepted message's fields (its `ts` is the sender's clock). */
export interface PresenceRecord extends Omit<PresenceFields, 'type'> {
  /** True when the last accepted message carried a valid signature by the peer's key. */
  readonly verified: boolean;
  /** Server wall clock (Unix ms) of the last accepted message. */
  readonly lastSeen: number;
}

export interface PresenceEvent extends PresenceFields {
  readonly verified: boolean;
}

export interface StoreLimits {
  readonly ttlMs: number;
  readonly maxPeers: number;
  /** Largest |ts − now| accepted on a signed message. */
  readonly maxSkewMs: number;
}

/** What is remembered of a departed peer. */
export interface Tombstone {
  readonly ts: number;
  readonly verified: boolean;
}

/** Long enough that a signed message from before the departure fails the skew check afterwards. */
export function goneRetentionMs(limits: StoreLimits): number {
  return Math.max(limits.ttlMs, 2 * limits.maxSkewMs);
}

export type PublishResult =
  | { readonly ok: true; readonly events: readonly PresenceEvent[] }
  | { readonly ok: false; readonly status: 403 | 409; readonly reason: string };

export type Decision =
  | { readonly ok: false; readonly status: 403 | 409; readonly reason: string }
  | { readonly ok: true; readonly record: PresenceRecord | null; readonly event: PresenceEvent | null };

/** The storage a rendezvous server runs on: memory (this file) or SQLite shared by instances. */
export interface PresenceBackend {
  /** True when other instances share the state (the driver then polls). */
  readonly shared: boolean;
  publish(msg: PresenceMessage, verdict: Verdict, now: number): PublishResult;
  prune(now: number): PresenceEvent[];
  /** Peers online now, for a new subscriber's snapshot. */
  snapshot(): PresenceRecord[];
  /** Events other instances produced since the last poll (shared backends only). */
  poll(): PresenceEvent[];
  size(): number;
  close(): void;
}

export function eventOf(type: PresenceEvent['type'], r: PresenceRecord): PresenceEvent {
  return { type, peerId: r.peerId, content: r.content, email: r.email, avatarHash: r.avatarHash, addrs: r.addrs, ts: r.ts, verified: r.verified };
}

function sameContent(a: PresenceRecord, b: PresenceRecord): boolean {
  return a.content === b.content && a.email === b.email && a.avatarHash === b.avatarHash && a.verified === b.verified &&
    a.addrs.length === b.addrs.length && a.addrs.every((x, i) => x === b.addrs[i]);
}

/**
 * The one decision every backend applies: given the stored record (if any),
 * accept or refuse the message and say what to store and broadcast.
 */
export function decidePublish(
  existing: PresenceRecord | undefined, msg: PresenceMessage, verdict: Verdict, now: number, limits: StoreLimits, gone?: Tombstone,
): Decision {
  if (verdict === 'forged') return { ok: false, status: 403, reason: 'signature does not verify for this peerId' };
  if (verdict === 'verified' && Math.abs(msg.ts - now) > limits.maxSkewMs) {
    return { ok: false, status: 409, reason: `ts is more than ${limits.maxSkewMs} ms from the server clock` };
  }
  const last = existing ?? (gone && { ts: gone.ts, verified: gone.verified });
  if (last?.verified && verdict !== 'verified') return { ok: false, status: 403, reason: 'peer is verified: unsigned messages for it are refused' };
  if (last && msg.ts <= last.ts) return { ok: false, status: 409, reason: 'ts is not newer than the last accepted message (replay or reordering)' };
  if (msg.type === 'offline') {
    return { ok: true, record: null, event: existing ? { ...eventOf('offline', existing), ts: msg.ts } : null };
  }
  const record: PresenceRecord = {
    peerId: msg.peerId, content: msg.content, email: msg.email, avatarHash: msg.avatarHash, addrs: [...msg.addrs],
    ts: msg.ts, verified: verdict === 'verified', lastSeen: now,
  };
  if (!existing) return { ok: true, record, event: eventOf('online', record) };
  return { ok: true, record, event: sameContent(existing, record) ? null : eventOf('update', record) };
}

/** Victim when the table is full: the least recently seen unverified peer among the oldest few, else the oldest. */
export function pickVictim(oldestFirst: Iterable<PresenceRecord>, scan = 64): PresenceRecord | undefined {
  let first: PresenceRecord | undefined;
  let n = 0;
  for (const r of oldestFirst) {
    first ??= r;
    if (!r.verified) return r;
    if (++n >= scan) break;
  }
  return first;
}

/** The in-memory backend. Map order is least recently seen first (refreshes re-insert). */
export class PresenceStore implements PresenceBackend {
  readonly shared = false;
  private readonly peers = new Map<string, PresenceRecord>();
  /** Departed peers, oldest departure first: peerId → tombstone and departure time. */
  private readonly gone = new Map<string, Tombstone & { at: number }>();
  private lastNow = -Infinity;

  constructor(private readonly limits: StoreLimits) {}

  private tick(now: number): void {
    // Wall clock may step back (NTP); keep order monotone rather than assert.
    this.lastNow = Math.max(this.lastNow, now);
  }

  publish(msg: PresenceMessage, verdict: Verdict, now: number): PublishResult {
    this.tick(now);
    const existing = this.peers.get(msg.peerId);
    const d = decidePublish(existing, msg, verdict, this.lastNow, this.limits, this.gone.get(msg.peerId));
    if (!d.ok) return d;
    const events: PresenceEvent[] = [];
    this.peers.delete(msg.peerId);
    if (d.record) {
      this.gone.delete(msg.peerId);
      if (!existing && this.peers.size >= this.limits.maxPeers) {
        const victim = pickVictim(this.peers.values());
        if (victim) { this.peers.delete(victim.peerId); this.bury(victim.peerId, victim.ts, victim.verified); events.push(eventOf('offline', victim)); }
      }
      this.peers.set(d.record.peerId, d.record);
    } else if (existing) {
      this.bury(msg.peerId, msg.ts, existing.verified);
    }
    if (d.event) events.push(d.event);
    return { ok: true, events };
  }

  private bury(peerId: string, ts: number, verified: boolean): void {
    this.gone.delete(peerId);
    this.gone.set(peerId, { ts, verified, at: this.lastNow });
    if (this.gone.size > this.limits.maxPeers) this.gone.delete(this.gone.keys().next().value as string);
  }

  prune(now: number): PresenceEvent[] {
    this.tick(now);
    const out: PresenceEvent[] = [];
    for (const r of this.peers.values()) {
      if (r.lastSeen + this.limits.ttlMs > this.lastNow) break; // the rest were seen later
      this.peers.delete(r.peerId);
      this.bury(r.peerId, r.ts, r.verified);
      out.push(eventOf('offline', r));
    }
    const keep = goneRetentionMs(this.limits);
    for (const [id, g] of this.gone) {
      if (g.at + keep > this.lastNow) break;
      this.gone.delete(id);
    }
    return out;
  }

  snapshot(): PresenceRecord[] {
    return [...this.peers.values()];
  }

  poll(): PresenceEvent[] {
    return [];
  }

  size(): number {
    return this.peers.size;
  }

  close(): void {
    this.peers.clear();
    this.gone.clear();
  }
}
