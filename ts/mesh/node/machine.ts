/**
 * The mesh node machine (sans-IO): APE joins, SPIRAL slots and neighbour sets,
 * SPORE sync of signed peer records, slot conflicts decided by attested VDF
 * work, ghost pruning with tombstones, hole filling. docs/mesh-node.md.
 *
 * Inputs: start, linkUp, linkDown, frame, verdict (the VDF handshake's verdict
 * on a neighbour), handleTimeout. Every input takes `now` (monotonic ms, never
 * going back) and `wallMs` (the wall clock, used only for record seqs and
 * expiry) and returns actions, in order: send a frame, dial a peer, close a
 * link, or an event. Timers are data: call `handleTimeout` at `nextTimeout()`.
 * One machine per node; links are authenticated before `linkUp` (the peerId
 * is proven by the Noise handshake and HELLO).
 */
import { LagoonError } from '../../core/errors.js';
import { lowestFreeSlot } from '../spiral/claims.js';
import { planHoleMove } from '../spiral/holes.js';
import { RecordStore, signedBytes, type PutOutcome, type SporeRecord } from '../spore/store.js';
import { SporeSession } from '../spore/session.js';
import type { ItemSet } from '../spore/items.js';
import type { MeshCrypto, VerifiedWork } from './crypto.js';
import { decodeMeshFrame, encodeMeshFrame, MAX_RECORDS_PER_FRAME, MAX_WANT_IDS, type MeshFrame } from './messages.js';
import { makeRecord, peerRecordOf, verifiedWorkOf, verifyPeerRecord, MAX_ATTESTATIONS, type PeerRecord } from './records.js';
import { makeTombstone, openTombstone, TombstoneSet } from './tombstones.js';
import type { Topology } from './topology.js';
import { decideOccupancy } from './occupancy.js';
import { PenaltyBox } from './penalty.js';
import { DEFAULT_MESH_NODE_CONFIG, type MeshNodeConfig } from './constants.js';

export type MeshNodeEvent =
  | { e: 'slot'; slot: number; why: 'first' | 'offer' | 'conflict' | 'hole' }
  | { e: 'neighbours'; added: { peerId: string; publicKey: Uint8Array }[]; removed: string[] }
  | { e: 'conflict'; slot: number; winner: string; loser: string }
  | { e: 'pruned'; peerId: string; slot: number }
  | { e: 'offered'; to: string; slot: number; bytes: number };

export type MeshNodeAction =
  | { type: 'send'; peerId: string; frame: Uint8Array }
  | { type: 'dial'; peerId: string; addrs: readonly string[] }
  | { type: 'close'; peerId: string; reason: string }
  /** Link to one configured entry point for a while (linkUp with entry=true): how split clumps find each other again. */
  | { type: 'probe-entry' }
  | { type: 'event'; event: MeshNodeEvent };

export interface MeshNodeCounters {
  framesMalformed: number;
  records: Record<PutOutcome | 'buried' | 'outOfScope' | 'expired' | 'unparsable', number>;
  tombstonesForged: number;
  tombstonesRefuted: number;
  attestationsRejected: number;
  joinsServed: number;
  /** Joins this node could not place from its scope and passed uphill. */
  joinsForwarded: number;
  /** Holes this node reported uphill to the frontier node. */
  holesReported: number;
  bytesToJoiners: number;
  syncBytesOut: number;
  conflictsLost: number;
  holesFilled: number;
  pruned: number;
}

interface LinkState { readonly publicKey: Uint8Array; readonly since: number; readonly entry: boolean }

export interface MeshNodeOptions {
  readonly crypto: MeshCrypto;
  readonly topology: Topology;
  /** Mesh addresses this node broadcasts in its record (empty for a silent node). */
  readonly addrs: readonly string[];
  readonly name: string;
  readonly config?: Partial<MeshNodeConfig>;
}

/** Relays a forwarded request passes through at once, at most (a hostile flood costs bounded memory). */
const MAX_RELAYS = 1024;
/** Hops a forwarded request may take: uphill paths are about as long as the mesh is wide in shells. */
const MAX_FWD_HOPS = 64;
/** The slot field of a forwarded offer that says "no slot now" (the largest 6-byte value: never a real slot). */
const BUSY = 2 ** 48 - 1;
/** Slots 0..20 (the origin and shell 1) probe the entry points. */
const PROBING_SLOTS = 20;

export class MeshNode {
  readonly peerId: string;
  readonly config: MeshNodeConfig;
  readonly counters: MeshNodeCounters = {
    framesMalformed: 0,
    records: { accepted: 0, replaced: 0, stale: 0, replayed: 0, forged: 0, equivocation: 0, malformed: 0, buried: 0, outOfScope: 0, expired: 0, unparsable: 0 },
    tombstonesForged: 0, tombstonesRefuted: 0, attestationsRejected: 0, joinsServed: 0, joinsForwarded: 0, holesReported: 0, bytesToJoiners: 0,
    syncBytesOut: 0, conflictsLost: 0, holesFilled: 0, pruned: 0,
  };
  readonly #o: MeshNodeOptions;
  readonly #store: RecordStore;
  readonly #parsed = new Map<string, PeerRecord>();
  readonly #tombs: TombstoneSet;
  /** Peers we pruned, kept out of our view for a while if they keep failing. */
  readonly #penalty: PenaltyBox;
  readonly #links = new Map<string, LinkState>();
  readonly #neighbours = new Set<string>();
  readonly #dialling = new Map<string, number>();
  readonly #initiated = new Map<string, SporeSession>();
  readonly #responding = new Map<string, SporeSession>();
  /** When we last started an exchange with each linked peer. */
  readonly #lastSync = new Map<string, number>();
  /** Record ids we asked someone for, and when: not asked again from another peer meanwhile. */
  readonly #requested = new Map<string, number>();
  /** Linked peers that may lack something we accepted since our last exchange with them. */
  readonly #behind = new Set<string>();
  readonly #attestedMe = new Map<string, { bytes: Uint8Array; steps: number }>();
  readonly #work = new Map<string, VerifiedWork>();
  readonly #reserved = new Map<number, number>();
  /** Forwarded joins waiting for the frontier's answer: request id → who to pass it back to. */
  readonly #relays = new Map<string, { back: string; joiner: boolean; until: number }>();
  #fwdSeq = 0;
  /** Holes we reported uphill, and when (reported again only after holeStableMs). */
  readonly #holeReported = new Map<number, number>();
  /** The newest record of nodes that moved out of our scope: refutes old copies of their claims. */
  readonly #movedAway = new Map<string, SporeRecord>();
  readonly #itemsFor = new Map<number, ItemSet>();
  #itemsForOf: ItemSet | undefined;
  readonly #freeSince = new Map<number, number>();
  /** Winner per slot in our view (recomputed with the topology). */
  #occupants = new Map<number, PeerRecord>();
  readonly #weights = new Map<string, bigint>();
  #parsing: PeerRecord | undefined;
  #slot: number | null = null;
  #own: PeerRecord | undefined;
  #seq = 0;
  #dirtyAt = -Infinity;
  #topologyAt = -Infinity;
  #occupied: number[] = [];
  #join: { via: string; at: number } | undefined;
  #lingerUntil = new Map<string, number>();
  #now = -Infinity;
  #sweepAt = 0;
  #probeAt = Infinity;
  #wall = 0;
  #next = { tick: Infinity, sync: Infinity, refresh: Infinity, attest: Infinity };

  constructor(opts: MeshNodeOptions) {
    this.#o = opts;
    this.peerId = opts.crypto.peerId;
    this.config = { ...DEFAULT_MESH_NODE_CONFIG, ...opts.config };
    // #put parsed the payload already; the store's check reuses it instead of parsing again.
    this.#store = new RecordStore({
      maxRecords: this.config.maxRecords,
      verify: (r) => (this.#parsing !== undefined && this.#parsing.record === r
        ? opts.crypto.verify(r.origin, this.#parsing.info.publicKey, signedBytes(r), r.signature)
        : verifyPeerRecord(opts.crypto, r)),
    });
    this.#tombs = new TombstoneSet(this.config.maxTombstones);
    this.#penalty = new PenaltyBox(this.config.penaltyBaseMs, this.config.penaltyMaxMs, this.config.maxTombstones);
  }

  get slot(): number | null { return this.#slot; }
  get neighbours(): ReadonlySet<string> { return this.#neighbours; }
  get recordCount(): number { return this.#store.size; }
  get linkCount(): number { return this.#links.size; }
  get tombstoneCount(): number { return this.#tombs.size; }
  record(origin: string): PeerRecord | undefined { return this.#parsed.get(origin); }
  ownRecord(): PeerRecord | undefined { return this.#own; }
  isBuried(origin: string): boolean { return this.#tombs.get(origin) !== undefined && this.#tombs.buries(origin, this.#parsed.get(origin)?.seq ?? 0, this.#wall); }
  /** Who holds `slot` in this node's view (after conflicts are decided). */
  occupantOf(slot: number): string | undefined { return this.#occupants.get(slot)?.origin; }
  /** Occupied slots as this node sees them (winners only, its own included). */
  occupied(): readonly number[] { return this.#occupied; }

  nextTimeout(): number | undefined {
    const t = Math.min(this.#next.tick, this.#next.sync, this.#next.refresh, this.#next.attest);
    return Number.isFinite(t) ? t : undefined;
  }

  #tick(now: number, wallMs: number): void {
    if (!Number.isFinite(now) || now < this.#now) throw LagoonError.invalidArgument(`mesh node: time went backwards (${now} < ${this.#now})`);
    this.#now = now;
    this.#wall = wallMs;
  }

  /** `first`: no entry point is configured, so this node is the mesh and takes slot 0. */
  start(now: number, wallMs: number, first: boolean): MeshNodeAction[] {
    this.#tick(now, wallMs);
    const out: MeshNodeAction[] = [];
    this.#next = { tick: now + this.config.tickMs, sync: now + this.config.syncIntervalMs, refresh: Infinity, attest: now + this.config.attestIntervalMs };
    this.#probeAt = now + this.config.entryProbeMs;
    if (first) this.#setSlot(0, 'first', out);
    return out;
  }

  linkUp(peerId: string, publicKey: Uint8Array, entry: boolean, now: number, wallMs: number): MeshNodeAction[] {
    this.#tick(now, wallMs);
    const out: MeshNodeAction[] = [];
    this.#links.set(peerId, { publicKey, since: now, entry });
    this.#behind.add(peerId);
    const dialled = this.#dialling.delete(peerId);
    if (this.#slot === null) {
      if (entry && this.#join === undefined) this.#askToJoin(peerId, out);
      return out;
    }
    if (this.#own !== undefined) this.#sendFrame(out, peerId, { t: 'records', records: [this.#own.record] });
    if (this.#neighbours.has(peerId)) out.push({ type: 'event', event: { e: 'neighbours', added: [{ peerId, publicKey }], removed: [] } });
    // Only links this machine made or uses are its to close; others (federation, discovery) are left alone.
    else if (entry || dialled) this.#lingerUntil.set(peerId, now + this.config.lingerMs);
    return out;
  }

  linkDown(peerId: string, now: number, wallMs: number): MeshNodeAction[] {
    this.#tick(now, wallMs);
    const out: MeshNodeAction[] = [];
    if (!this.#links.delete(peerId)) return out;
    this.#initiated.delete(peerId);
    this.#responding.delete(peerId);
    this.#lastSync.delete(peerId);
    this.#behind.delete(peerId);
    this.#lingerUntil.delete(peerId);
    if (this.#join?.via === peerId) this.#join = undefined;
    // A neighbour whose link dropped is still our neighbour: it is redialled, and its liveness keeps being
    // judged, so one that does not come back with VDF proofs is pruned like a silent one.
    return out;
  }

  /** The VDF handshake's verdict on a direct neighbour; `work` is what this node verified itself. */
  verdict(peerId: string, alive: boolean, work: VerifiedWork | undefined, now: number, wallMs: number): MeshNodeAction[] {
    this.#tick(now, wallMs);
    const out: MeshNodeAction[] = [];
    if (alive) {
      if (work !== undefined) this.#work.set(peerId, work);
      return out;
    }
    // Only a node's own SPIRAL neighbours judge it; a link we keep for other reasons is not ours to prune.
    if (this.#neighbours.has(peerId)) this.#prune(peerId, out);
    return out;
  }

  frame(peerId: string, bytes: Uint8Array, now: number, wallMs: number): MeshNodeAction[] {
    this.#tick(now, wallMs);
    const out: MeshNodeAction[] = [];
    if (!this.#links.has(peerId)) return out;
    const f = decodeMeshFrame(bytes);
    if (f === undefined) {
      this.counters.framesMalformed++;
      return out;
    }
    switch (f.t) {
      case 'join': this.#onJoin(peerId, out); break;
      case 'fwd': this.#onForwarded(peerId, f, out); break;
      case 'fwdoffer': this.#onForwardedOffer(f.id, f.slot, f.records, out); break;
      case 'offer': this.#onOffer(peerId, f.slot, f.records, out); break;
      case 'records': for (const r of f.records) this.#put(r, peerId, out); break;
      case 'sync': this.#onSync(peerId, f.phase, f.spore, out); break;
      case 'want': this.#onWant(peerId, f.ids, out); break;
      case 'have': this.#onHave(peerId, f.ids, out); break;
      case 'tomb': this.#onTomb(peerId, f.tomb, out); break;
      case 'attest': this.#onAttest(peerId, f.attestation); break;
      case 'refuse': if (this.#join?.via === peerId) this.#join = { via: peerId, at: now - this.config.joinRetryMs + this.config.tickMs * 4 }; break;
    }
    this.#maybeTopology(out, false);
    return out;
  }

  handleTimeout(now: number, wallMs: number): MeshNodeAction[] {
    this.#tick(now, wallMs);
    const out: MeshNodeAction[] = [];
    if (now >= this.#next.tick) {
      this.#next.tick = now + this.config.tickMs;
      this.#housekeeping(out);
    }
    if (now >= this.#next.refresh) this.#publish(out);
    if (now >= this.#next.attest) {
      this.#next.attest = now + this.config.attestIntervalMs;
      this.#attestNeighbours(out);
    }
    if (now >= this.#next.sync) {
      this.#next.sync = now + this.config.syncIntervalMs;
      this.#syncRound(out);
    }
    this.#maybeTopology(out, false);
    return out;
  }

  // ------------------------------------------------------------ joining (APE)

  #askToJoin(via: string, out: MeshNodeAction[]): void {
    this.#join = { via, at: this.#now };
    this.#sendFrame(out, via, { t: 'join', addrs: [...this.#o.addrs], name: this.#o.name });
  }

  /**
   * Concierge: place the joiner (see #placement) and send it the signed records
   * of the occupied slots nearest its new slot: its SPIRAL neighbours-to-be,
   * never the table. A concierge that cannot place it from its own scope
   * passes the request uphill, and relays the frontier node's answer back.
   */
  #onJoin(peerId: string, out: MeshNodeAction[]): void {
    if (this.#slot === null) {
      this.#sendFrame(out, peerId, { t: 'refuse', reason: 'not joined yet' });
      return;
    }
    const slot = this.#placement();
    if (slot !== undefined) {
      this.#sendOffer(out, peerId, slot, this.#offerRecords(slot));
      this.counters.joinsServed++;
      return;
    }
    const next = this.#uphill();
    if (next === undefined || this.#relays.size >= MAX_RELAYS) {
      this.#sendFrame(out, peerId, { t: 'refuse', reason: 'no free slot in view' });
      return;
    }
    const id = `${this.peerId.slice(5, 21)}:${++this.#fwdSeq}`;
    this.#relays.set(id, { back: peerId, joiner: true, until: this.#now + this.config.joinRetryMs });
    this.#sendFrame(out, next, { t: 'fwd', id, kind: 'join', hops: 1, hole: 0, records: [] });
    this.counters.joinsForwarded++;
  }

  #sendOffer(out: MeshNodeAction[], joiner: string, slot: number, records: SporeRecord[]): void {
    const bytes = this.#sendFrame(out, joiner, { t: 'offer', slot, records });
    this.counters.bytesToJoiners += bytes;
    out.push({ type: 'event', event: { e: 'offered', to: joiner, slot, bytes } });
    this.#lingerUntil.set(joiner, this.#now + this.config.lingerMs);
  }

  /**
   * The slot to give a joiner, reserved for a while so a wave of joiners gets
   * distinct slots; undefined if this node should pass the join uphill.
   * - If every slot below the lowest free one we know lies within our scope,
   *   our view is complete there and that slot is the mesh's lowest free slot.
   * - Otherwise only the frontier node can tell: the slot order is continuous
   *   (consecutive slots are lattice neighbours), so the highest occupied slot
   *   is the only node with no higher neighbour. It offers a hole it saw open
   *   in its scope, else the next slots above the highest it knows, as far as
   *   its scope reaches (it must hand the joiner records near its slot). A gap
   *   below it that it never saw filled is not offered: its record may simply
   *   not have reached us yet.
   */
  #placement(): number | undefined {
    const me = this.#slot as number;
    this.#recomputeOccupancy();
    for (const [s, until] of this.#reserved) {
      if (until > this.#now) continue;
      this.#reserved.delete(s);
      // A reserved slot nobody took, below slots that were taken: a hole only we can know of.
      if (!this.#occupants.has(s) && s < (this.#occupied.at(-1) ?? 0)) this.#freeSince.set(s, this.#now);
    }
    const taken = new Set([...this.#occupied, ...this.#reserved.keys()]);
    const topo = this.#o.topology;
    const scope = this.#scope();
    let slot: number | undefined = lowestFreeSlot(taken);
    if (topo.distance(0, slot) + topo.distance(0, me) > scope) {
      // Someone higher is known: we are not the frontier (if it is not linked yet, the joiner asks again soon).
      if (this.#uphill() !== undefined || (this.#occupied.at(-1) ?? me) > me) return undefined;
      slot = undefined;
      for (const h of this.#freeSince.keys()) if (!taken.has(h) && (slot === undefined || h < slot)) slot = h;
      if (slot === undefined) {
        let top = me;
        for (const s of taken) if (s > top) top = s;
        slot = top + 1;
        // The joiner must have a neighbour that already exists (not only reserved), or nobody would ever learn of it.
        if (topo.distance(slot, me) > scope) return undefined;
        const links = topo.neighbours(slot, [...this.#occupied, slot].sort((a, b) => a - b));
        if (links.length === 0) return undefined;
      }
    }
    this.#reserved.set(slot, this.#now + this.config.reservationMs);
    return slot;
  }

  /**
   * The linked peer with the highest slot above ours: one step toward the
   * frontier. Any link counts, not only settled neighbours: a joiner we just
   * placed links to us at once, and the frontier should move on to it then.
   */
  #uphill(): string | undefined {
    let best: string | undefined;
    let bestSlot = this.#slot ?? Infinity;
    for (const p of this.#links.keys()) {
      const s = this.#parsed.get(p)?.info.slot;
      if (s === undefined || s <= bestSlot || this.#occupants.get(s)?.origin !== p) continue;
      best = p;
      bestSlot = s;
    }
    return best;
  }

  #offerRecords(slot: number): SporeRecord[] {
    const near = this.#occupied
      .map((s) => ({ s, d: this.#o.topology.distance(s, slot) }))
      .sort((a, b) => a.d - b.d || a.s - b.s)
      .slice(0, this.config.offerRecords);
    const records: SporeRecord[] = [];
    for (const { s } of near) {
      const r = this.#occupants.get(s);
      if (r !== undefined) records.push(r.record);
    }
    return records;
  }

  #onForwarded(peerId: string, f: Extract<MeshFrame, { t: 'fwd' }>, out: MeshNodeAction[]): void {
    if (this.#slot === null) return;
    if (f.kind === 'join') {
      const slot = this.#placement();
      if (slot !== undefined) {
        this.#sendFrame(out, peerId, { t: 'fwdoffer', id: f.id, slot, records: this.#offerRecords(slot) });
        this.counters.joinsServed++;
        return;
      }
    } else if (this.#uphill() === undefined) {
      this.#fillReportedHole(f.hole, f.records, out);
      return;
    }
    const next = this.#uphill();
    // Uphill strictly raises the slot, so a request cannot loop; the hop cap bounds a hostile one.
    if (next === undefined || f.hops >= MAX_FWD_HOPS || this.#relays.size >= MAX_RELAYS) {
      // The frontier has handed out every slot it can vouch for: the joiner asks again soon.
      if (f.kind === 'join') this.#sendFrame(out, peerId, { t: 'fwdoffer', id: f.id, slot: BUSY, records: [] });
      return;
    }
    if (f.kind === 'join') this.#relays.set(f.id, { back: peerId, joiner: false, until: this.#now + this.config.joinRetryMs });
    this.#sendFrame(out, next, { ...f, hops: f.hops + 1 });
  }

  get #rejoinId(): string { return `${this.peerId.slice(5, 21)}:rejoin`; }

  /** Records that arrived with a slot we are about to take: judged by the scope around that slot. */
  #putAround(slot: number, records: readonly SporeRecord[], from: string): void {
    const me = this.#slot;
    this.#slot = slot;
    for (const r of records) this.#put(r, from);
    this.#slot = me;
  }

  /** We lost our slot and cannot see a free one we may take: ask the frontier, as a joiner would. */
  #rejoinUphill(out: MeshNodeAction[]): void {
    const next = this.#uphill() ?? [...this.#neighbours].find((p) => this.#links.has(p));
    if (next === undefined) return;
    this.#relays.set(this.#rejoinId, { back: this.peerId, joiner: true, until: this.#now + this.config.joinRetryMs });
    this.#sendFrame(out, next, { t: 'fwd', id: this.#rejoinId, kind: 'join', hops: 1, hole: 0, records: [] });
  }

  #onForwardedOffer(id: string, slot: number, records: SporeRecord[], out: MeshNodeAction[]): void {
    const relay = this.#relays.get(id);
    if (relay?.back === this.peerId && this.#slot !== null) {
      this.#relays.delete(id);
      if (slot === BUSY) { this.#dirtyAt = this.#now; return; } // asked again at the next recomputation
      this.#putAround(slot, records, this.peerId);
      this.#setSlot(slot, 'conflict', out);
      return;
    }
    if (relay === undefined || !this.#links.has(relay.back)) return;
    this.#relays.delete(id);
    if (relay.joiner && slot === BUSY) this.#sendFrame(out, relay.back, { t: 'refuse', reason: 'the frontier is busy' });
    else if (relay.joiner) this.#sendOffer(out, relay.back, slot, records);
    else this.#sendFrame(out, relay.back, { t: 'fwdoffer', id, slot, records });
  }

  /** We are the frontier node and a node near hole `h` reported it: move there (records: its surroundings). */
  #fillReportedHole(h: number, records: SporeRecord[], out: MeshNodeAction[]): void {
    const me = this.#slot as number;
    if (h >= me || this.#occupants.has(h)) return;
    this.#putAround(h, records, this.peerId);
    this.counters.holesFilled++;
    this.#setSlot(h, 'hole', out);
  }

  /**
   * A hole we see but cannot fill (we are not the highest slot we know): when
   * it has been free for holeStableMs, its lowest-slot lattice neighbour (one
   * reporter per hole, not twenty; lattice neighbours of one cell are within 2
   * of each other, so with a scope ≥ 2 they agree who that is) sends it uphill
   * to the frontier node,
   * with the records around it. Needed once scopes are smaller than the mesh:
   * the frontier node may be too far away to see the hole itself.
   */
  #reportHoles(out: MeshNodeAction[]): void {
    const me = this.#slot as number;
    for (const [h, since] of this.#freeSince) {
      if (this.#now - since < this.config.holeStableMs) continue;
      const last = this.#holeReported.get(h);
      if (last !== undefined && this.#now - last < this.config.holeStableMs) continue;
      let reporter = Infinity;
      for (const s of this.#occupied) if (s < reporter && this.#o.topology.distance(s, h) <= 1) reporter = s;
      if (reporter !== me) continue;
      const next = this.#uphill();
      if (next === undefined) continue;
      this.#holeReported.set(h, this.#now);
      this.counters.holesReported++;
      this.#sendFrame(out, next, { t: 'fwd', id: `${this.peerId.slice(5, 21)}:${++this.#fwdSeq}`, kind: 'hole', hops: 1, hole: h, records: this.#offerRecords(h) });
    }
    for (const h of this.#holeReported.keys()) if (!this.#freeSince.has(h)) this.#holeReported.delete(h);
  }

  #onOffer(peerId: string, slot: number, records: SporeRecord[], out: MeshNodeAction[]): void {
    if (this.#slot !== null || this.#join?.via !== peerId) return;
    this.#join = undefined;
    this.#putAround(slot, records, peerId);
    this.#setSlot(slot, 'offer', out);
    // The concierge link lingers only if the concierge is not a neighbour.
    this.#lingerUntil.set(peerId, this.#now + this.config.lingerMs);
  }

  #setSlot(slot: number, why: 'first' | 'offer' | 'conflict' | 'hole', out: MeshNodeAction[]): void {
    this.#slot = slot;
    this.#freeSince.delete(slot);
    out.push({ type: 'event', event: { e: 'slot', slot, why } });
    this.#publish(out);
    this.#dropOutOfScope();
    this.#maybeTopology(out, true);
  }

  // ------------------------------------------------------------ records

  #publish(out: MeshNodeAction[]): void {
    if (this.#slot === null) return;
    const moved = this.#own !== undefined && this.#own.info.slot !== this.#slot;
    this.#seq = Math.max(this.#seq + 1, Math.floor(this.#wall));
    const attestations = [...this.#attestedMe.values()].sort((a, b) => b.steps - a.steps).slice(0, MAX_ATTESTATIONS).map((a) => a.bytes);
    this.#own = makeRecord(this.#o.crypto, this.#seq, { publicKey: this.#o.crypto.publicKey, slot: this.#slot, addrs: this.#o.addrs, name: this.#o.name, attestations });
    this.#store.put(this.#own.record);
    this.#parsed.set(this.peerId, this.#own);
    this.#changed();
    this.#next.refresh = this.#now + this.config.recordRefreshMs;
    // After a move every link hears of it (old neighbours included, while their links linger): nodes we leave
    // behind must drop our old claim, and the new record may be outside their scope, where sync never brings it.
    const to = moved ? this.#links.keys() : this.#neighbours;
    for (const p of to) if (this.#links.has(p)) this.#sendFrame(out, p, { t: 'records', records: [this.#own.record] });
  }

  #put(r: SporeRecord, from: string, out?: MeshNodeAction[]): PutOutcome | 'buried' | 'outOfScope' | 'expired' | 'unparsable' {
    const c = this.counters.records;
    if (r.origin === this.peerId && this.#own !== undefined && r.seq <= this.#own.seq) { c.stale++; return 'stale'; }
    const held = this.#parsed.get(r.origin);
    const newer = held?.record ?? this.#movedAway.get(r.origin);
    if (newer !== undefined && r.seq < newer.seq) {
      // The sender still holds an old record: its node may have moved out of the sender's scope, and then sync
      // never carries the new one there. Send ours back, so the sender can drop the old claim.
      if (out !== undefined && from !== this.peerId && this.#links.has(from)) this.#sendFrame(out, from, { t: 'records', records: [newer] });
      c.stale++;
      return 'stale';
    }
    // The same (origin, seq, signature) we verified already: a copy from another neighbour. Cheap to spot, common in sync.
    if (held !== undefined && r.seq === held.seq && Buffer.compare(r.signature, held.record.signature) === 0) { c.replayed++; return 'replayed'; }
    if (this.#tombs.buries(r.origin, r.seq, this.#wall)) { c.buried++; return 'buried'; }
    if (r.seq < this.#wall - this.config.recordTtlMs) { c.expired++; return 'expired'; }
    const p = peerRecordOf(r);
    if (p === undefined) { c.unparsable++; return 'unparsable'; }
    if (this.#slot !== null && this.#o.topology.distance(p.info.slot, this.#slot) > this.#scope()) {
      // A newer, genuine record placing a node we hold outside our scope: it moved away, so its old claim goes
      // too, and we remember the newer record to refute copies of the old one (from peers that missed the move).
      if ((held !== undefined || this.#movedAway.has(r.origin)) && (this.#movedAway.get(r.origin)?.seq ?? -1) < r.seq && verifyPeerRecord(this.#o.crypto, r)) {
        this.#forget(r.origin);
        if (this.#movedAway.size >= this.config.maxTombstones) this.#movedAway.delete(this.#movedAway.keys().next().value as string);
        this.#movedAway.set(r.origin, r);
      }
      c.outOfScope++;
      return 'outOfScope';
    }
    this.#parsing = p;
    const outcome = this.#store.put(r);
    this.#parsing = undefined;
    c[outcome]++;
    if (outcome === 'accepted' || outcome === 'replaced') {
      this.#parsed.set(r.origin, p);
      this.#movedAway.delete(r.origin);
      if (r.origin === this.peerId) this.#onOwnEcho(p);
      this.#changed(from);
    }
    return outcome;
  }

  /** A record of ours we did not make in this run (a previous run's, synced back): move past its seq. */
  #onOwnEcho(p: PeerRecord): void {
    this.#seq = Math.max(this.#seq, p.seq);
    if (this.#own === undefined || p.seq > this.#own.seq) this.#next.refresh = this.#now;
  }

  #scope(): number { return this.#o.topology.viewRadius + this.config.scopeMargin; }

  #dropOutOfScope(): void {
    if (this.#slot === null) return;
    for (const [origin, p] of this.#parsed) {
      if (origin !== this.peerId && this.#o.topology.distance(p.info.slot, this.#slot) > this.#scope()) this.#forget(origin);
    }
  }

  #forget(origin: string): void {
    if (this.#store.delete(origin)) this.#changed();
    this.#parsed.delete(origin);
  }

  /** Our set changed (a record from `from`, or ours): every other linked peer may lack it. */
  #changed(from?: string): void {
    this.#dirtyAt = this.#now;
    for (const p of this.#links.keys()) if (p !== from) this.#behind.add(p);
  }

  // ------------------------------------------------------------ SPORE sync

  /**
   * Items this node reconciles with `peer`: the records it holds that also lie
   * in the peer's scope. Both sides then reconcile the same set (records in
   * both scopes), and nothing the peer would only throw away is ever sent.
   */
  #items(peer: string): ItemSet {
    const all = this.#store.items();
    const at = this.#parsed.get(peer)?.info.slot;
    if (at === undefined || this.#slot === null) return all;
    // Cached per peer slot until our set changes: a sync round asks for several peers' sets of one snapshot.
    if (this.#itemsForOf !== all) {
      this.#itemsFor.clear();
      this.#itemsForOf = all;
    }
    const hit = this.#itemsFor.get(at);
    if (hit !== undefined) return hit;
    const topo = this.#o.topology;
    const scope = this.#scope();
    const sub = this.#store.itemsWhere((origin) => {
      const s = this.#parsed.get(origin)?.info.slot;
      return s !== undefined && topo.distance(s, at) <= scope;
    });
    const set = sub.size === all.size ? all : sub;
    this.#itemsFor.set(at, set);
    return set;
  }

  /**
   * Start an exchange with every linked neighbour (and entry link) whose last
   * exchange with us predates a change of our set, or is older than the
   * anti-entropy period. Either side may start one; each side keeps its own
   * initiator and responder sessions, so crossing exchanges do not collide.
   */
  #syncRound(out: MeshNodeAction[]): void {
    // At most syncFanout exchanges per round, the longest-waiting first: records still spread epidemically
    // (each round multiplies the nodes that have them), at a fraction of the work of syncing every link.
    const candidates: { p: string; at: number }[] = [];
    for (const [p, link] of this.#links) {
      if (!this.#neighbours.has(p) && !link.entry) continue;
      const last = this.#lastSync.get(p);
      const due = last === undefined || this.#now - last >= this.config.antiEntropyMs;
      if (!due && !this.#behind.has(p)) continue;
      if (this.#initiated.has(p) && last !== undefined && this.#now - last < this.config.syncIntervalMs * 4) continue;
      candidates.push({ p, at: last ?? -Infinity });
    }
    candidates.sort((a, b) => a.at - b.at || (a.p < b.p ? -1 : 1));
    for (const { p } of candidates.slice(0, this.config.syncFanout)) {
      this.#behind.delete(p);
      const s = new SporeSession(this.#items(p));
      this.#initiated.set(p, s);
      this.#lastSync.set(p, this.#now);
      this.#sendFrame(out, p, { t: 'sync', phase: 0, spore: s.initiate() });
    }
  }

  #onSync(peerId: string, phase: 0 | 1 | 2, spore: Uint8Array, out: MeshNodeAction[]): void {
    const sessions = phase === 1 ? this.#initiated : this.#responding;
    let s = sessions.get(peerId);
    if (phase === 0) {
      s = new SporeSession(this.#items(peerId));
      sessions.set(peerId, s);
    }
    if (s === undefined) return; // an exchange we no longer hold
    const res = s.reconcile(spore);
    if (res.error !== undefined) {
      this.counters.framesMalformed++;
      sessions.delete(peerId);
      return;
    }
    // What the peer lacks is announced, not pushed: several neighbours find the same gap at once,
    // and the peer fetches each record from one of them (lazy push).
    for (let i = 0; i < res.have.length; i += MAX_WANT_IDS) this.#sendFrame(out, peerId, { t: 'have', ids: res.have.slice(i, i + MAX_WANT_IDS) });
    for (let i = 0; i < res.need.length; i += MAX_WANT_IDS) this.#sendFrame(out, peerId, { t: 'want', ids: res.need.slice(i, i + MAX_WANT_IDS) });
    if (res.reply !== undefined) this.#sendFrame(out, peerId, { t: 'sync', phase: phase === 1 ? 2 : 1, spore: res.reply });
    else sessions.delete(peerId);
  }

  #onWant(peerId: string, ids: Uint8Array[], out: MeshNodeAction[]): void {
    this.#sendRecords(out, peerId, ids);
  }

  #onHave(peerId: string, ids: Uint8Array[], out: MeshNodeAction[]): void {
    const want: Uint8Array[] = [];
    for (const id of ids) {
      if (this.#store.getById(id) !== undefined) continue;
      const key = Buffer.from(id).toString('hex');
      const asked = this.#requested.get(key);
      if (asked !== undefined && this.#now - asked < this.config.requestTimeoutMs) continue;
      if (this.#requested.size >= MAX_WANT_IDS * 8) this.#requested.clear();
      this.#requested.set(key, this.#now);
      want.push(id);
    }
    if (want.length > 0) this.#sendFrame(out, peerId, { t: 'want', ids: want });
  }

  #sendRecords(out: MeshNodeAction[], peerId: string, ids: readonly Uint8Array[]): void {
    const records: SporeRecord[] = [];
    for (const id of ids) {
      const r = this.#store.getById(id);
      if (r !== undefined) records.push(r);
    }
    for (let i = 0; i < records.length; i += MAX_RECORDS_PER_FRAME) this.#sendFrame(out, peerId, { t: 'records', records: records.slice(i, i + MAX_RECORDS_PER_FRAME) });
  }

  // ------------------------------------------------------------ liveness, ghosts, attestations

  #prune(peerId: string, out: MeshNodeAction[]): void {
    this.#penalty.strike(peerId, this.#now);
    const r = this.#parsed.get(peerId);
    if (r !== undefined && peerId !== this.peerId) {
      const t = makeTombstone(this.#o.crypto, peerId, r.seq, r.info.slot, Math.floor(this.#wall + this.config.tombstoneTtlMs));
      if (this.#tombs.add(t, this.#wall)) {
        for (const p of this.#neighbours) if (p !== peerId && this.#links.has(p)) this.#sendFrame(out, p, { t: 'tomb', tomb: t.bytes });
      }
      this.#forget(peerId);
      this.counters.pruned++;
      out.push({ type: 'event', event: { e: 'pruned', peerId, slot: r.info.slot } });
    }
    this.#work.delete(peerId);
    if (this.#links.has(peerId)) out.push({ type: 'close', peerId, reason: 'no valid VDF proof' });
    this.#maybeTopology(out, true);
  }

  #onTomb(from: string, bytes: Uint8Array, out: MeshNodeAction[]): void {
    const t = openTombstone(this.#o.crypto, bytes);
    if (t === undefined) { this.counters.tombstonesForged++; return; }
    if (t.subject === this.peerId) {
      // Someone thinks we are dead: refute with a newer record (tombstones never cover a higher seq).
      this.counters.tombstonesRefuted++;
      if (this.#own !== undefined && t.subjectSeq >= this.#own.seq) this.#publish(out);
      return;
    }
    // We watch this node's VDF proofs ourselves and they are good: the tombstone is wrong (or stale), and
    // its subject will refute it. Neither apply it nor pass it on.
    if (this.#neighbours.has(t.subject) && this.#work.has(t.subject) && this.#links.has(t.subject)) return;
    if (!this.#tombs.add(t, this.#wall)) return;
    const held = this.#parsed.get(t.subject);
    if (held !== undefined && held.seq <= t.subjectSeq) this.#forget(t.subject);
    for (const p of this.#neighbours) if (p !== from && this.#links.has(p)) this.#sendFrame(out, p, { t: 'tomb', tomb: t.bytes });
  }

  #attestNeighbours(out: MeshNodeAction[]): void {
    for (const p of this.#neighbours) {
      const w = this.#work.get(p);
      const link = this.#links.get(p);
      if (w === undefined || link === undefined || w.steps <= 0) continue;
      this.#sendFrame(out, p, { t: 'attest', attestation: this.#o.crypto.attest(link.publicKey, w) });
    }
  }

  #onAttest(from: string, bytes: Uint8Array): void {
    const c = this.#o.crypto.checkAttestation(bytes);
    if (c === undefined || c.subject !== this.peerId || c.attester !== from) { this.counters.attestationsRejected++; return; }
    const held = this.#attestedMe.get(from);
    if (held !== undefined && held.steps >= c.steps) return;
    this.#attestedMe.set(from, { bytes, steps: c.steps });
    if (this.#attestedMe.size > MAX_ATTESTATIONS * 4) {
      const weakest = [...this.#attestedMe.entries()].sort((a, b) => a[1].steps - b[1].steps)[0]!;
      this.#attestedMe.delete(weakest[0]);
    }
    // A record with no weight yet takes its first attestations soon; later ones wait for the regular
    // refresh, so attestations do not make every record in the mesh change every few seconds.
    if (this.#own !== undefined && this.#own.info.attestations.length === 0) {
      this.#next.refresh = Math.min(this.#next.refresh, this.#now + this.config.attestIntervalMs);
    }
  }

  // ------------------------------------------------------------ topology

  #weight(r: PeerRecord): bigint {
    const key = `${r.origin}/${r.seq}`;
    let w = this.#weights.get(key);
    if (w === undefined) {
      w = verifiedWorkOf(this.#o.crypto, r);
      if (this.#weights.size > this.config.maxRecords * 2) this.#weights.clear();
      this.#weights.set(key, w);
    }
    return w;
  }

  /** Winners per slot, conflicts decided by attested work (then the smaller peerId). Returns our loss, if any. */
  #recomputeOccupancy(): { slot: number; winner: string } | undefined {
    const { occupants, occupied, lost } = decideOccupancy(this.#parsed.values(), this.peerId, (r) => this.#weight(r), (o) => this.#penalty.blocks(o, this.#now));
    const prev = this.#occupied;
    this.#occupants = occupants;
    this.#occupied = occupied;
    const max = occupied.at(-1) ?? 0;
    // A slot we stop seeing is a hole only if it lies within our scope: beyond it, records leave our view
    // because we moved, not because their nodes left.
    const me = this.#slot;
    const inScope = (s: number) => me !== null && this.#o.topology.distance(s, me) <= this.#scope();
    for (const s of prev) if (!occupants.has(s) && s < max && !this.#freeSince.has(s) && inScope(s)) this.#freeSince.set(s, this.#now);
    // Free cells next to us and below a slot we know taken are holes too, whether or not we saw them
    // taken: a node that arrived after the departure must still know (it may be the one to report it), and the
    // order is continuous, so the nodes above a run of departed slots learn of the run from its top end.
    if (me !== null) for (const s of this.#o.topology.adjacent(me)) if (s < max && !occupants.has(s) && !this.#freeSince.has(s)) this.#freeSince.set(s, this.#now);
    for (const s of this.#freeSince.keys()) if (occupants.has(s) || s > max || !inScope(s)) this.#freeSince.delete(s);
    return lost;
  }

  /**
   * Recompute occupancy and neighbours when the view changed and has been quiet
   * for `settleMs` (or `maxStaleMs` passed): links follow a settled view, not
   * every record in a burst of joins.
   */
  #maybeTopology(out: MeshNodeAction[], force: boolean): void {
    if (this.#slot === null) return;
    if (this.#dirtyAt <= this.#topologyAt && !force) return;
    if (!force && this.#now - this.#dirtyAt < this.config.settleMs && this.#now - this.#topologyAt < this.config.maxStaleMs) return;
    this.#topologyAt = this.#now;
    const lost = this.#recomputeOccupancy();
    if (lost !== undefined) {
      if (this.#relays.has(this.#rejoinId)) return; // already asked the frontier where to go
      this.counters.conflictsLost++;
      out.push({ type: 'event', event: { e: 'conflict', slot: lost.slot, winner: lost.winner, loser: this.peerId } });
      const slot = this.#placement();
      if (slot !== undefined) this.#setSlot(slot, 'conflict', out);
      else this.#rejoinUphill(out);
      return;
    }
    const move = planHoleMove(this.#slot, { occupied: new Set(this.#occupied), freeSince: this.#freeSince }, this.#now, this.config.holeStableMs);
    if (move !== undefined) {
      this.counters.holesFilled++;
      this.#setSlot(move, 'hole', out);
      return;
    }
    if (this.#freeSince.size > 0) this.#reportHoles(out);
    this.#applyNeighbours(out);
  }

  #applyNeighbours(out: MeshNodeAction[]): void {
    const slot = this.#slot as number;
    const want = new Set<string>();
    for (const s of this.#o.topology.neighbours(slot, this.#occupied)) {
      const r = this.#occupants.get(s);
      if (r !== undefined && r.origin !== this.peerId) want.add(r.origin);
    }
    const added: { peerId: string; publicKey: Uint8Array }[] = [];
    const removed: string[] = [];
    for (const p of this.#neighbours) {
      if (want.has(p)) continue;
      this.#neighbours.delete(p);
      this.#work.delete(p);
      if (this.#links.has(p)) {
        removed.push(p);
        this.#lingerUntil.set(p, this.#now + this.config.lingerMs);
      }
    }
    for (const p of want) {
      if (this.#neighbours.has(p)) continue;
      this.#neighbours.add(p);
      this.#lingerUntil.delete(p);
      const link = this.#links.get(p);
      if (link !== undefined) {
        added.push({ peerId: p, publicKey: link.publicKey });
        if (this.#own !== undefined) this.#sendFrame(out, p, { t: 'records', records: [this.#own.record] });
      }
    }
    this.#dialMissing(out);
    if (added.length > 0 || removed.length > 0) out.push({ type: 'event', event: { e: 'neighbours', added, removed } });
  }

  #dialMissing(out: MeshNodeAction[]): void {
    for (const p of this.#neighbours) {
      if (this.#links.has(p)) continue;
      const since = this.#dialling.get(p);
      if (since !== undefined && this.#now - since < this.config.dialRetryMs) continue;
      const addrs = this.#parsed.get(p)?.info.addrs ?? [];
      if (addrs.length === 0) continue; // a silent peer: it dials us
      this.#dialling.set(p, this.#now);
      out.push({ type: 'dial', peerId: p, addrs });
    }
  }

  #housekeeping(out: MeshNodeAction[]): void {
    if (this.#slot === null && this.#join !== undefined && this.#now - this.#join.at >= this.config.joinRetryMs && this.#links.has(this.#join.via)) {
      this.#askToJoin(this.#join.via, out);
    } else if (this.#slot === null && this.#join === undefined) {
      for (const [p, l] of this.#links) if (l.entry) { this.#askToJoin(p, out); break; }
    }
    for (const [id, r] of this.#relays) {
      if (r.until > this.#now) continue;
      this.#relays.delete(id);
      if (id === this.#rejoinId) this.#dirtyAt = this.#now; // our own request went unanswered: ask again
    }
    for (const [p, until] of this.#lingerUntil) {
      if (until > this.#now) continue;
      this.#lingerUntil.delete(p);
      if (!this.#neighbours.has(p) && this.#links.has(p)) out.push({ type: 'close', peerId: p, reason: 'not a SPIRAL neighbour' });
    }
    if (this.#now >= this.#sweepAt) {
      this.#sweepAt = this.#now + this.config.recordTtlMs / 8;
      for (const [origin, p] of this.#parsed) {
        if (origin !== this.peerId && p.seq < this.#wall - this.config.recordTtlMs) {
          this.#forget(origin);
          this.counters.records.expired++;
        }
      }
      this.#tombs.sweep(this.#wall);
    }
    if (this.#slot !== null) {
      // A hole becomes fillable only once it has been free for holeStableMs, with nothing else changing.
      if (this.#freeSince.size > 0) this.#maybeTopology(out, true);
      this.#dialMissing(out);
      // Only the core (shells 0 and 1) probes: one clump's core meeting the entry point is enough to merge two
      // clumps, and the entry point is not asked to take a link from every node of a large mesh each period.
      if (this.#now >= this.#probeAt && this.#slot <= PROBING_SLOTS) {
        this.#probeAt = this.#now + this.config.entryProbeMs;
        out.push({ type: 'probe-entry' });
      }
    }
  }

  #sendFrame(out: MeshNodeAction[], peerId: string, f: MeshFrame): number {
    const frame = encodeMeshFrame(f);
    if (f.t === 'sync' || f.t === 'records' || f.t === 'want' || f.t === 'have') this.counters.syncBytesOut += frame.length;
    out.push({ type: 'send', peerId, frame });
    return frame.length;
  }
}
