/**
 * The concierge's bookkeeping (APE, docs/mesh-node.md): where to place a
 * joiner, the slots reserved for joiners, the forwarded requests waiting for
 * the frontier node's answer, and which holes were reported uphill. Decides;
 * the machine sends the frames.
 */
import { lowestFreeSlot } from '../spiral/claims.js';
import type { SporeRecord } from '../spore/store.js';
import type { MeshNodeConfig } from './constants.js';
import { peerRecordOf, type PeerRecord } from './records.js';
import type { Topology } from './topology.js';

/** Relays a forwarded request passes through at once, at most (a hostile flood costs bounded memory). */
const MAX_RELAYS = 1024;
/** Hops a forwarded request may take: uphill paths are about as long as the mesh is wide in shells. */
export const MAX_FWD_HOPS = 64;
/** The slot field of a forwarded offer that says "no slot now" (the largest 6-byte value: never a real slot). */
export const BUSY = 2 ** 48 - 1;

/** Forwarded joins one node holds at once while the frontier changes hands, at most. */
const MAX_PARKED = 64;

/** A forwarded join we could neither place nor pass on yet: who sent it, the request, and since when we hold it. */
export interface Parked<F> { readonly from: string; readonly frame: F; readonly since: number }

/**
 * A forwarded join waiting for the frontier's answer: who to pass it back to, where we sent it, and until when;
 * `entry`, the concierge holding the joiner's link (the request's first node), when the request named it.
 */
export interface Relay { readonly back: string; readonly to: string; readonly joiner: boolean; readonly until: number; readonly entry?: string }

/** What a node knows when it places a joiner. */
export interface PlacementView {
  /** Our slot. */
  readonly me: number;
  /** Occupied slots, ascending. */
  readonly occupied: readonly number[];
  /** Holes we know (free slot → since when). */
  readonly holes: ReadonlyMap<number, number>;
  /**
   * Slots we know about without a winner in `occupied`: holes we saw taken before, and slots held only by peers we
   * keep out under a penalty (Concierge.#sees: known, not merely never seen).
   */
  readonly known?: (slot: number) => boolean;
  /** A linked peer holds a slot above ours. */
  readonly higherLinked: boolean;
  /**
   * Whether we may act as the frontier node. A node placing itself after a lost
   * conflict may not: several losers at the frontier, each with the same view,
   * would hand themselves the same slot and collide again and again. It asks the
   * frontier node instead, whose reservations keep answers distinct.
   */
  readonly asFrontier: boolean;
  /**
   * The highest slot the concierges a forwarded join passed through have
   * reserved for other joiners (0 if none, or not forwarded). Their joiners
   * are not in our view yet: a frontier node offers nothing at or below it
   * but a stable hole.
   */
  readonly reservedBelow?: number;
}

export type ConciergeConfig = Pick<MeshNodeConfig, 'reservationMs' | 'holeStableMs' | 'offerRecords' | 'arrivalMs' | 'tickMs'>;

export class Concierge {
  readonly #reserved = new Map<number, number>();
  /**
   * Reservations whose joiner showed no sign of life within arrivalMs (Concierge.giveUpNoShows): still ours until
   * they lapse (a forwarded join may carry them as reserved on its path, and a lapse below the slots taken makes a
   * hole only we know of), but free to offer again, and no successor.
   */
  readonly #noShows = new Set<number>();
  /**
   * The concierge that placed us, until `until`: it had reserved slots up to
   * `to` (joiners on their way above us), and `by` (its id, '' once it handed
   * us a forwarded join) may have reserved more after it answered us, so until
   * then it, not we, is the frontier.
   */
  #placedBy = { to: -1, by: '', until: -Infinity };
  /**
   * The last frontier answer we relayed: the highest slot that frontier had
   * reserved, the link it came back on (where the next forwarded join goes:
   * one frontier at a time), and until when.
   */
  #relayed = { to: -1, via: '', until: -Infinity };
  /** The frontier node that placed the last joiner we are the entry point of, its slot, and until when we go to it. */
  #frontier = { peer: '', slot: -1, until: -Infinity };
  /** Forwarded joins waiting for the frontier's answer: request id → who to pass it back to. */
  readonly #relays = new Map<string, Relay>();
  #parked: Parked<unknown>[] = [];
  #seq = 0;
  /** Holes we reported uphill, and when (reported again only after holeStableMs). */
  readonly #holeReported = new Map<number, number>();
  /** The slot we hold back for want of records below it (Concierge.#sees), and since when. */
  #viewWait = { slot: -1, since: Infinity };
  /** What the last `place` did about those records: held the slot back (first for it, or again), or placed it unseen. */
  #held: 'no' | 'began' | 'yes' | 'unseen' = 'no';
  readonly #idPrefix: string;
  /** The id of our own forwarded join, when we lost our slot (one at a time). */
  readonly rejoinId: string;

  constructor(peerId: string, readonly topology: Topology, readonly scope: number, readonly config: ConciergeConfig) {
    this.#idPrefix = peerId.slice(5, 21);
    this.rejoinId = `${this.#idPrefix}:rejoin`;
  }

  /** A fresh id for a request we forward. */
  newId(): string { return `${this.#idPrefix}:${++this.#seq}`; }

  canRelay(): boolean { return this.#relays.size < MAX_RELAYS; }
  /**
   * Wait for the answer to request `id`. A join can pass a node twice (a
   * joiner sends it back to its placer, which hands it on to that joiner): the
   * first way back is the one toward the joiner, and it is kept (the answer
   * now comes from `r.to`). Overwriting it sent the answer round the loop to a
   * relay that had already passed it on, which dropped it, and the slot
   * stayed reserved for nobody (the lattice run of docs/mesh-node.md stalled
   * for 10 s that way).
   */
  relay(id: string, r: Relay): void {
    const first = this.#relays.get(id);
    this.#relays.set(id, first === undefined ? r : { ...first, to: r.to });
  }
  relayOf(id: string): Relay | undefined { return this.#relays.get(id); }
  answered(id: string): void { this.#relays.delete(id); }
  get rejoining(): boolean { return this.#relays.has(this.rejoinId); }
  /** A request waiting for its answer came in or went out on the link to `peer`. */
  carries(peer: string): boolean {
    for (const r of this.#relays.values()) if (r.back === peer || r.to === peer) return true;
    return false;
  }

  /**
   * Hold a forwarded join for a moment instead of answering BUSY: the frontier
   * node's own joiners are arriving, and one of them takes over within a few
   * round trips (a BUSY costs the joiner a whole retry). False when full.
   */
  park<F>(p: Parked<F>): boolean {
    if (this.#parked.length >= MAX_PARKED) return false;
    this.#parked.push(p);
    return true;
  }

  get hasParked(): boolean { return this.#parked.length > 0; }

  /** The parked joins, to try again (they park again if still stuck). */
  unpark<F>(): Parked<F>[] {
    const all = this.#parked as Parked<F>[];
    this.#parked = [];
    return all;
  }

  /** Drop relays nobody answered in time; true if our own re-join was one of them. */
  expireRelays(now: number): boolean {
    let rejoin = false;
    for (const [id, r] of this.#relays) {
      if (r.until > now) continue;
      this.#relays.delete(id);
      if (id === this.rejoinId) rejoin = true;
    }
    return rejoin;
  }

  /** End lapsed reservations; returns the slots that became holes. */
  expireReservations(now: number, occupants: ReadonlyMap<number, unknown>, occupied: readonly number[]): number[] {
    // A joiner we gave up arrived after all: it is our successor again.
    for (const s of this.#noShows) if (occupants.has(s)) this.#noShows.delete(s);
    const holes: number[] = [];
    for (const [s, until] of this.#reserved) {
      if (until > now) continue;
      this.#reserved.delete(s);
      this.#noShows.delete(s);
      // A reserved slot nobody took, below slots that were taken: a hole only we can know of.
      if (!occupants.has(s) && s < (occupied.at(-1) ?? 0)) holes.push(s);
    }
    return holes;
  }

  /**
   * The slot to give a joiner, reserved for a while so a wave of joiners gets
   * distinct slots; undefined if this node should pass the join uphill.
   * - If every slot below the lowest free one we know lies within our scope,
   *   our view is complete there and that slot is the mesh's lowest free slot.
   * - Otherwise only the frontier node can tell: the slot order is continuous
   *   (consecutive slots are lattice neighbours), so the highest occupied slot
   *   is the only node with no higher neighbour. It offers a hole that has
   *   been free for holeStableMs in its scope, else the next slots above the
   *   highest it knows, as far as its scope reaches (it must hand the joiner
   *   records near its slot). A gap below it that it never saw filled is not
   *   offered: its record may simply not have reached us yet.
   */
  place(v: PlacementView, now: number): number | undefined {
    this.#held = 'no';
    const { me, occupied } = v;
    const taken = new Set(occupied);
    for (const s of this.#reserved.keys()) if (!this.#noShows.has(s)) taken.add(s);
    const topo = this.topology;
    let slot: number | undefined = lowestFreeSlot(taken);
    if (topo.distance(0, slot) + topo.distance(0, me) > this.scope) {
      // We are not the frontier if someone higher is known (not linked yet: the joiner asks again soon), or if
      // our concierge reserved slots above ours for joiners still on their way (not in our view yet): offering
      // "the next slot" would hand out theirs.
      // Likewise if a concierge on the forwarded join's path reserved slots above ours: the frontier is, or is
      // about to be, one of those joiners, and only it may go on (one frontier at a time, or two hand out one slot).
      const ours = Math.max(me, ...this.#reserved.keys());
      const pending = this.#placedBelowPending(me, now) || (v.reservedBelow ?? 0) > ours || this.deferringTo(now) !== undefined;
      // Occupied slots above us that we reserved are our own joiners arriving; any other means we are not the top.
      let above = false;
      for (let i = occupied.length - 1; i >= 0 && occupied[i]! > me; i--) if (!this.#reserved.has(occupied[i]!)) above = true;
      if (!v.asFrontier || v.higherLinked || pending || above) return undefined;
      slot = undefined;
      // Only a hole that has stayed free for holeStableMs: a slot just reserved elsewhere looks free for a moment.
      for (const [h, since] of v.holes) if (now - since >= this.config.holeStableMs && !taken.has(h) && (slot === undefined || h < slot)) slot = h;
      if (slot === undefined) {
        // Past the pending check, reservedBelow is at most our own highest reservation: the path reports ours. Those
        // still live are in `taken`; a no-show's slot (reported by the relays of its answer) is free again.
        let top = me;
        for (const s of taken) if (s > top) top = s;
        slot = top + 1;
        // The joiner must have a neighbour that already exists (not only reserved), or nobody would ever learn of it.
        if (topo.distance(slot, me) > this.scope) return undefined;
        const links = topo.neighbours(slot, [...occupied, slot].sort((a, b) => a - b));
        if (links.length === 0) return undefined;
        if (this.#sees(slot, me, (a) => taken.has(a) || v.known?.(a) === true, now) !== true) return undefined;
      }
    }
    this.#viewWait = { slot: -1, since: Infinity };
    this.#reserved.set(slot, now + this.config.reservationMs);
    this.#noShows.delete(slot);
    return slot;
  }

  /**
   * Do we hold what a joiner at `slot` must be handed: the records of its lattice cells below it within our scope,
   * which a mesh that fills its slots in order has taken? Our reserved slots count (their joiners are on their way),
   * and so do slots `known` otherwise (holes we saw taken, peers we keep out under a penalty). A frontier placed a
   * moment before knows little more than its offer; handing on only that, a chain of frontiers each placed by the
   * last lost sight of the shell below, linked only among themselves, and their slots were handed out again there
   * (docs/mesh-node.md, "A frontier places only what it can see"). It waits for the missing records (its first
   * exchanges with its links bring them within a round trip or two) at most tickMs for one slot, then places anyway:
   * a hole nobody saw, a phantom's lapsed reservation, or a node the other side of a healed partition buried is
   * never filled in from records (holding 3 s each made the scoped partition's merge 45 s instead of 35 s).
   * Undefined: a cell below the slot lies beyond our scope, so the slot is beyond our room (our turn passes on, as
   * at the edge of our scope).
   */
  #sees(slot: number, me: number, known: (cell: number) => boolean, now: number): boolean | undefined {
    let missing = false;
    for (const a of this.topology.adjacent(slot)) {
      if (a > slot || known(a)) continue;
      // Beyond our scope we keep no record: that slot is no room of ours, but our joiner's nearer the top.
      if (this.topology.distance(a, me) > this.scope) return undefined;
      missing = true;
    }
    if (!missing) return true;
    this.#held = 'yes';
    if (this.#viewWait.slot !== slot) {
      this.#viewWait = { slot, since: now };
      this.#held = 'began';
    }
    if (now - this.#viewWait.since < this.config.tickMs) return false;
    this.#held = 'unseen';
    return true;
  }

  /** The last `place` held the next slot back for want of records (#sees): the join should wait here, parked. */
  get heldForView(): boolean { return this.#held === 'began' || this.#held === 'yes'; }
  /** …and it began to, for that slot: time to ask our neighbours for their records. */
  get heldForViewBegan(): boolean { return this.#held === 'began'; }
  /** …or it placed the slot although records of cells below it were still missing after tickMs. */
  get placedUnseen(): boolean { return this.#held === 'unseen'; }

  /** Is `cell` one of the cells below a slot we hold back for want of its record (#sees)? */
  awaits(cell: number, now: number): boolean {
    const w = this.#viewWait;
    return cell < w.slot && now - w.since < this.config.tickMs && this.topology.adjacent(w.slot).includes(cell);
  }

  /**
   * The highest slot we know to be reserved for a joiner on its way, by us or
   * by a frontier node whose answer we relayed (what an offer tells the joiner,
   * and a forwarded join tells the frontier), or -1.
   */
  reservedTo(now: number): number {
    const relayed = this.#relayed.until > now ? this.#relayed.to : -1;
    return Math.max(relayed, this.successor(now) ?? -1);
  }

  /**
   * Joiners are on their way to slots above `me`: reserved by us, by a
   * frontier whose answer we relayed, or by the concierge that placed us.
   * Their records may not have reached us, but we are not the top.
   */
  joinersAbove(me: number, now: number): boolean {
    return this.reservedTo(now) > me || this.#placedBelowPending(me, now);
  }

  /** The concierge that placed us still holds reservations above `me` (placedBelow). */
  #placedBelowPending(me: number, now: number): boolean {
    return this.#placedBy.until > now && this.#placedBy.to > me;
  }

  /**
   * The highest slot we reserved, while the reservation lasts (its joiner may
   * have arrived or not): when our turn as the frontier ends, it goes to that
   * joiner and to no other. Passing a join to whichever joiner linked first
   * made a lower one the frontier too (Concierge.deferringTo).
   */
  successor(now: number): number | undefined {
    // Lapsed reservations leave the map only when we next place someone: a node nobody asks must not hold them.
    let top: number | undefined;
    for (const [s, until] of this.#reserved) if (until > now && !this.#noShows.has(s) && (top === undefined || s > top)) top = s;
    return top;
  }

  /**
   * We can place no one and our successor has not arrived (not in `occupants`) arrivalMs after we reserved its
   * slot: it crashed after its answer was sent, or the answer was lost. Waiting for it stalled every forwarded join
   * until its reservation lapsed (10 s); handing the turn to a lower joiner that had arrived made two frontiers.
   * So we keep the turn and its slot is free to offer again (the same for the next highest, and so on). Only the
   * successor: a lower no-show holds up nobody, and lapses into a hole as before. A joiner that arrives after all
   * is our successor again (expireReservations). Returns the slots given up now.
   */
  giveUpNoShows(now: number, occupants: ReadonlyMap<number, unknown>): number[] {
    const given: number[] = [];
    for (let s = this.successor(now); s !== undefined; s = this.successor(now)) {
      const since = this.#reserved.get(s)! - this.config.reservationMs;
      if (occupants.has(s) || now - since < this.config.arrivalMs) break;
      this.#noShows.add(s);
      given.push(s);
    }
    return given;
  }

  /**
   * We passed a join on to our highest joiner: our turn as the frontier is over while our reservations last.
   * Until then our own joiners do not end it, arrived or not (see MeshNode.#placement); after it, a slot that
   * came within our reach again must not be handed out beside the new frontier's.
   */
  passTurn(now: number): void { this.#turnPassedUntil = now + this.config.reservationMs; }
  turnPassed(now: number): boolean { return this.#turnPassedUntil > now; }
  #turnPassedUntil = -Infinity;

  /** The highest of our own reservations whose joiner has not shown up in `occupied` yet, or -1. */
  pendingTo(occupants: ReadonlyMap<number, unknown>): number {
    let top = -1;
    for (const s of this.#reserved.keys()) if (s > top && !occupants.has(s)) top = s;
    return top;
  }

  /** We relayed a frontier node's offer, which came back on link `via`: it had reserved up to `to`. */
  relayedOffer(to: number, via: string, now: number): void {
    if (to >= this.#relayed.to || this.#relayed.until <= now) this.#relayed = { to, via, until: now + this.config.reservationMs };
  }

  /** The frontier answered BUSY through `via`: stop sending joins its way. */
  relayedBusy(via: string): void {
    if (this.#relayed.via === via) this.#relayed = { ...this.#relayed, via: '' };
  }

  /** The frontier node `peer` at `slot` placed one of our joiners. */
  sawFrontier(peer: string, slot: number, now: number): void {
    if (slot >= this.#frontier.slot || this.#frontier.until <= now) this.#frontier = { peer, slot, until: now + this.config.reservationMs };
  }

  /** The frontier node that placed our last joiner, while its turn may last. */
  frontierHint(now: number): { readonly peer: string; readonly slot: number } | undefined {
    return this.#frontier.until > now ? this.#frontier : undefined;
  }

  /** Where the last frontier answer came from, while its reservations last: the next forwarded join goes there too. */
  frontierVia(now: number): string | undefined {
    return this.#relayed.until > now && this.#relayed.via !== '' ? this.#relayed.via : undefined;
  }

  /**
   * The concierge that placed us had reserved up to `to`: joiners are on their
   * way to slots above ours, so until they arrive (or the reservations lapse)
   * we must not hand out slots as if we were the frontier; our own offers
   * would collide with theirs.
   */
  placedBelow(to: number, now: number, by = ''): void {
    this.#placedBy = { to, by, until: now + this.config.reservationMs };
  }

  /**
   * The node that placed us, while we leave the frontier to it. The offer's
   * `reservedTo` is only what it had reserved when it answered us: a wave of
   * joiners is placed in a burst, and every one of them told "nothing above
   * you" before the next was placed would act as the frontier at once (at
   * N = 1,800, nodes placed 1726 and 1727 by one frontier each handed out
   * 1728 onwards; 29–58 slot conflicts lost per run). The placer stops being
   * the frontier once its joiners have arrived, and then passes joins on to
   * the highest of them: a forwarded join from it is the handover.
   */
  deferringTo(now: number): string | undefined {
    return this.#placedBy.until > now && this.#placedBy.by !== '' ? this.#placedBy.by : undefined;
  }

  /** A forwarded join came from `from`: if it placed us, it has stopped being the frontier. */
  handedOver(from: string): void {
    if (from === this.#placedBy.by) this.#placedBy = { ...this.#placedBy, by: '' };
  }

  /**
   * The signed records of the occupied slots nearest `slot`: what a joiner (or
   * the frontier node) is handed. The placer's own record (slot `me`) comes
   * first, so a joiner placed through a relay knows whom to tell it arrived.
   */
  offerRecords(slot: number, me: number, occupied: readonly number[], occupants: ReadonlyMap<number, PeerRecord>): SporeRecord[] {
    const records: SporeRecord[] = [];
    for (const { s } of this.#nearest(slot, me, occupied)) {
      const r = occupants.get(s);
      if (r !== undefined) records.push(r.record);
    }
    return records;
  }

  /** The `offerRecords` occupied slots nearest `slot` (`me` first), with their distances; never `slot` itself (a returning node's old record). */
  #nearest(slot: number, me: number, occupied: readonly number[]): { s: number; d: number }[] {
    return occupied
      .filter((s) => s !== slot)
      .map((s) => ({ s, d: s === me ? -1 : this.topology.distance(s, slot) }))
      .sort((a, b) => a.d - b.d || a.s - b.s)
      .slice(0, this.config.offerRecords);
  }

  /** Does a relay at `me` reach `slot` with its scope (it holds records near the slot a joiner there needs)? */
  nearSlot(me: number, slot: number): boolean { return this.topology.distance(me, slot) <= this.scope; }

  /**
   * The records of an offer passing back through us to its joiner: the
   * placer's, improved with ours. Beyond the scope the frontier is usually a
   * node placed a moment before, which knows little more than the records of
   * its own offer; handed from one new frontier to the next, those views lost
   * the ring below the top, and each frontier could place only the one or two
   * slots next to itself (2 per turn at N = 2,000). A relay near the slot
   * (an older node on the path) has synced its scope: the joiner gets the
   * placer's record first, then the nearest records either of us knows, still
   * at most `offerRecords`.
   */
  relayRecords(slot: number, received: readonly SporeRecord[], me: number, occupied: readonly number[], occupants: ReadonlyMap<number, PeerRecord>): readonly SporeRecord[] {
    const [placer, ...rest] = received;
    if (placer === undefined || !this.nearSlot(me, slot)) return received;
    // Ours first: we verified them, the placer's are passed on unread (the joiner verifies every record).
    const best = new Map<string, { r: SporeRecord; d: number; s: number }>();
    const consider = (r: SporeRecord, s: number, d: number): void => {
      if (r.origin !== placer.origin && !best.has(r.origin)) best.set(r.origin, { r, d, s });
    };
    for (const { s, d } of this.#nearest(slot, -1, occupied)) {
      const r = occupants.get(s);
      if (r !== undefined) consider(r.record, s, d);
    }
    for (const r of rest) {
      const s = peerRecordOf(r)?.info.slot;
      if (s !== undefined) consider(r, s, this.topology.distance(s, slot));
    }
    const nearest = [...best.values()].sort((a, b) => a.d - b.d || a.s - b.s).slice(0, this.config.offerRecords - 1);
    return [placer, ...nearest.map((x) => x.r)];
  }

  /**
   * Holes due for a report uphill (the machine reports them and calls
   * `reported`): free for holeStableMs, not reported within holeStableMs, and
   * we are their highest-slot lattice neighbour (one reporter per hole, not
   * twenty; lattice neighbours of one cell are within 2 of each other, so with
   * a scope ≥ 2 they agree who that is).
   */
  dueHoles(me: number, holes: ReadonlyMap<number, number>, occupied: readonly number[], now: number): number[] {
    const due: number[] = [];
    for (const [h, since] of holes) {
      if (now - since < this.config.holeStableMs) continue;
      const last = this.#holeReported.get(h);
      if (last !== undefined && now - last < this.config.holeStableMs) continue;
      // The hole's highest lattice neighbour reports it: its uphill path starts above the hole, so wherever it
      // ends, that node lies above the hole and may move into it (a lower reporter's path can end below it).
      let reporter = -1;
      for (const s of occupied) if (s > reporter && this.topology.distance(s, h) <= 1) reporter = s;
      if (reporter === me) due.push(h);
    }
    for (const h of this.#holeReported.keys()) if (!holes.has(h)) this.#holeReported.delete(h);
    return due;
  }

  reported(hole: number, now: number): void { this.#holeReported.set(hole, now); }
}
