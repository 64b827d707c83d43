/**
 * Slots as one node sees them: the winner of each slot among the records it
 * holds (occupancy.ts), and the free slots it knows to be holes, with when it
 * learned each one (what hole filling, ts/mesh/spiral/holes.ts, needs).
 */
import type { MeshCrypto } from './crypto.js';
import { decideOccupancy } from './occupancy.js';
import type { PenaltyBox } from './penalty.js';
import { verifiedWorkOf, type PeerRecord } from './records.js';
import type { Topology } from './topology.js';

export interface SlotViewOptions {
  readonly crypto: MeshCrypto;
  readonly topology: Topology;
  readonly scope: number;
  readonly maxRecords: number;
  /** The records we hold (record-view.ts). */
  readonly records: { get(origin: string): PeerRecord | undefined; values(): Iterable<PeerRecord> };
  /** Pruned peers kept out of our view. */
  readonly penalty: Pick<PenaltyBox, 'blocks'>;
}

export class SlotView {
  readonly #o: SlotViewOptions;
  /** Winner per slot in our view (recomputed with the topology). */
  #occupants = new Map<number, PeerRecord>();
  #occupied: number[] = [];
  #withheld = new Map<number, PeerRecord>();
  #contested = new Set<number>();
  readonly #freeSince = new Map<number, number>();
  /** Of those, the ones we saw taken before (a departure or a move), not merely never seen taken. */
  readonly #vacated = new Set<number>();
  /** Verified work per record (origin/seq): checking its attestations is the costly part of a recomputation. */
  readonly #weights = new Map<string, bigint>();

  constructor(o: SlotViewOptions) { this.#o = o; }

  get occupants(): ReadonlyMap<number, PeerRecord> { return this.#occupants; }
  /** Occupied slots, ascending (winners only, our own included). */
  get occupied(): readonly number[] { return this.#occupied; }
  /** Slots held only by peers we keep out under a penalty, with their records. */
  get withheld(): ReadonlyMap<number, PeerRecord> { return this.#withheld; }
  /** Whether more than one record claimed `slot` at the last recomputation. */
  contested(slot: number): boolean { return this.#contested.has(slot); }
  /** Holes we know: free slots below the highest taken one, and since when. */
  get freeSince(): ReadonlyMap<number, number> { return this.#freeSince; }
  /** Holes we saw taken before (Concierge.#sees counts them known: a merge's losers leave them behind). */
  get vacated(): ReadonlySet<number> { return this.#vacated; }
  markFree(slot: number, now: number): void { this.#freeSince.set(slot, now); }
  /** `slot` is ours now: not a hole. */
  taken(slot: number): void {
    this.#freeSince.delete(slot);
    this.#vacated.delete(slot);
  }

  #weight(r: PeerRecord): bigint {
    const key = `${r.origin}/${r.seq}`;
    let w = this.#weights.get(key);
    if (w === undefined) {
      w = verifiedWorkOf(this.#o.crypto, r);
      if (this.#weights.size > this.#o.maxRecords * 2) this.#weights.clear();
      this.#weights.set(key, w);
    }
    return w;
  }

  /**
   * Of `peers`, the one holding the highest slot above `me` in our view: one
   * step toward the frontier node.
   */
  highestAbove(me: number | null, peers: Iterable<string>): string | undefined {
    let best: string | undefined;
    let bestSlot = me ?? Infinity;
    for (const p of peers) {
      const s = this.#o.records.get(p)?.info.slot;
      if (s === undefined || s <= bestSlot || this.#occupants.get(s)?.origin !== p) continue;
      best = p;
      bestSlot = s;
    }
    return best;
  }

  /**
   * One step toward the highest slot we know, from our slot `me`: the peer of
   * `peers` holding the highest slot above ours; if none, while we still see
   * slots above ours, the peer nearest the highest of them on the lattice, if
   * it is nearer than we are. Holes next to a node can cut every link it has
   * upward: hole reports and joins then ended at that node, which is not the
   * top (a 200-node lattice mesh took 40 s more to refill its holes, one per
   * holeStableMs, and two reports ending at two such nodes filled one hole
   * twice).
   */
  upward(me: number, peers: Iterable<string>): string | undefined {
    const all = [...peers];
    const up = this.highestAbove(me, all);
    const top = this.#occupied.at(-1);
    if (up !== undefined || top === undefined || top <= me) return up;
    const around = this.nearestAbove(-1, all, top);
    const s = around === undefined ? undefined : this.#o.records.get(around)?.info.slot;
    return s !== undefined && this.#o.topology.distance(s, top) < this.#o.topology.distance(me, top) ? around : undefined;
  }

  /**
   * Of `peers`, one holding a slot above `floor` in our view, the nearest to
   * slot `target` on the lattice (the higher slot on a tie), or undefined.
   */
  nearestAbove(floor: number, peers: Iterable<string>, target: number): string | undefined {
    let best: string | undefined;
    let bestSlot = -1;
    let bestD = Infinity;
    for (const p of peers) {
      const s = this.#o.records.get(p)?.info.slot;
      if (s === undefined || s <= floor || this.#occupants.get(s)?.origin !== p) continue;
      const d = this.#o.topology.distance(s, target);
      if (d > bestD || (d === bestD && s < bestSlot)) continue;
      best = p;
      bestSlot = s;
      bestD = d;
    }
    return best;
  }

  /**
   * Winners per slot, conflicts decided by attested work (then the smaller
   * peerId), penalised peers left out; `me` is our slot. Returns our loss, if any.
   */
  recompute(self: string, me: number | null, now: number): { slot: number; winner: string } | undefined {
    const { occupants, occupied, lost, withheld, contested } = decideOccupancy(this.#o.records.values(), self, (r) => this.#weight(r), (o) => this.#o.penalty.blocks(o, now));
    const prev = this.#occupied;
    this.#occupants = occupants;
    this.#occupied = occupied;
    this.#withheld = withheld;
    this.#contested = contested;
    const max = occupied.at(-1) ?? 0;
    // A slot we stop seeing is a hole only if it lies within our scope: beyond it, records leave our view
    // because we moved, not because their nodes left.
    const inScope = (s: number) => me !== null && this.#o.topology.distance(s, me) <= this.#o.scope;
    // A slot whose holder we keep out under a penalty is not free: the penalty is our own view of that node (it
    // decides whom we link to), while everyone else may count it as the holder. Moving into it made a double
    // claim that stood until the penalty lapsed (partition seed 1 with slot-ranked claims, docs/mesh-node.md).
    const taken = (s: number) => occupants.has(s) || withheld.has(s);
    for (const s of prev) {
      if (taken(s) || s >= max || !inScope(s)) continue;
      this.#vacated.add(s);
      if (!this.#freeSince.has(s)) this.#freeSince.set(s, now);
    }
    // Free cells next to us and below a slot we know taken are holes too, whether or not we saw them
    // taken: a node that arrived after the departure must still know (it may be the one to report it), and the
    // order is continuous, so the nodes above a run of departed slots learn of the run from its top end.
    if (me !== null) for (const s of this.#o.topology.adjacent(me)) if (s < max && !taken(s) && !this.#freeSince.has(s)) this.#freeSince.set(s, now);
    for (const s of this.#freeSince.keys()) if (taken(s) || s > max || !inScope(s)) this.#freeSince.delete(s);
    for (const s of this.#vacated) if (!this.#freeSince.has(s)) this.#vacated.delete(s);
    return lost;
  }
}
