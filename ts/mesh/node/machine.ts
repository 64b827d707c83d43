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
 *
 * The machine sends every frame and emits every event; what it decides with
 * lives beside it: records.ts / record-view.ts (the records it holds),
 * slot-view.ts (who holds which slot, which slots are holes), links.ts,
 * concierge.ts (placing joiners, forwarded requests), sync.ts (SPORE
 * exchanges), attestations.ts, tombstones.ts, penalty.ts.
 */
import { LagoonError } from '../../core/errors.js';
import { planHoleMove } from '../spiral/holes.js';
import { claimOfKey } from '../spiral/splices.js';
import { recordId, type SporeRecord } from '../spore/store.js';
import type { MeshCrypto, VerifiedWork } from './crypto.js';
import { decodeMeshFrame, encodeMeshFrame, MAX_RECORDS_PER_FRAME, MAX_WANT_IDS, type MeshFrame } from './messages.js';
import { makeRecord, peerRecordOf, verifyPeerRecord, type GrantInfo, type PeerRecord, type SpliceClaimInfo } from './records.js';
import { makeTombstone, openTombstone, TombstoneSet } from './tombstones.js';
import { publishedSplices, sameSplices, spliceSourceOf, type SpliceSource, type Topology } from './topology.js';
import { PenaltyBox } from './penalty.js';
import { DEFAULT_MESH_NODE_CONFIG, SPLICE_ROUND_FLOOR_MS, type MeshNodeConfig } from './constants.js';
import { LinkRtt } from './link-rtt.js';
import { newCounters, type MeshNodeAction, type MeshNodeCounters, type SlotReason } from './actions.js';
import { Attestations } from './attestations.js';
import { BUSY, Concierge, MAX_FWD_HOPS, type Relay } from './concierge.js';
import { LinkTable } from './links.js';
import { RecordView } from './record-view.js';
import { SlotView } from './slot-view.js';
import { SporeSync } from './sync.js';
import type { RecordInterner } from './record-interner.js';

export type { MeshNodeAction, MeshNodeCounters, MeshNodeEvent } from './actions.js';

export interface MeshNodeOptions {
  readonly crypto: MeshCrypto;
  readonly topology: Topology;
  /** Mesh addresses this node broadcasts in its record (empty for a silent node). */
  readonly addrs: readonly string[];
  readonly name: string;
  readonly config?: Partial<MeshNodeConfig>;
  /** Share decoded records with the other nodes of this process (the simulator; record-interner.ts). */
  readonly interner?: RecordInterner;
}

/**
 * How long a forwarded join may be held on its way, summed over every node
 * that parks it, before it is answered BUSY, ms. The sum, not each node's
 * share: a join parked at one frontier after another as the turn moved on was
 * answered after its relays had given up (they wait reservationMs), and the
 * slot reserved for it held up the frontier, which waits for its highest
 * joiner, until the reservation lapsed (31 joiners never placed at
 * N = 2,600). Well within joinRetryMs, so the answer is back before the
 * joiner asks again.
 */
const JOIN_WAIT_MS = 2000;

/** Slots 0..20 (the origin and shell 1) probe the entry points. */
const PROBING_SLOTS = 20;

/** Penalised peers we link to and check (MeshNode.#probation): at most this many, within this lattice distance. */
const MAX_PROBATION = 8;
const PROBATION_DISTANCE = 3;
/** A node new on its slot is passed on to our neighbours this close to it: the splice radius (docs/spiral.md). */
const OCCUPANT_RELAY_DISTANCE = 3;
/** A first-hand record whose claims or grants changed is announced (HAVE) to our neighbours this close to its origin. */
const SPLICE_NEWS_DISTANCE = 2;
/** Splice rounds a view must stay quiet after splice news from within SPLICE_NEWS_DISTANCE before we recompute. */
const NEAR_SPLICE_QUIET_ROUNDS = 2;

export class MeshNode {
  readonly peerId: string;
  readonly config: MeshNodeConfig;
  readonly counters: MeshNodeCounters = newCounters();
  readonly #o: MeshNodeOptions;
  /** How far from our slot we keep records: occupancy farther away never changes our links. */
  readonly #scope: number;
  readonly #tombs: TombstoneSet;
  readonly #records: RecordView;
  readonly #slots: SlotView;
  /** Peers we pruned, kept out of our view for a while if they keep failing. */
  readonly #penalty: PenaltyBox;
  /** Linked peers that have proved to us without a dead verdict since, and since when (PenaltyBox.forgive). */
  readonly #provenSince = new Map<string, number>();
  /**
   * Peers we keep out under a penalty that would be our neighbours without it: linked and checked, so that
   * forgiveness (verdict) can reach them. Without this, two nodes that kept each other out were never linked,
   * never checked each other's proofs, and stayed out of each other's views (and short of the exact degree)
   * until the penalties lapsed (docs/mesh-node.md, "Ghosts, tombstones, holes").
   */
  #probation = new Set<string>();
  readonly #links: LinkTable;
  readonly #sync: SporeSync;
  readonly #concierge: Concierge;
  readonly #attest: Attestations;
  #slot: number | null = null;
  #own: PeerRecord | undefined;
  #seq = 0;
  #dirtyAt = -Infinity;
  /** What we publish under the exact-degree rule (topology.spliceState); empty otherwise. */
  #splices: { splices: SpliceClaimInfo[]; grants: GrantInfo[] } = { splices: [], grants: [] };
  #dirty = false;
  /** A record naming our slot in its splice claims or grants arrived: recompute at the next tick, not after settleMs. */
  #urgent = false;
  /** When the urgent recomputation is due (a splice round after the last one), or Infinity. */
  #urgentAt = Infinity;
  /** We took a slot from an offer: until then each neighbour that links is synced with at once (#fill). */
  #fillUntil = -Infinity;
  /**
   * Named by a splice claim or grant: until then every change of our view is acted on at splice pace (#markDirty).
   * Whether we may grant a claim depends on occupancy records that name nobody (a new joiner's, synced to us).
   */
  #spliceActiveUntil = -Infinity;
  /** Round trips to our links (PING/PONG): a splice round follows the slowest neighbour's. */
  readonly #rtt = new LinkRtt();
  /** Penalties that lapsed after this were not yet seen by a recomputation (#housekeeping). */
  #penaltyCheckedAt = -Infinity;
  /** How many of them: every one when a frontier placed us (we may soon be the frontier), else the first. */
  #fillMax = 1;
  /** The neighbours synced with since the offer. */
  readonly #filled = new Set<string>();
  /** Tombstones of neighbours we vouched for when they came, by subject (see #onTomb). */
  readonly #heldTombs = new Map<string, { from: string; bytes: Uint8Array; seq: number }>();
  #topologyAt = -Infinity;
  #join: { via: string; at: number } | undefined;
  /** Holes we did not move into while joiners above us were on their way (counted once each; cleared once they arrived). */
  readonly #deferredHoles = new Set<number>();
  #now = -Infinity;
  #sweepAt = 0;
  #probeAt = Infinity;
  /** No entry point configured: this node started the mesh (slot 0) and is never stranded. */
  #first = false;
  /** Since when we have had a slot and no SPIRAL neighbour (Infinity while we have one), and when we may next probe for an entry link. */
  #stranded = { since: Infinity, probeAt: -Infinity };
  /** Why our pending forwarded join asked for a slot (the slot event's reason when the answer comes). */
  #rejoinWhy: SlotReason = 'conflict';
  #wall = 0;
  #next = { tick: Infinity, sync: Infinity, refresh: Infinity, attest: Infinity };

  constructor(opts: MeshNodeOptions) {
    this.#o = opts;
    this.peerId = opts.crypto.peerId;
    const c = (this.config = { ...DEFAULT_MESH_NODE_CONFIG, ...opts.config });
    if (!Number.isSafeInteger(c.spliceRoundMs) || c.spliceRoundMs <= 0 || c.spliceRoundMs > 60_000) {
      throw LagoonError.config(`mesh spliceRoundMs must be an integer in 1..60000, got ${c.spliceRoundMs}`);
    }
    if (!Number.isFinite(c.spliceRoundRtts) || c.spliceRoundRtts < 1 || c.spliceRoundRtts > 100) {
      throw LagoonError.config(`mesh spliceRoundRtts must be a number in 1..100, got ${c.spliceRoundRtts}`);
    }
    if (!Number.isSafeInteger(c.rttProbeMs) || c.rttProbeMs < 1000 || c.rttProbeMs > 3_600_000) {
      throw LagoonError.config(`mesh rttProbeMs must be an integer in 1000..3600000, got ${c.rttProbeMs}`);
    }
    // A bound at or past reservationMs would never give a no-show up before its reservation lapses anyway.
    if (!Number.isSafeInteger(c.arrivalMs) || c.arrivalMs <= 0 || c.arrivalMs >= c.reservationMs) {
      throw LagoonError.config(`mesh arrivalMs must be an integer in 1..${c.reservationMs - 1} (below reservationMs), got ${c.arrivalMs}`);
    }
    const { crypto, topology } = opts;
    this.#scope = topology.viewRadius + c.scopeMargin;
    this.#tombs = new TombstoneSet(c.maxTombstones);
    this.#records = new RecordView({ crypto, topology, scope: this.#scope, tombs: this.#tombs, config: c, ...(opts.interner !== undefined ? { interner: opts.interner } : {}) });
    this.#penalty = new PenaltyBox(this.peerId, c.penaltyBaseMs, c.penaltyMaxMs, c.maxTombstones);
    this.#slots = new SlotView({ crypto, topology, scope: this.#scope, maxRecords: c.maxRecords, records: this.#records, penalty: this.#penalty });
    this.#links = new LinkTable(c.lingerMs, c.dialRetryMs);
    this.#sync = new SporeSync(this.#records, c);
    this.#concierge = new Concierge(this.peerId, topology, this.#scope, c);
    this.#attest = new Attestations(crypto);
  }

  get slot(): number | null { return this.#slot; }
  get neighbours(): ReadonlySet<string> { return this.#links.neighbours; }
  get recordCount(): number { return this.#records.size; }
  get linkCount(): number { return this.#links.links.size; }
  get tombstoneCount(): number { return this.#tombs.size; }
  record(origin: string): PeerRecord | undefined { return this.#records.get(origin); }
  /** The smoothed round trip to a linked peer, ms, once measured (PING/PONG). */
  rttOf(peerId: string): number | undefined { return this.#rtt.srtt(peerId); }
  ownRecord(): PeerRecord | undefined { return this.#own; }
  isBuried(origin: string): boolean { return this.#tombs.get(origin) !== undefined && this.#tombs.buries(origin, this.#records.get(origin)?.seq ?? 0, this.#wall); }
  /** Who holds `slot` in this node's view (after conflicts are decided). */
  occupantOf(slot: number): string | undefined { return this.#slots.occupants.get(slot)?.origin; }
  /** Occupied slots as this node sees them (winners only, its own included). */
  occupied(): readonly number[] { return this.#slots.occupied; }

  nextTimeout(): number | undefined {
    const t = Math.min(this.#next.tick, this.#next.sync, this.#next.refresh, this.#next.attest, this.#urgentAt);
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
    this.#first = first;
    if (first) this.#setSlot(0, 'first', out);
    return out;
  }

  /**
   * Start from a snapshot instead of joining: `own`, our own last record (signed by us: our slot, claims, grants
   * and attestations), and the records we held. Nothing is published unless what we read changes our claims or
   * grants; our next refresh is due recordRefreshMs after `own` was made. The simulator builds settled meshes this
   * way at sizes where growing them join by join takes hours (docs/sim.md, "Settled worlds"); nothing on the wire
   * leads here. Records that fail their checks are dropped and counted as on any other path.
   */
  resume(own: SporeRecord, records: Iterable<SporeRecord>, now: number, wallMs: number): MeshNodeAction[] {
    const p = own.origin === this.peerId && verifyPeerRecord(this.#o.crypto, own) ? peerRecordOf(own) : undefined;
    if (p === undefined) {
      throw LagoonError.invalidArgument('mesh resume: our own record must be ours and validly signed');
    }
    const out = this.start(now, wallMs, false);
    this.#own = p;
    this.#seq = p.seq;
    this.#slot = p.info.slot;
    this.#splices = { splices: [...(p.info.splices ?? [])], grants: [...(p.info.grants ?? [])] };
    this.#records.putOwn(p);
    for (const r of records) this.#put(r, this.peerId);
    this.#slots.taken(p.info.slot);
    this.#next.refresh = now + Math.max(0, p.seq + this.config.recordRefreshMs - wallMs);
    out.push({ type: 'event', event: { e: 'slot', slot: p.info.slot, why: 'resumed' } });
    this.#dropOutOfScope();
    this.#maybeTopology(out, true);
    return out;
  }

  linkUp(peerId: string, publicKey: Uint8Array, entry: boolean, now: number, wallMs: number): MeshNodeAction[] {
    this.#tick(now, wallMs);
    const out: MeshNodeAction[] = [];
    const dialled = this.#links.up(peerId, publicKey, entry, now);
    this.#sync.linked(peerId);
    this.#ping(out, peerId);
    if (this.#slot === null) {
      if (entry && this.#join === undefined) this.#askToJoin(peerId, out);
      return out;
    }
    this.#sendOwn(out, peerId);
    this.#fill(peerId, out);
    if (this.#links.neighbours.has(peerId)) out.push({ type: 'event', event: { e: 'neighbours', added: [{ peerId, publicKey }], removed: [] } });
    else if (this.#probation.has(peerId)) out.push({ type: 'event', event: { e: 'watch', peerId, publicKey } });
    // Only links this machine made or uses are its to close; others (federation, discovery) are left alone.
    else if (entry || dialled) this.#links.linger(peerId, now);
    return out;
  }

  linkDown(peerId: string, now: number, wallMs: number): MeshNodeAction[] {
    this.#tick(now, wallMs);
    const out: MeshNodeAction[] = [];
    if (!this.#links.down(peerId)) return out;
    this.#sync.unlinked(peerId);
    this.#rtt.forget(peerId);
    this.#provenSince.delete(peerId);
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
      if (work !== undefined && !this.#attest.verified(peerId, work)) this.counters.workInconsistent++;
      // A neighbour's first verified work is attested at once, not at our next round (attestIntervalMs): until its
      // record carries some, it weighs nothing in a slot conflict, and a squatter with none took its slot whenever
      // its peerId was the smaller (the adversaries' squatter took slot 0 on 6 of seeds 301–312).
      const first = this.#links.neighbours.has(peerId) ? this.#attest.first(peerId, this.#links.get(peerId)?.publicKey) : undefined;
      if (first !== undefined) this.#sendFrame(out, peerId, { t: 'attest', attestation: first });
      // A node we kept out for its tombstones has proved to us for penaltyForgiveMs (a linked peer that counts us as
      // its neighbour is checked too): back into the occupancy. Not on one proof: a node that proves once per
      // link and then stops would be taken back after every prune, which is what the penalty is for.
      const since = this.#provenSince.get(peerId) ?? this.#now;
      this.#provenSince.set(peerId, since);
      if (this.#now - since >= this.config.penaltyForgiveMs && this.#penalty.forgive(peerId, this.#now)) this.#markDirty();
      return out;
    }
    this.#provenSince.delete(peerId);
    // Only a node's own SPIRAL neighbours judge it; a link we keep for other reasons is not ours to prune.
    if (this.#links.neighbours.has(peerId)) this.#prune(peerId, out);
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
      case 'fwdoffer': this.#onForwardedOffer(peerId, f.id, f.slot, f.reservedTo, f.records, out); break;
      case 'offer': this.#onOffer(peerId, f.slot, f.reservedTo, f.records, out); break;
      case 'records':
        for (const r of f.records) this.#put(r, peerId, out);
        // A joiner announces itself with its record once linked: the frontier's turn may pass to it now, not at the
        // next tick (half a tick per turn was most of a turn past the scope). Only then: records answering a sync
        // WANT are far more frequent, and each retry recomputes the occupancy once per parked join.
        // Likewise a record of a cell the frontier holds its next slot back for (Concierge.#sees).
        if (this.#slot !== null && this.#concierge.hasParked && f.records.some((r) => r.origin === peerId || this.#awaited(r))) this.#retryParked(out);
        break;
      case 'sync': this.#onSync(peerId, f.phase, f.spore, out); break;
      case 'want': this.#sendRecords(out, peerId, f.ids); break;
      case 'have': this.#onHave(peerId, f.ids, out); break;
      case 'tomb': this.#onTomb(peerId, f.tomb, out); break;
      case 'attest': this.#onAttest(peerId, f.attestation); break;
      case 'ping': this.#sendFrame(out, peerId, { t: 'pong', n: f.n }); break;
      case 'pong': this.#rtt.pong(peerId, f.n, now); break;
      case 'refuse': this.#onRefuse(peerId, out); break;
    }
    this.#maybeTopology(out, false);
    return out;
  }

  handleTimeout(now: number, wallMs: number): MeshNodeAction[] {
    this.#tick(now, wallMs);
    if (now >= this.#urgentAt) this.#urgentAt = Infinity; // the recomputation it was for runs below
    const out: MeshNodeAction[] = [];
    if (now >= this.#next.tick) {
      this.#next.tick = now + this.config.tickMs;
      this.#housekeeping(out);
    }
    if (now >= this.#next.refresh) {
      // Without a slot there is no record to publish; taking one publishes (#setSlot). A restarted node can get its
      // previous run's record before it has a slot (from a cached peer it dialled first, #onOwnEcho), and a refresh
      // left due re-armed the timer at the same instant forever (the simulator stalled on it; a real node spun).
      if (this.#slot === null) this.#next.refresh = Infinity;
      else this.#publish(out);
    }
    if (now >= this.#next.attest) {
      this.#next.attest = now + this.config.attestIntervalMs;
      for (const a of this.#attest.toSend(this.#links.neighbours, (p) => this.#links.get(p)?.publicKey)) this.#sendFrame(out, a.peerId, { t: 'attest', attestation: a.attestation });
    }
    if (now >= this.#next.sync) {
      this.#next.sync = now + this.config.syncIntervalMs;
      // Without a slot there is no scope to sync: a joiner waiting on a forwarded answer would pull its entry point's
      // whole scope over the entry link, records it would then throw away (bytes to a joiner must not grow with N).
      if (this.#slot !== null) for (const s of this.#sync.round(this.#links.links, this.#links.neighbours, this.#slot, now)) this.#sendFrame(out, s.peerId, { t: 'sync', phase: 0, spore: s.spore });
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
   * Our entry point could not place us. One that has no slot itself (it restarted with us: a peer cache holds
   * several such) is no concierge for a while, so another entry link that has one is asked at once: waiting to ask
   * the same one again let a restarted node's neighbours prune it meanwhile, and it lost its slot (seed 308 of the
   * scoped restart test). A placed concierge's refusal (no free slot in view, the frontier busy) is asked again
   * later, of the same one.
   */
  #onRefuse(peerId: string, out: MeshNodeAction[]): void {
    if (this.#join?.via !== peerId) return;
    if (this.#records.get(peerId) === undefined) {
      for (const [p, l] of this.#links.links) {
        if (l.entry && p !== peerId && this.#records.get(p) !== undefined) {
          this.#askToJoin(p, out);
          return;
        }
      }
    }
    this.#join = { via: peerId, at: this.#now - this.config.joinRetryMs + this.config.tickMs * 4 };
  }

  /**
   * Concierge: place the joiner (see Concierge.place) and send it the signed
   * records of the occupied slots nearest its new slot: its SPIRAL
   * neighbours-to-be, never the table. A concierge that cannot place it from
   * its own scope passes the request uphill, and relays the frontier node's
   * answer back.
   */
  #onJoin(peerId: string, out: MeshNodeAction[]): void {
    if (this.#slot === null) {
      this.#sendFrame(out, peerId, { t: 'refuse', reason: 'not joined yet' });
      return;
    }
    const back = this.#returning(peerId);
    const slot = back ?? this.#placement();
    if (slot !== undefined) {
      // A returned slot is not a reservation: with none held, what we had reserved is -1, which no offer can carry.
      this.#sendOffer(out, peerId, slot, Math.max(slot, this.#concierge.reservedTo(this.#now)), this.#offerRecords(slot));
      this.counters.joinsServed++;
      if (back !== undefined) this.counters.slotsReturned++;
      return;
    }
    const next = this.#towardFrontier(this.#concierge.reservedTo(this.#now));
    if (next === undefined || !this.#concierge.canRelay()) {
      this.#sendFrame(out, peerId, { t: 'refuse', reason: 'no free slot in view' });
      return;
    }
    const id = this.#concierge.newId();
    // A relay waits as long as the frontier's reservation lasts, not just one join retry: a forwarded join can be
    // parked on its way while the frontier changes hands, and an answer that finds its relay gone strands the slot
    // reserved for it until the reservation lapses (10 s stalls at N = 600 with scope 3).
    this.#concierge.relay(id, { back: peerId, to: next, joiner: true, until: this.#now + this.config.reservationMs });
    this.#sendFrame(out, next, { t: 'fwd', id, kind: 'join', hops: 1, slot: Math.max(0, this.#concierge.reservedTo(this.#now)), waited: 0, entry: this.peerId, records: [] });
    this.counters.joinsForwarded++;
  }

  /**
   * The slot of a joiner that held one a moment ago: it restarted (same identity, same data directory) before its
   * neighbours pruned it, so its record still holds the slot in our view. Offered back, the node returns to its
   * place: its neighbours keep their links and nobody moves into a hole it would leave (holeStableMs later, a
   * second move). Only the node itself can ask (the link is authenticated to its key), and only while its old
   * claim wins the slot in our view.
   *
   * A node down for longer than its neighbours' patience was pruned: we hold a tombstone naming its slot instead of
   * its record. While that slot is a young hole in our view (free for less than half of holeStableMs, so no
   * concierge hands it out and no neighbour moves into it yet) it comes back too: the alternative is a new slot at
   * the top and, holeStableMs later, a neighbour moving down into the hole it left (a restart that took a few windows
   * longer than the prune moved two nodes). A concierge that holds neither places it as any joiner.
   */
  #returning(peerId: string): number | undefined {
    if (peerId === this.peerId) return undefined;
    this.#recomputeOccupancy();
    const held = this.#records.get(peerId);
    if (held !== undefined) return this.#slots.occupants.get(held.info.slot)?.origin === peerId ? held.info.slot : undefined;
    const tomb = this.#tombs.get(peerId);
    if (tomb === undefined || tomb.untilMs <= this.#wall) return undefined;
    const since = this.#slots.freeSince.get(tomb.slot);
    return since !== undefined && this.#now - since < this.config.holeStableMs / 2 ? tomb.slot : undefined;
  }

  #sendOffer(out: MeshNodeAction[], joiner: string, slot: number, reservedTo: number, records: SporeRecord[]): void {
    const bytes = this.#sendFrame(out, joiner, { t: 'offer', slot, reservedTo, records });
    this.counters.bytesToJoiners += bytes;
    out.push({ type: 'event', event: { e: 'offered', to: joiner, slot, bytes } });
    this.#links.linger(joiner, this.#now);
  }

  /** The slot to give a joiner (or ourselves, `asFrontier` false), judged on fresh occupancy (Concierge.place); undefined: pass it uphill. */
  #placement(asFrontier = true, reservedBelow = 0): number | undefined {
    const me = this.#slot as number;
    this.#recomputeOccupancy();
    const view = this.#slots;
    for (const h of this.#concierge.expireReservations(this.#now, view.occupants, view.occupied)) view.markFree(h, this.#now);
    const place = (): number | undefined => {
      // Joiners we placed above us do not end our turn as the frontier, arrived or not: we are the one node that knows
      // which slots are promised, and the turn passes to the highest of them once we have no room left (Concierge.place
      // answers undefined). Ending it as soon as one had arrived and linked to us made every turn one placement long, and
      // past the scope one frontier placed about 9 joiners a second (a 2,400-node run, waves of 200 every 5 s).
      const ours = this.#concierge.turnPassed(this.#now) ? this.#concierge.pendingTo(view.occupants) : (this.#concierge.successor(this.#now) ?? -1);
      const above = Math.max(me, ours);
      const higherLinked = this.#slots.highestAbove(above, this.#links.links.keys()) !== undefined;
      const slot = this.#concierge.place({ me, occupied: view.occupied, holes: view.freeSince, known: (s) => view.vacated.has(s) || view.withheld.has(s), higherLinked, asFrontier, reservedBelow }, this.#now);
      if (this.#concierge.placedUnseen) this.counters.placedUnseen++;
      return slot;
    };
    const slot = place();
    if (slot !== undefined || !asFrontier) return slot;
    // No room, and the turn would go to our highest joiner: unless it never came (Concierge.giveUpNoShows).
    const given = this.#concierge.giveUpNoShows(this.#now, view.occupants).length;
    this.counters.noShowsGivenUp += given;
    return given > 0 ? place() : undefined;
  }

  /**
   * One step toward the frontier: the linked peer with the highest slot above
   * ours, or round the holes next to us (SlotView.upward). Any link counts,
   * not only settled neighbours: a joiner we just placed links to us at once,
   * and the frontier should move on to it then.
   */
  #uphill(): string | undefined { return this.#slot === null ? undefined : this.#slots.upward(this.#slot, this.#links.links.keys()); }

  /**
   * Where a join goes next (`target`: the highest slot the request or our
   * view knows taken or reserved, where the frontier is):
   * - the frontier node that placed our last joiner (we were its entry point),
   *   while its turn may last, unless a link of ours holds a higher slot;
   * - the link above our own joiners' slots nearest `target` on the lattice;
   * - else, while our reservations last, our highest joiner once it has linked
   *   (Concierge.successor; a lower joiner linked first would send it back);
   * - else the way the last frontier answer came, while it holds reservations;
   * - else, when we seem to be the top but our placer has not handed over yet,
   *   back to it; else round the holes next to us.
   * The first two kinds of hop raise the slot; the others need not, so the
   * hop cap (MAX_FWD_HOPS) is what bounds a request that goes round.
   * Sending joins the way of the last answer first, or to the highest link,
   * made every path run along the chain of recent frontiers: each turn added
   * the new one to its end (hops grew by one per turn, 13 to 45 in the
   * lattice run of docs/mesh-node.md), and a turn costs a round trip along it.
   */
  #towardFrontier(target: number): string | undefined {
    const next = this.#concierge.successor(this.#now);
    const floor = Math.max(this.#slot as number, next ?? -1);
    const ahead = this.#slots.nearestAbove(floor, this.#links.links.keys(), Math.max(target, this.#slots.occupied.at(-1) ?? 0));
    const hint = this.#concierge.frontierHint(this.#now);
    if (hint !== undefined && hint.slot > floor && this.#links.has(hint.peer)) {
      const s = ahead === undefined ? undefined : this.#records.get(ahead)?.info.slot;
      if (s === undefined || s <= hint.slot) return hint.peer;
    }
    if (ahead !== undefined) return ahead;
    if (next !== undefined) {
      const r = this.#slots.occupants.get(next);
      if (r?.origin === this.peerId) return this.#uphill(); // we moved there ourselves
      if (r === undefined || !this.#links.has(r.origin)) return undefined;
      this.#concierge.passTurn(this.#now);
      return r.origin;
    }
    const via = this.#concierge.frontierVia(this.#now);
    if (via !== undefined && this.#links.has(via)) return via;
    const placer = this.#concierge.deferringTo(this.#now);
    return placer !== undefined && this.#links.has(placer) ? placer : this.#uphill();
  }

  /**
   * We have holes to report and records of slots above ours, but no link goes up: link to the highest occupant we
   * know (the link lingers), and the report goes up that link when it is due again. Without it a cut-off pair kept
   * its holes to itself: after a partition two nodes at 76 and 77, each the other's only neighbour, held records of
   * higher slots they could not check (not neighbours, so never pruned), were neither the top nor linked uphill,
   * and stayed split from the rest, their slots held twice, until those records expired (recordTtlMs, 10 min); the
   * link also brings their records to a node of the rest, where the doubly held slots are decided as conflicts
   * (docs/mesh-node.md, "Stranded nodes").
   */
  #reachAbove(out: MeshNodeAction[]): void {
    const top = this.#slots.occupied.at(-1);
    if (top === undefined || this.#slot === null || top <= this.#slot) return;
    const r = this.#slots.occupants.get(top);
    if (r === undefined || r.origin === this.peerId || this.#links.has(r.origin)) return;
    if (this.#dialOnce(out, r.origin, r.info.addrs)) this.counters.reachedAbove++;
  }

  /** Try the parked forwarded joins again (every tick, and whenever records arrive). */
  #retryParked(out: MeshNodeAction[]): void {
    for (const p of this.#concierge.unpark<Extract<MeshFrame, { t: 'fwd' }>>()) {
      if (this.#links.has(p.from)) this.#onForwarded(p.from, { ...p.frame, waited: p.frame.waited + (this.#now - p.since) }, out);
    }
  }

  #offerRecords(slot: number): SporeRecord[] { return this.#concierge.offerRecords(slot, this.#slot ?? -1, this.#slots.occupied, this.#slots.occupants); }

  #onForwarded(peerId: string, f: Extract<MeshFrame, { t: 'fwd' }>, out: MeshNodeAction[]): void {
    if (this.#slot === null) return;
    if (f.kind === 'join' && f.waited >= JOIN_WAIT_MS) {
      // Its relays may have given up by the time an answer got back: a slot placed now could stay reserved for nobody.
      this.#answerBusy(out, peerId, f.id);
      return;
    }
    if (f.kind === 'join') {
      this.#concierge.handedOver(peerId);
      const slot = this.#placement(true, f.slot);
      if (slot !== undefined) {
        this.#sendFrame(out, peerId, { t: 'fwdoffer', id: f.id, slot, reservedTo: this.#concierge.reservedTo(this.#now), records: this.#offerRecords(slot) });
        this.counters.joinsServed++;
        return;
      }
      // We are the frontier but lack the records of the next slot's cells below it (Concierge.#sees): hold the join
      // until they arrive (parked joins are retried whenever records do), unless a joiner of ours can take the turn.
      if (this.#concierge.heldForViewBegan) this.#askLinked(out);
      if (this.#concierge.heldForView && this.#concierge.successor(this.#now) === undefined && this.#concierge.park({ from: peerId, frame: f, since: this.#now })) return;
    }
    const next = f.kind === 'join' ? this.#towardFrontier(Math.max(f.slot, this.#concierge.reservedTo(this.#now))) : this.#uphill();
    if (f.kind === 'hole' && next === undefined) {
      this.#fillReportedHole(f.slot, f.records, out);
      return;
    }
    // Uphill strictly raises the slot; the way back to the last frontier answer need not, so the hop cap is what
    // bounds a request that goes round (and a hostile one).
    if (next === undefined || f.hops >= MAX_FWD_HOPS || !this.#concierge.canRelay()) {
      if (f.kind !== 'join') return;
      // Nobody above us to pass it to: the frontier is changing hands (wait for it), or has handed out every slot
      // it can vouch for (the joiner asks again soon).
      if (next === undefined && this.#concierge.park({ from: peerId, frame: f, since: this.#now })) return;
      this.#answerBusy(out, peerId, f.id);
      return;
    }
    if (f.kind === 'join') this.#concierge.relay(f.id, { back: peerId, to: next, joiner: false, until: this.#now + this.config.reservationMs, ...(f.entry !== undefined ? { entry: f.entry } : {}) });
    const slot = f.kind === 'join' ? Math.max(f.slot, this.#concierge.reservedTo(this.#now)) : f.slot;
    this.#sendFrame(out, next, { ...f, hops: f.hops + 1, slot });
  }

  #awaited(r: SporeRecord): boolean {
    const slot = this.#records.get(r.origin)?.info.slot;
    return slot !== undefined && this.#concierge.awaits(slot, this.#now);
  }

  /**
   * Sync with every peer we are linked to now, not at the next rounds: we are the frontier and lack records
   * (Concierge.#sees). Not only our neighbours: a frontier placed a moment ago may not have recomputed them yet.
   * Only peers with a slot in our view: a joiner waiting for its answer must not be sent our scope.
   */
  #askLinked(out: MeshNodeAction[]): void {
    for (const p of this.#links.links.keys()) {
      if (this.#records.get(p) !== undefined) this.#startSync(p, out);
    }
  }

  /** No slot for forwarded join `id` now: the joiner asks again soon. */
  #answerBusy(out: MeshNodeAction[], to: string, id: string): void {
    this.#sendFrame(out, to, { t: 'fwdoffer', id, slot: BUSY, reservedTo: 0, records: [] });
  }

  /** Records that arrived with a slot we are about to take: judged by the scope around that slot. */
  #putAround(slot: number, records: readonly SporeRecord[], from: string): void {
    const me = this.#slot;
    this.#slot = slot;
    for (const r of records) this.#put(r, from);
    this.#slot = me;
  }

  /**
   * We lost our slot and cannot see a free one we may take: ask the frontier, as a joiner would, through the way
   * uphill, else a linked neighbour, else any link (an entry point's probe link: a node at slot 0 that lost it with
   * no neighbour had nobody to ask, and kept the slot it knew it had lost).
   */
  #rejoinUphill(out: MeshNodeAction[]): void {
    const next = this.#uphill() ?? [...this.#links.neighbours].find((p) => this.#links.has(p)) ?? this.#links.links.keys().next().value;
    if (next === undefined) return;
    this.#forwardOwnJoin(next, 'conflict', out);
  }

  /** Ask for a slot for ourselves by a forwarded join through `via` (one at a time: Concierge.rejoinId). */
  #forwardOwnJoin(via: string, why: SlotReason, out: MeshNodeAction[]): void {
    const id = this.#concierge.rejoinId;
    this.#rejoinWhy = why;
    this.#concierge.relay(id, { back: this.peerId, to: via, joiner: true, until: this.#now + this.config.joinRetryMs });
    this.#sendFrame(out, via, { t: 'fwd', id, kind: 'join', hops: 1, slot: Math.max(0, this.#concierge.reservedTo(this.#now)), waited: 0, entry: this.peerId, records: [] });
  }

  /**
   * A node with a slot and no SPIRAL neighbour for strandedMs: nobody links to its slot, so nothing it holds can
   * bring it back (its records are out of every scope that matters, or buried). It was an island of one: every
   * neighbour pruned during a partition moved down into holes away from it, and after the heal it kept its slot
   * with no link for good, the slot held twice (docs/mesh-node.md, "Stranded nodes"). It asks an entry point for a
   * slot as a joiner would, by a forwarded join on an entry link (linking to one first), and keeps its slot until
   * the answer comes. The mesh's first node (no entry point) waits alone, as a mesh of one.
   */
  #checkStranded(out: MeshNodeAction[]): void {
    if (this.#first || this.#slot === null || this.#links.neighbours.size > 0) {
      this.#stranded.since = Infinity;
      return;
    }
    this.#stranded.since = Math.min(this.#stranded.since, this.#now);
    if (this.#now - this.#stranded.since < this.config.strandedMs || this.#concierge.rejoining) return;
    const entry = this.#entryLink();
    if (entry !== undefined) {
      this.counters.strandedRejoins++;
      this.#forwardOwnJoin(entry, 'stranded', out);
      return;
    }
    if (this.#now < this.#stranded.probeAt) return;
    this.#stranded.probeAt = this.#now + this.config.dialRetryMs;
    out.push({ type: 'probe-entry' });
  }

  #onForwardedOffer(from: string, id: string, slot: number, reservedTo: number, records: SporeRecord[], out: MeshNodeAction[]): void {
    const relay = this.#concierge.relayOf(id);
    // An offer always carries its placer's record: one without records is the copy along the path of an answer that
    // took the short way (below), which its joiner's entry point acts on. It only clears the relays on the way.
    const notice = slot !== BUSY && records.length === 0;
    if (notice && (relay?.back === this.peerId || relay?.joiner === true)) return;
    if (relay?.back === this.peerId && this.#slot !== null) {
      this.#concierge.answered(id);
      if (slot === BUSY) { this.#markDirty(); return; } // asked again at the next recomputation
      const placer = records[0]?.origin;
      this.#concierge.placedBelow(reservedTo, this.#now, placer);
      this.#putAround(slot, records, this.peerId);
      this.#setSlot(slot, this.#rejoinWhy, out);
      this.#tellPlacer(placer, out);
      return;
    }
    if (relay === undefined || !this.#links.has(relay.back)) return;
    this.#concierge.answered(id);
    if (slot !== BUSY && this.#slot !== null) records = [...this.#concierge.relayRecords(slot, records, this.#slot, this.#slots.occupied, this.#slots.occupants)];
    if (slot !== BUSY) this.#concierge.relayedOffer(reservedTo, from, this.#now);
    else this.#concierge.relayedBusy(from);
    if (relay.joiner && slot !== BUSY) this.#followFrontier(records[0], out);
    if (relay.joiner && slot === BUSY) this.#sendFrame(out, relay.back, { t: 'refuse', reason: 'the frontier is busy' });
    else if (relay.joiner) this.#sendOffer(out, relay.back, slot, reservedTo, records);
    else if (this.#shortWayBack(relay, id, slot, reservedTo, records, out)) this.#sendFrame(out, relay.back, { t: 'fwdoffer', id, slot, reservedTo, records: [] });
    else this.#sendFrame(out, relay.back, { t: 'fwdoffer', id, slot, reservedTo, records });
  }

  /**
   * The short way back: hand a frontier answer we relay straight to the joiner's entry point when we are linked to it
   * (the entry point follows the frontier, so the relays near the top usually are), once the answer has left the
   * slot's neighbourhood (relays near the slot add the records the joiner needs, Concierge.relayRecords). The path
   * then gets a copy without records, which clears its relays. Walking back along the whole path, the answer had
   * grown as long as the chain of recent frontiers the joins were parked along (10–20 hops in a lattice run past the
   * scope), and a turn of the frontier waits for its last answer (docs/mesh-node.md, "Answers take the short way back").
   */
  #shortWayBack(relay: Relay, id: string, slot: number, reservedTo: number, records: SporeRecord[], out: MeshNodeAction[]): boolean {
    const entry = relay.entry;
    if (slot === BUSY || records.length === 0 || entry === undefined || entry === relay.back || entry === this.peerId || !this.#links.has(entry)) return false;
    if (this.#slot !== null && this.#concierge.nearSlot(this.#slot, slot)) return false;
    this.#sendFrame(out, entry, { t: 'fwdoffer', id, slot, reservedTo, records });
    this.counters.answersShortened++;
    return true;
  }

  /**
   * We are the entry point of a joiner the frontier node just placed (its
   * record comes first in the answer): link to it (the link lingers) and send
   * the next joins straight there. Otherwise every join walks up from the
   * entry point, and the frontier's answers walk back, once per turn.
   */
  #followFrontier(r: SporeRecord | undefined, out: MeshNodeAction[]): void {
    if (r === undefined || r.origin === this.peerId) return;
    const p = peerRecordOf(r);
    if (p === undefined || !verifyPeerRecord(this.#o.crypto, r)) return;
    this.#concierge.sawFrontier(r.origin, p.info.slot, this.#now);
    if (!this.#links.has(r.origin)) this.#dialOnce(out, r.origin, p.info.addrs);
  }

  /**
   * A node does not move down into a hole while joiners placed above it are
   * on their way (Concierge.joinersAbove), even before their records reach
   * it: the frontier node that did so left a hole in the middle of its own
   * chain of joiners, the node below that hole had no uphill link, and every
   * forwarded join stalled there until the hole had been stable for
   * holeStableMs (55 s stalls at N = 600 with scope 3). The hole is reported
   * again, and filled once the joiners have arrived.
   */
  #mayMoveDown(hole: number): boolean {
    if (!this.#concierge.joinersAbove(this.#slot as number, this.#now)) {
      this.#deferredHoles.clear();
      return true;
    }
    // Counted once per hole: the check repeats at every topology recomputation while the joiners are on their way.
    if (!this.#deferredHoles.has(hole)) this.counters.holeMovesDeferred++;
    this.#deferredHoles.add(hole);
    return false;
  }

  /** We are the frontier node and a node near hole `h` reported it: move there (records: its surroundings). */
  #fillReportedHole(h: number, records: SporeRecord[], out: MeshNodeAction[]): void {
    const me = this.#slot as number;
    if (h >= me || this.#slots.occupants.has(h)) return;
    if (!this.#mayMoveDown(h)) return;
    this.#putAround(h, records, this.peerId);
    this.counters.holesFilled++;
    this.#setSlot(h, 'hole', out);
  }

  /**
   * A hole we see but cannot fill (we are not the highest slot we know): when
   * it has been free for holeStableMs, one of its neighbours (Concierge.dueHoles)
   * sends it uphill to the frontier node, with the records around it. Needed
   * once scopes are smaller than the mesh: the frontier node may be too far
   * away to see the hole itself.
   */
  #reportHoles(out: MeshNodeAction[]): void {
    const due = this.#concierge.dueHoles(this.#slot as number, this.#slots.freeSince, this.#slots.occupied, this.#now);
    const next = this.#uphill();
    if (next === undefined) {
      if (due.length > 0) this.#reachAbove(out);
      return;
    }
    for (const h of due) {
      this.#concierge.reported(h, this.#now);
      this.counters.holesReported++;
      this.#sendFrame(out, next, { t: 'fwd', id: this.#concierge.newId(), kind: 'hole', hops: 1, slot: h, waited: 0, records: this.#offerRecords(h) });
    }
  }

  #onOffer(peerId: string, slot: number, reservedTo: number, records: SporeRecord[], out: MeshNodeAction[]): void {
    if (this.#slot !== null || this.#join?.via !== peerId) return;
    this.#join = undefined;
    // The placer's own record comes first (Concierge.offerRecords): the concierge itself, or the frontier behind a relay.
    const placer = records[0]?.origin;
    this.#concierge.placedBelow(reservedTo, this.#now, placer ?? peerId);
    this.#putAround(slot, records, peerId);
    this.#setSlot(slot, 'offer', out);
    this.#fillUntil = this.#now + this.config.syncIntervalMs;
    this.#fillMax = placer === undefined || placer === peerId ? 1 : Infinity;
    this.#filled.clear();
    for (const p of this.#links.neighbours) if (this.#links.has(p)) this.#fill(p, out);
    // The concierge learns at once that its reservation was taken (it may not be a neighbour, and sync could take
    // longer than the reservation lasts: a lapsed reservation it never saw taken looks like a hole).
    if (!this.#links.neighbours.has(peerId)) this.#sendOwn(out, peerId);
    if (placer !== peerId) this.#tellPlacer(placer, out);
    // The concierge link lingers only if the concierge is not a neighbour.
    this.#links.linger(peerId, this.#now);
  }

  /**
   * Placed through a relay (a joiner, or a node re-placed after a lost conflict): the frontier node that placed us
   * (its record comes first in the answer) waits to see us arrive before it may pass its turn to us, and is not
   * always our neighbour. Link to it briefly (the link lingers), or send it our record on a link we have. A
   * re-placed node that did neither left the frontier with a successor it could not reach: every later join was
   * parked there and answered BUSY (a partition's heal with scopes smaller than the mesh took 95 s to merge 100
   * nodes; docs/mesh-node.md, "Conflicts").
   */
  #tellPlacer(placer: string | undefined, out: MeshNodeAction[]): void {
    if (placer === undefined || placer === this.peerId) return;
    if (this.#links.has(placer)) this.#sendOwn(out, placer);
    else this.#dialOnce(out, placer, this.#records.get(placer)?.info.addrs ?? []);
  }

  /**
   * A joiner holds only its offer's records (offerRecords of them), and its links follow from the records of its
   * whole scope (the rule reads up to its view radius): it syncs with its first neighbour at once instead of at its
   * next round (syncIntervalMs). Waiting, it computed its links from the offer alone, and older neighbours it had
   * missed came in one by one over the next seconds, each wanting a first VDF proof (join → meshed p99 4,010 ms at
   * N = 400 in the simulator, 3,010 ms with this). Placed by a frontier, it syncs with each neighbour as it links
   * during its first syncIntervalMs: it may soon place others as the frontier, from what it holds (docs/mesh-node.md,
   * "A frontier places only what it can see"). Inside the scope that cost join → meshed p99 90–110 ms in the bench.
   */
  #fill(peerId: string, out: MeshNodeAction[]): void {
    if (this.#now >= this.#fillUntil || this.#filled.size >= this.#fillMax || this.#filled.has(peerId) || !this.#links.neighbours.has(peerId)) return;
    this.#filled.add(peerId);
    this.#startSync(peerId, out);
  }

  /** Start a SPORE exchange with `peerId` now, whatever the sync rounds say; a small set goes whole as ids (EAGER_ID_LIST). */
  #startSync(peerId: string, out: MeshNodeAction[]): void {
    this.#sendFrame(out, peerId, { t: 'sync', phase: 0, spore: this.#sync.start(peerId, this.#slot, this.#now, true) });
  }

  #setSlot(slot: number, why: SlotReason, out: MeshNodeAction[]): void {
    this.#slot = slot;
    this.#slots.taken(slot);
    out.push({ type: 'event', event: { e: 'slot', slot, why } });
    // A node that moves (into a hole, to a slot after a lost conflict, out of an island) may hold little of its new
    // surroundings: it syncs with each new neighbour as it links, as a joiner does (#fill; an offer sets its own
    // window), instead of at its next round. A frontier moved into a falsely reported hole held nothing around it,
    // lost that conflict, took slot 0 as free, lost again, then slot 28, and lost a third time (the scoped scenario,
    // LAGOON_SEED=5).
    const moved = why === 'hole' || why === 'conflict' || why === 'stranded';
    if (moved) {
      this.#fillUntil = this.#now + this.config.syncIntervalMs;
      this.#fillMax = Infinity;
      this.#filled.clear();
    }
    this.#publish(out);
    this.#dropOutOfScope();
    this.#maybeTopology(out, true);
    if (moved) for (const p of this.#links.neighbours) if (this.#links.has(p)) this.#fill(p, out);
  }

  // ------------------------------------------------------------ records

  /** Sign and send a new record of ours, with a seq of at least `minSeq`. */
  #publish(out: MeshNodeAction[], minSeq = 0): void {
    if (this.#slot === null) return;
    const moved = this.#own !== undefined && this.#own.info.slot !== this.#slot;
    this.#seq = Math.max(this.#seq + 1, Math.floor(this.#wall), minSeq);
    const attestations = this.#attest.best();
    this.#own = makeRecord(this.#o.crypto, this.#seq, {
      publicKey: this.#o.crypto.publicKey, slot: this.#slot, addrs: this.#o.addrs, name: this.#o.name, attestations,
      splices: this.#splices.splices, grants: this.#splices.grants,
    });
    this.#records.putOwn(this.#own);
    this.#changed();
    this.#next.refresh = this.#now + this.config.recordRefreshMs;
    // After a move every link hears of it (old neighbours included, while their links linger): nodes we leave
    // behind must drop our old claim, and the new record may be outside their scope, where sync never brings it.
    const to = moved ? this.#links.links.keys() : this.#links.neighbours;
    for (const p of to) if (this.#links.has(p)) this.#sendOwn(out, p);
  }

  #sendOwn(out: MeshNodeAction[], peerId: string): void {
    if (this.#own !== undefined) this.#sendFrame(out, peerId, { t: 'records', records: [this.#own.record] });
  }

  #put(r: SporeRecord, from: string, out?: MeshNodeAction[]): void {
    const before = this.#records.get(r.origin);
    const res = this.#records.put(r, { ownSeq: this.#own?.seq, slot: this.#slot, wall: this.#wall });
    this.counters.records[res.outcome]++;
    // The sender still holds an old record: its node may have moved out of the sender's scope, and then sync
    // never carries the new one there. Send ours back, so the sender can drop the old claim.
    if (res.newer !== undefined && out !== undefined && from !== this.peerId && this.#links.has(from)) this.#sendFrame(out, from, { t: 'records', records: [res.newer] });
    if (res.dropped === true) this.#changed();
    if (res.moved !== undefined && out !== undefined) this.#passMoveOn(r, res.moved, from, out);
    if (res.accepted === undefined) return;
    if (r.origin === this.peerId) this.#onOwnEcho(res.accepted);
    // A refresh that moves nothing (same slot, claims and grants; new seq and attestations) cannot change links or
    // occupancy unless its slot is contested, where its attested work decides: it goes on to our peers, but does
    // not make the view unquiet. Every node refreshes every recordRefreshMs, so a scope of S records sees one every
    // recordRefreshMs / S (73 ms with 1,651): past a few hundred nodes a view was never quiet for settleMs, and
    // every recomputation that waited for one waited for maxStaleMs instead.
    const splicesChanged = !sameSplices(before?.info, res.accepted.info);
    if (before === undefined || before.info.slot !== res.accepted.info.slot || splicesChanged || this.#slots.contested(res.accepted.info.slot)) this.#changed(from);
    else this.#sync.changed(this.#links.links.keys(), from);
    if (out !== undefined && r.origin !== this.peerId && splicesChanged) this.#onSpliceChange(r, res.accepted, before, from, out);
    if (out !== undefined && from === r.origin && r.origin !== this.peerId && before?.info.slot !== res.accepted.info.slot && this.#now >= this.#fillUntil) this.#passOccupant(r, res.accepted.info.slot, from, out);
  }

  /**
   * A node new on its slot (a join, a move, a return) sent us its record: pass it on to our neighbours near that
   * slot. Their claims and grants may change with it (a splice's ends lie within 3 of its owner), and some of them
   * become its neighbours, but only sync brought it there: a lone joiner's last neighbours came one sync round
   * after its first, when two of them and a claimer two cells away first heard of it (traced on a joiner at
   * slot 100: the record reached the nodes two cells away after 2.0–3.0 s with the bench's 3 s sync round).
   * First-hand only, so each copy travels one hop past the origin's neighbours; and not while we fill our own view
   * after taking a slot, when every neighbour's record is new to us without being new on its slot.
   */
  #passOccupant(r: SporeRecord, slot: number, from: string, out: MeshNodeAction[]): void {
    // A claim on a slot another node holds is a conflict, decided by the work each carries and spread by sync as
    // before: passing the challenger on made the conflicts after a false hole report cascade (3 lost instead of
    // 1–2 in the scoped scenario, LAGOON_SEED=5).
    const held = this.#slots.occupants.get(slot);
    if (held !== undefined && held.origin !== r.origin) return;
    for (const p of this.#linkedNeighboursNear(slot, OCCUPANT_RELAY_DISTANCE, from)) {
      this.counters.occupantsPassedOn++;
      this.#sendFrame(out, p, { t: 'records', records: [r] });
    }
  }

  /** Our linked neighbours whose slot lies within `distance` of `slot`, but `except`. */
  *#linkedNeighboursNear(slot: number, distance: number, except: string): Generator<string> {
    const { topology } = this.#o;
    for (const p of this.#links.neighbours) {
      if (p === except || !this.#links.has(p)) continue;
      const at = this.#records.get(p)?.info.slot;
      if (at !== undefined && topology.distance(at, slot) <= distance) yield p;
    }
  }

  /**
   * A record whose splice claims or grants changed (exact-degree rule). Each
   * claim/grant round needs the record at the few nodes it names (the spliced
   * link's ends, the defect's ends, the claimer), which are within 3 of its
   * origin but seldom linked to it: epidemic sync took several seconds per hop
   * to bring it there (syncFanout peers a round). So a neighbour that got it
   * from its origin passes it on to the named nodes it is linked to, and a
   * named node recomputes a splice round after its last recomputation instead of waiting for a quiet view, and
   * any other within SPLICE_NEWS_DISTANCE of the origin once its view has been quiet for two splice rounds.
   */
  #onSpliceChange(r: SporeRecord, p: PeerRecord, before: PeerRecord | undefined, from: string, out: MeshNodeAction[]): void {
    const named = new Set<number>();
    // A grant withdrawn names its claimer too: the claim lost its grant and the claimer must look elsewhere, but the
    // new record no longer names it, so it waited for a quiet view (a lone joiner's last neighbour 4.4 s late,
    // traced in docs/bench.md).
    for (const g of before?.info.grants ?? []) if (!(p.info.grants ?? []).some((h) => h.key === g.key)) named.add(claimOfKey(g.key).u);
    for (const c of p.info.splices ?? []) named.add(c.v).add(c.x).add(c.y);
    for (const g of p.info.grants ?? []) {
      const { u, axis } = claimOfKey(g.key);
      named.add(g.other).add(u);
      const claim = this.#slots.occupants.get(u)?.info.splices?.find((c) => c.axis === axis);
      if (claim !== undefined) named.add(claim.v);
    }
    if (this.#slot !== null && named.has(this.#slot)) {
      this.#markUrgent();
      this.#spliceActiveUntil = this.#now + this.config.settleMs;
    } else if (this.#slot !== null && this.#o.topology.distance(this.#slot, p.info.slot) <= SPLICE_NEWS_DISTANCE) {
      // Near enough to read it (a claimer picks its splice from the claims and grants of the link ends around it,
      // which is why the news goes to everyone within SPLICE_NEWS_DISTANCE below): a view quiet for a couple of
      // splice rounds will do. Waiting for settleMs made every step of the ripple one join sets off a settleMs and a
      // sync round long: one join at the top of 1,700 settled nodes reshaped splices from slot 598 to 1,960 in five
      // steps, and the mesh converged 8 s after it (0.75 s now). Recomputing at once, as a named node does, was as
      // fast there but had bystanders answer a joiner's first claims before its named nodes had: lone joins into 100
      // nodes took up to 1.1 s instead of 0.6 s. (Recomputing the moment a quiet time is up, on a timer of its own
      // rather than at the next frame or tick, doubled the slot conflicts of a partition's merge: not done.)
      this.#nearSpliceUntil = this.#now + this.config.settleMs;
    }
    if (from !== r.origin) return;
    const sent = new Set<string>();
    for (const s of named) {
      const to = this.#slots.occupants.get(s)?.origin;
      if (to !== undefined && to !== from && this.#links.has(to)) { sent.add(to); this.#sendFrame(out, to, { t: 'records', records: [r] }); }
    }
    // Nodes near it that it does not name may still read it: a claimer picks its splice from the claims and grants
    // of the link ends around it. The others within 2 hear its id (lazy push: each WANTs it from one peer). Traced:
    // a lone joiner's last claim was picked against a link end's old record, could never be granted, and was
    // picked again only when sync brought that record, 1.9 s later.
    let id: Uint8Array | undefined;
    for (const to of this.#linkedNeighboursNear(p.info.slot, SPLICE_NEWS_DISTANCE, from)) {
      if (sent.has(to)) continue;
      id ??= recordId(r);
      this.counters.splicesAnnounced++;
      this.#sendFrame(out, to, { t: 'have', ids: [id] });
    }
  }

  /**
   * We dropped `r`'s old claim to slot `moved.from` because `r` places its node outside our scope. Pass it on to our
   * links that may hold that claim too (within the scope of the old slot) and that sync will not bring it to (the new
   * slot lies outside their scope). The mover tells only its own links, and an old copy offered to someone who knew
   * was the only other way to hear of it: a node two cells from the old slot with no such neighbour kept the claim
   * until it expired (recordTtlMs, 10 min), one record over the scope's bound (a scoped partition's merge, seeds 101
   * and 102: 96 records against ball(2) = 95, a claim to slot 70 whose node had moved to slot 99). Each holder
   * passes it on once, when it drops the claim, so a move reaches the old claim's holders along their links.
   */
  #passMoveOn(r: SporeRecord, moved: { from: number; to: number }, from: string, out: MeshNodeAction[]): void {
    const { topology } = this.#o;
    for (const p of this.#links.links.keys()) {
      if (p === from || p === r.origin) continue;
      const at = this.#records.get(p)?.info.slot;
      if (at === undefined || topology.distance(at, moved.from) > this.#scope || topology.distance(at, moved.to) <= this.#scope) continue;
      this.counters.movesPassedOn++;
      this.#sendFrame(out, p, { t: 'records', records: [r] });
    }
  }

  /** A record of ours we did not make in this run (a previous run's, synced back): move past its seq. */
  #onOwnEcho(p: PeerRecord): void {
    this.#seq = Math.max(this.#seq, p.seq);
    if (this.#own === undefined || p.seq > this.#own.seq) this.#next.refresh = this.#now;
  }

  #dropOutOfScope(): void {
    if (this.#slot !== null) for (const origin of this.#records.outOfScope(this.#slot)) this.#forget(origin);
  }

  #forget(origin: string): void {
    if (this.#records.forget(origin)) this.#changed();
  }

  /** Our set changed (a record from `from`, or ours): every other linked peer may lack it. */
  #changed(from?: string): void {
    this.#markDirty();
    this.#sync.changed(this.#links.links.keys(), from);
  }

  // ------------------------------------------------------------ SPORE sync

  #onSync(peerId: string, phase: 0 | 1 | 2, spore: Uint8Array, out: MeshNodeAction[]): void {
    const res = this.#sync.reconcile(peerId, phase, spore, this.#slot);
    if (res === undefined) return; // an exchange we no longer hold
    if (res.error !== undefined) {
      this.counters.framesMalformed++;
      return;
    }
    // What the peer lacks is announced, not pushed: several neighbours find the same gap at once,
    // and the peer fetches each record from one of them (lazy push).
    for (let i = 0; i < res.have.length; i += MAX_WANT_IDS) this.#sendFrame(out, peerId, { t: 'have', ids: res.have.slice(i, i + MAX_WANT_IDS) });
    // What we lack is asked for once: several exchanges in flight find the same gap, and asking each of them for it
    // brought every such record two or three times (a 400-node join: 208,000 copies of records already held).
    const need = this.#sync.toRequest(res.need, this.#now);
    for (let i = 0; i < need.length; i += MAX_WANT_IDS) this.#sendFrame(out, peerId, { t: 'want', ids: need.slice(i, i + MAX_WANT_IDS) });
    if (res.reply !== undefined) this.#sendFrame(out, peerId, { t: 'sync', phase: phase === 1 ? 2 : 1, spore: res.reply });
  }

  #onHave(peerId: string, ids: Uint8Array[], out: MeshNodeAction[]): void {
    const want = this.#sync.toRequest(ids, this.#now);
    if (want.length > 0) this.#sendFrame(out, peerId, { t: 'want', ids: want });
  }

  #sendRecords(out: MeshNodeAction[], peerId: string, ids: readonly Uint8Array[]): void {
    const records: SporeRecord[] = [];
    for (const id of ids) {
      const r = this.#records.getById(id);
      if (r !== undefined) records.push(r);
    }
    for (let i = 0; i < records.length; i += MAX_RECORDS_PER_FRAME) this.#sendFrame(out, peerId, { t: 'records', records: records.slice(i, i + MAX_RECORDS_PER_FRAME) });
  }

  // ------------------------------------------------------------ liveness, ghosts, attestations

  /** A strike or a second maker for `subject`: if it now stays out of our view, the view changed. */
  #penalise(subject: string, f: () => void): void {
    const was = this.#penalty.blocks(subject, this.#now);
    f();
    if (this.#penalty.blocks(subject, this.#now) !== was) this.#markDirty();
  }

  #prune(peerId: string, out: MeshNodeAction[]): void {
    this.#penalise(peerId, () => this.#penalty.strike(peerId, this.#now, this.peerId));
    const r = this.#records.get(peerId);
    if (r !== undefined && peerId !== this.peerId) {
      const t = makeTombstone(this.#o.crypto, peerId, r.seq, r.info.slot, Math.floor(this.#wall + this.config.tombstoneTtlMs));
      if (this.#tombs.add(t, this.#wall)) this.#passTomb(out, t.bytes, peerId);
      this.#forget(peerId);
      this.counters.pruned++;
      out.push({ type: 'event', event: { e: 'pruned', peerId, slot: r.info.slot } });
    }
    this.#attest.forget(peerId);
    if (this.#links.has(peerId)) out.push({ type: 'close', peerId, reason: 'no valid VDF proof' });
    this.#maybeTopology(out, true);
  }

  #onTomb(from: string, bytes: Uint8Array, out: MeshNodeAction[]): void {
    const opened = openTombstone(this.#o.crypto, bytes);
    if (opened === undefined) { this.counters.tombstonesForged++; return; }
    // Anyone can sign a tombstone. One naming a seq far ahead of every clock would bury its subject past any
    // record it can publish, and one lasting for years would outlive every refutation: bound both.
    const slack = this.config.tombstoneClockSlackMs;
    if (opened.subjectSeq > this.#wall + slack) { this.counters.tombstonesImplausible++; return; }
    const t = { ...opened, untilMs: Math.min(opened.untilMs, Math.floor(this.#wall + this.config.tombstoneTtlMs + slack)) };
    if (t.subject === this.peerId) {
      // Someone thinks we are dead: refute with a newer record (tombstones never cover a higher seq), past the
      // tombstone's seq even when it is ahead of our clock (a maker whose clock runs ahead, within the slack).
      this.counters.tombstonesRefuted++;
      if (this.#own !== undefined && t.subjectSeq >= this.#own.seq) this.#publish(out, t.subjectSeq + 1);
      // Restarted and not placed yet: our first record goes past it (a maker's clock may run ahead of ours).
      else if (this.#own === undefined) this.#seq = Math.max(this.#seq, t.subjectSeq);
      return;
    }
    // We watch this node's VDF proofs ourselves and they are good: the tombstone is wrong (or stale). Neither apply
    // it nor pass it on, but hand it to its subject, which refutes it with a newer record. Its maker closed the link
    // and passes it to everyone else, and the subject's other neighbours vouch for it too, so without this nobody
    // told it: a node pruned just after a restart stayed buried for the whole tombstone TTL at 88 of 100 nodes
    // (LAGOON_SEED=302, the restart scenario). Once per tombstoned seq, not per maker.
    // Held, though: if it stops being our neighbour before we judge it ourselves, nobody who vouched is left to
    // decide, and the tombstone (passed on only once) would never reach us again (#applyNeighbours).
    if (this.#links.neighbours.has(t.subject) && this.#attest.vouchFor(t.subject) && this.#links.has(t.subject)) {
      const before = this.#heldTombs.get(t.subject);
      this.#heldTombs.set(t.subject, { from, bytes, seq: t.subjectSeq });
      if (before === undefined || before.seq < t.subjectSeq) this.#sendFrame(out, t.subject, { t: 'tomb', tomb: bytes });
      return;
    }
    // Hearsay counts toward a penalty only from a mesh member (we hold its record: it keeps a slot with VDF work);
    // a key made up for the purpose costs nothing, and two of them would keep an honest node out (penalty.ts).
    const member = this.#records.get(t.by) !== undefined;
    if (!this.#tombs.add(t, this.#wall)) {
      // Several neighbours prune one ghost, each signing its own tombstone of the same seq: one more maker.
      if (member && this.#tombs.get(t.subject)?.subjectSeq === t.subjectSeq) this.#penalise(t.subject, () => this.#penalty.witness(t.subject, this.#now, t.by));
      return;
    }
    // A strike on hearsay, once per tombstoned seq: a node that never proves refutes every tombstone with a newer
    // record, and nodes that are not its neighbours (so never judge it) took it back each time, so their view of
    // the occupancy never agreed with its neighbours'. From the second tombstone on it stays out for a while.
    if (member) this.#penalise(t.subject, () => this.#penalty.strike(t.subject, this.#now, t.by));
    const held = this.#records.get(t.subject);
    if (held !== undefined && held.seq <= t.subjectSeq) this.#forget(t.subject);
    this.#passTomb(out, t.bytes, from);
  }

  /** A tombstone goes to our linked neighbours but `except` (its subject, or whoever sent it to us). */
  #passTomb(out: MeshNodeAction[], tomb: Uint8Array, except: string): void {
    for (const p of this.#links.neighbours) if (p !== except && this.#links.has(p)) this.#sendFrame(out, p, { t: 'tomb', tomb });
  }

  #onAttest(from: string, bytes: Uint8Array): void {
    const got = this.#attest.receive(from, bytes);
    if (got === 'rejected') this.counters.attestationsRejected++;
    if (got !== 'kept') return;
    // A record with no weight yet takes its first attestations within a tick (its neighbours' first ones arrive
    // together, one window after it links); later ones wait for the regular refresh, so attestations do not make
    // every record in the mesh change every few seconds.
    if (this.#own !== undefined && this.#own.info.attestations.length === 0) {
      this.#next.refresh = Math.min(this.#next.refresh, this.#now + this.config.tickMs);
    }
  }

  // ------------------------------------------------------------ topology

  /** Until then a dirty view is recomputed once quiet for NEAR_SPLICE_QUIET_ROUNDS splice rounds, not settleMs (#onSpliceChange). */
  #nearSpliceUntil = -Infinity;

  /** How long the view must have been quiet, for a change made at `dirtyAt`. */
  #settleFor(dirtyAt: number): number {
    return dirtyAt < this.#nearSpliceUntil ? NEAR_SPLICE_QUIET_ROUNDS * this.spliceRoundMs : this.config.settleMs;
  }

  /**
   * The view changed since the last recomputation. A flag, not a comparison of
   * times: a change in the same millisecond as a recomputation, after it, looked
   * older than it (dirtyAt <= topologyAt) and was never applied.
   */
  #markDirty(): void {
    this.#dirty = true;
    this.#dirtyAt = this.#now;
    // A joiner filling its view (#fill) recomputes at the pace of splice rounds, not after a quiet settleMs: it holds
    // only its offer's records when it takes its slot, and its first links come from them; the rest of its scope
    // arrives within a few round trips and keeps arriving in small batches as its neighbours' rounds run, so a quiet
    // view came seconds later (a lone joiner into 100 nodes sat at 10 of its 20 neighbours for 4.9 s). So does a node
    // in a splice round (named by a claim or grant within settleMs): a claim it must answer is valid only once the
    // joiner's record has reached it, by sync, naming nobody; waiting then for a quiet view left a lone joiner's last
    // neighbours seconds late (with the defaults, p90 2,970 ms against 1,490 ms; docs/bench.md).
    if ((this.#now < this.#fillUntil || this.#now < this.#spliceActiveUntil) && !this.#urgent) this.#markUrgent();
  }

  /** Recompute one splice round after the last recomputation instead of after a quiet settleMs. */
  #markUrgent(): void {
    this.#urgent = true;
    this.#urgentAt = Math.max(this.#now, this.#topologyAt + this.spliceRoundMs);
  }

  /**
   * The splice round now: spliceRoundRtts of the slowest neighbour's measured round trip, at least
   * SPLICE_ROUND_FLOOR_MS; spliceRoundMs until one is measured. A fixed 200 ms was 20 round trips of the
   * simulator's links, and a lone joiner's few rounds put its last neighbours past its first VDF window (join →
   * meshed p50 1,280 ms into 100 nodes with the defaults; 40 ms rounds, 395 ms; docs/bench.md).
   */
  get spliceRoundMs(): number {
    const slowest = this.#rtt.slowest(this.#links.neighbours);
    return slowest === undefined ? this.config.spliceRoundMs : Math.max(SPLICE_ROUND_FLOOR_MS, Math.ceil(this.config.spliceRoundRtts * slowest));
  }

  /** Measure the round trip to `peerId` if it is due (rttProbeMs since the last probe). */
  #ping(out: MeshNodeAction[], peerId: string): void {
    const n = this.#rtt.ping(peerId, this.#now, this.config.rttProbeMs);
    if (n !== undefined) this.#sendFrame(out, peerId, { t: 'ping', n });
  }

  #recomputeOccupancy(): { slot: number; winner: string } | undefined { return this.#slots.recompute(this.peerId, this.#slot, this.#now); }

  /**
   * Recompute occupancy and neighbours when the view changed and has been quiet
   * for `settleMs` (or `maxStaleMs` passed): links follow a settled view, not
   * every record in a burst of joins.
   */
  #maybeTopology(out: MeshNodeAction[], force: boolean): void {
    if (this.#slot === null) return;
    if (!this.#dirty && !force) return;
    // Urgent splice rounds still wait a round since the last recomputation: recomputing on every frame let two
    // nodes' claims and grants flip each other at link latency. Waiting for the next tick (500 ms) instead made the
    // few rounds a joiner's links take outlast its first VDF window (join → meshed p99 3,010 ms at N = 400 in the
    // simulator with the joiner's first sync, 2,010 ms with 200 ms rounds).
    const urgent = this.#urgent && this.#now - this.#topologyAt >= this.spliceRoundMs;
    if (!force && !urgent && this.#now - this.#dirtyAt < this.#settleFor(this.#dirtyAt) && this.#now - this.#topologyAt < this.config.maxStaleMs) return;
    this.#topologyAt = this.#now;
    this.#dirty = false;
    this.#urgent = false;
    this.#urgentAt = Infinity;
    const lost = this.#recomputeOccupancy();
    if (lost !== undefined) {
      if (this.#concierge.rejoining) return; // already asked the frontier where to go
      this.counters.conflictsLost++;
      out.push({ type: 'event', event: { e: 'conflict', slot: lost.slot, winner: lost.winner, loser: this.peerId } });
      const slot = this.#placement(false);
      if (slot !== undefined) this.#setSlot(slot, 'conflict', out);
      else this.#rejoinUphill(out);
      return;
    }
    const move = planHoleMove(this.#slot, { occupied: new Set(this.#slots.occupied), freeSince: this.#slots.freeSince }, this.#now, this.config.holeStableMs);
    if (move !== undefined && this.#mayMoveDown(move)) {
      this.counters.holesFilled++;
      this.#setSlot(move, 'hole', out);
      return;
    }
    if (this.#slots.freeSince.size > 0) this.#reportHoles(out);
    this.#applyNeighbours(out);
  }

  /** The splice claims and grants in the records we hold, by slot (exact-degree rule). */
  #spliceSource(): SpliceSource {
    const occupants = this.#slots.occupants;
    return spliceSourceOf((slot) => occupants.get(slot)?.info);
  }

  /** Exact-degree rule: publish our claims and grants again when what we read changes them. */
  #updateSplices(out: MeshNodeAction[], source: SpliceSource): void {
    const topo = this.#o.topology;
    if (topo.spliceState === undefined || this.#slot === null) return;
    const next = publishedSplices(topo.spliceState(this.#slot, this.#slots.occupied, source));
    if (sameSplices(next, this.#splices)) return;
    this.#splices = next;
    this.#publish(out);
  }

  #applyNeighbours(out: MeshNodeAction[]): void {
    const want = new Set<string>();
    const source = this.#spliceSource();
    this.#updateSplices(out, source);
    for (const s of this.#o.topology.neighbours(this.#slot as number, this.#slots.occupied, source)) {
      const r = this.#slots.occupants.get(s);
      if (r !== undefined && r.origin !== this.peerId) want.add(r.origin);
    }
    const { added, dropped } = this.#links.setNeighbours(want, this.#now);
    for (const p of dropped) {
      this.#attest.forget(p);
      const held = this.#heldTombs.get(p);
      this.#heldTombs.delete(p);
      if (held !== undefined) this.#onTomb(held.from, held.bytes, out);
    }
    for (const a of added) this.#sendOwn(out, a.peerId);
    this.#dialMissing(out);
    // Every former neighbour, not only linked ones: the driver stops checking one whose link went earlier.
    if (added.length > 0 || dropped.length > 0) out.push({ type: 'event', event: { e: 'neighbours', added, removed: dropped } });
    this.#updateProbation(out);
  }

  /** Penalised peers near us, of those our penalties keep out (this.#probation). */
  #updateProbation(out: MeshNodeAction[]): void {
    const next = new Set<string>();
    const me = this.#slot;
    if (this.#slots.withheld.size > 0 && me !== null) {
      // Near: within the distance SPIRAL neighbours lie at (at most 3 on the lattice, mostly 1–2). Asking the rule
      // itself with them put back does not work under the exact-degree rule: the splice grants that would link us
      // are exactly what our penalty withholds, on both sides.
      const near = [...this.#slots.withheld]
        .map(([s, r]) => ({ origin: r.origin, d: this.#o.topology.distance(s, me) }))
        .filter((x) => x.d <= PROBATION_DISTANCE && !this.#links.neighbours.has(x.origin))
        .sort((a, b) => a.d - b.d);
      for (const x of near.slice(0, MAX_PROBATION)) next.add(x.origin);
    }
    for (const p of this.#probation) {
      if (next.has(p) || this.#links.neighbours.has(p) || !this.#links.has(p)) continue;
      this.#links.linger(p, this.#now);
    }
    for (const p of next) {
      if (this.#probation.has(p)) continue;
      const link = this.#links.get(p);
      if (link !== undefined) out.push({ type: 'event', event: { e: 'watch', peerId: p, publicKey: link.publicKey } });
    }
    this.#probation = next;
    this.#dialProbation(out);
  }

  #dialProbation(out: MeshNodeAction[]): void {
    for (const p of this.#probation) if (!this.#links.has(p)) this.#dialOnce(out, p, this.#records.get(p)?.info.addrs ?? []);
  }

  /** A link we made to an entry point, if any (the first, in link order). */
  #entryLink(): string | undefined {
    for (const [p, l] of this.#links.links) if (l.entry) return p;
    return undefined;
  }

  /** Dial a peer that is not a neighbour (the link lingers when it comes up), at most once per dialRetryMs. */
  #dialOnce(out: MeshNodeAction[], peerId: string, addrs: readonly string[]): boolean {
    if (addrs.length === 0 || !this.#links.dialOnce(peerId, this.#now)) return false;
    out.push({ type: 'dial', peerId, addrs });
    return true;
  }

  #dialMissing(out: MeshNodeAction[]): void {
    for (const d of this.#links.toDial(this.#now, (p) => this.#records.get(p)?.info.addrs ?? [])) out.push({ type: 'dial', peerId: d.peerId, addrs: d.addrs });
  }

  #housekeeping(out: MeshNodeAction[]): void {
    if (this.#slot === null && this.#join !== undefined && this.#now - this.#join.at >= this.config.joinRetryMs && this.#links.has(this.#join.via)) {
      this.#askToJoin(this.#join.via, out);
    } else if (this.#slot === null && this.#join === undefined) {
      const entry = this.#entryLink();
      if (entry !== undefined) this.#askToJoin(entry, out);
    }
    if (this.#concierge.expireRelays(this.#now)) this.#markDirty(); // our own request went unanswered: ask again
    if (this.#slot !== null) this.#retryParked(out);
    for (const p of this.#links.neighbours) if (this.#links.has(p)) this.#ping(out, p);
    if (this.#penalty.lapsedBetween(this.#penaltyCheckedAt, this.#now)) this.#markDirty();
    this.#penaltyCheckedAt = this.#now;
    // A link a forwarded join went out or came in on stays until the answer has passed: closing it dropped the answer,
    // and the slot reserved for the joiner held up the frontier until the reservation lapsed (10 s stalls).
    for (const p of this.#links.lingerExpired(this.#now, (peer) => this.#concierge.carries(peer) || this.#probation.has(peer))) out.push({ type: 'close', peerId: p, reason: 'not a SPIRAL neighbour' });
    if (this.#now >= this.#sweepAt) {
      this.#sweepAt = this.#now + this.config.recordTtlMs / 8;
      for (const origin of this.#records.expired(this.#wall)) {
        this.#forget(origin);
        this.counters.records.expired++;
      }
      this.#tombs.sweep(this.#wall);
    }
    if (this.#slot !== null) {
      // A hole becomes fillable only once it has been free for holeStableMs, with nothing else changing.
      if (this.#slots.freeSince.size > 0) this.#maybeTopology(out, true);
      this.#dialMissing(out);
      this.#dialProbation(out);
      this.#checkStranded(out);
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
