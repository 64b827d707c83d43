/**
 * The peer records a node holds: the signed SPORE store, each record parsed,
 * and the newest record of nodes that moved out of its scope. `put` judges an
 * incoming record (docs/mesh-node.md, "What travels"); the machine acts on the
 * result (counts it, answers the sender, marks its set changed).
 */
import { RecordStore, signedBytes, type SporeRecord } from '../spore/store.js';
import type { ItemSet } from '../spore/items.js';
import type { MeshCrypto } from './crypto.js';
import { peerRecordOf, verifyPeerRecord, type PeerRecord } from './records.js';
import type { TombstoneSet } from './tombstones.js';
import type { Topology } from './topology.js';
import { distance, type Coord } from '../spiral/coords.js';
import type { MeshNodeConfig } from './constants.js';
import type { RecordOutcome } from './actions.js';
import type { RecordInterner } from './record-interner.js';

export interface PutResult {
  readonly outcome: RecordOutcome;
  /** The newer record we hold of that origin, when the sender's was older. */
  readonly newer?: SporeRecord;
  /** The record, parsed, when it entered our set. */
  readonly accepted?: PeerRecord;
  /** A record we held was dropped on the way: our set changed. */
  readonly dropped?: boolean;
  /** The old claim's slot and the new one, when a newer record placing its node outside our scope dropped that claim. */
  readonly moved?: { readonly from: number; readonly to: number };
}

/** What a record is judged against: our latest own seq, our slot (its scope) and the wall clock. */
export interface PutContext { readonly ownSeq: number | undefined; readonly slot: number | null; readonly wall: number }

export interface RecordViewOptions {
  readonly crypto: MeshCrypto;
  readonly topology: Topology;
  readonly scope: number;
  readonly tombs: TombstoneSet;
  readonly config: Pick<MeshNodeConfig, 'maxRecords' | 'maxTombstones' | 'recordTtlMs'>;
  /** Share decoded records with the other nodes of this process (the simulator). */
  readonly interner?: RecordInterner;
}

export class RecordView {
  readonly #o: RecordViewOptions;
  readonly #self: string;
  /** Each record tagged with the lattice cell of its slot (itemsNear reads them by item index). */
  readonly #store: RecordStore<Coord>;
  readonly #parsed = new Map<string, PeerRecord>();
  /** The newest record of nodes that moved out of our scope: refutes old copies of their claims. */
  readonly #movedAway = new Map<string, SporeRecord>();
  #parsing: PeerRecord | undefined;
  #boundsOf: ItemSet | undefined;
  #bounds: CellBounds | undefined;

  constructor(o: RecordViewOptions) {
    this.#o = o;
    this.#self = o.crypto.peerId;
    // put parsed the payload already; the store's check reuses it instead of parsing again.
    this.#store = new RecordStore<Coord>({
      maxRecords: o.config.maxRecords,
      verify: (r) => (this.#parsing !== undefined && this.#parsing.record === r
        ? o.crypto.verify(r.origin, this.#parsing.info.publicKey, signedBytes(r), r.signature)
        : verifyPeerRecord(o.crypto, r)),
    });
  }

  get size(): number { return this.#store.size; }
  get(origin: string): PeerRecord | undefined { return this.#parsed.get(origin); }
  values(): IterableIterator<PeerRecord> { return this.#parsed.values(); }
  getById(id: Uint8Array): SporeRecord | undefined { return this.#store.getById(id); }
  items(): ItemSet { return this.#store.items(); }

  /** The items of the records whose slot lies within our scope's radius of `slot`: a subset of `items()`. */
  itemsNear(slot: number): ItemSet {
    const all = this.#store.items();
    const cells = this.#store.tags();
    if (this.#boundsOf !== all) {
      this.#boundsOf = all;
      this.#bounds = cellBounds(cells);
    }
    const center = this.#o.topology.coord(slot);
    // Most peers' scopes hold every record we do (a neighbour is close, and our records lie within our scope):
    // the farthest of them is found from the bounds in O(1), with no pass over the items.
    if (farthest(this.#bounds!, center) <= this.#o.scope) return all;
    return all.subset((_, i) => distance(cells[i]!, center) <= this.#o.scope);
  }

  /** Our own new record (signed by us: nothing to judge). */
  putOwn(own: PeerRecord): void {
    this.#store.put(own.record, this.#o.topology.coord(own.info.slot));
    this.#parsed.set(this.#self, own);
  }

  put(incoming: SporeRecord, ctx: PutContext): PutResult {
    const r = this.#o.interner?.intern(incoming) ?? incoming;
    if (r.origin === this.#self && ctx.ownSeq !== undefined && r.seq <= ctx.ownSeq) return { outcome: 'stale' };
    const held = this.#parsed.get(r.origin);
    const newer = held?.record ?? this.#movedAway.get(r.origin);
    if (newer !== undefined && r.seq < newer.seq) {
      // The sender needs our newer record only when it moves the node: at the same slot, sync brings it (the
      // record is in both our scopes). Replying to every stale copy doubled the record frames while records churn.
      const old = this.#parse(r);
      const current = held?.record === newer ? held : this.#parse(newer);
      return old !== undefined && current !== undefined && old.info.slot === current.info.slot ? { outcome: 'stale' } : { outcome: 'stale', newer };
    }
    // The same (origin, seq, signature) we verified already: a copy from another neighbour. Cheap to spot, common in sync.
    if (held !== undefined && r.seq === held.seq && Buffer.compare(r.signature, held.record.signature) === 0) return { outcome: 'replayed' };
    if (this.#o.tombs.buries(r.origin, r.seq, ctx.wall)) return { outcome: 'buried' };
    if (r.seq < ctx.wall - this.#o.config.recordTtlMs) return { outcome: 'expired' };
    const p = this.#parse(r);
    if (p === undefined) return { outcome: 'unparsable' };
    if (ctx.slot !== null && this.#o.topology.distance(p.info.slot, ctx.slot) > this.#o.scope) {
      // A newer, genuine record placing a node we hold outside our scope: it moved away, so its old claim goes
      // too, and we remember the newer record to refute copies of the old one (from peers that missed the move).
      let dropped = false;
      if ((held !== undefined || this.#movedAway.has(r.origin)) && (this.#movedAway.get(r.origin)?.seq ?? -1) < r.seq && verifyPeerRecord(this.#o.crypto, r)) {
        dropped = this.forget(r.origin);
        if (this.#movedAway.size >= this.#o.config.maxTombstones) this.#movedAway.delete(this.#movedAway.keys().next().value as string);
        this.#movedAway.set(r.origin, r);
      }
      return dropped && held !== undefined ? { outcome: 'outOfScope', dropped, moved: { from: held.info.slot, to: p.info.slot } } : { outcome: 'outOfScope', dropped };
    }
    this.#parsing = p;
    const outcome = this.#store.put(r, this.#o.topology.coord(p.info.slot));
    this.#parsing = undefined;
    if (outcome !== 'accepted' && outcome !== 'replaced') return { outcome };
    this.#parsed.set(r.origin, p);
    this.#movedAway.delete(r.origin);
    return { outcome, accepted: p };
  }

  /** A record's payload, parsed (once per process with the simulator's shared interner); undefined if it does not parse. */
  #parse(r: SporeRecord): PeerRecord | undefined {
    return this.#o.interner !== undefined ? this.#o.interner.parse(r) : peerRecordOf(r);
  }

  /** Drop the record of `origin`; true if the store held it (our set changed). */
  forget(origin: string): boolean {
    const held = this.#store.delete(origin);
    this.#parsed.delete(origin);
    return held;
  }

  /** Origins (other than us) whose record lies farther than our scope from `slot`. */
  outOfScope(slot: number): string[] {
    const out: string[] = [];
    for (const [origin, p] of this.#parsed) if (origin !== this.#self && this.#o.topology.distance(p.info.slot, slot) > this.#o.scope) out.push(origin);
    return out;
  }

  /** Origins (other than us) whose record is older than the record TTL by their own clock. */
  expired(wall: number): string[] {
    const out: string[] = [];
    for (const [origin, p] of this.#parsed) if (origin !== this.#self && p.seq < wall - this.#o.config.recordTtlMs) out.push(origin);
    return out;
  }
}

/**
 * The extremes of a set of cells along the four directions the metric is made
 * of: distance = max(|Δq|, |Δr|, |Δq + Δr|, |Δz|) (coords.ts), so the
 * farthest cell from any point follows from them.
 */
interface CellBounds { readonly lo: readonly number[]; readonly hi: readonly number[] }

const along = (c: Coord): number[] => [c.q, c.r, c.q + c.r, c.z];

/** One pass per snapshot over every record's cell, on the sync path: no array per cell. */
function cellBounds(cells: readonly Coord[]): CellBounds | undefined {
  if (cells.length === 0) return undefined;
  let q0 = Infinity, q1 = -Infinity, r0 = Infinity, r1 = -Infinity, s0 = Infinity, s1 = -Infinity, z0 = Infinity, z1 = -Infinity;
  for (const c of cells) {
    const s = c.q + c.r;
    if (c.q < q0) q0 = c.q;
    if (c.q > q1) q1 = c.q;
    if (c.r < r0) r0 = c.r;
    if (c.r > r1) r1 = c.r;
    if (s < s0) s0 = s;
    if (s > s1) s1 = s;
    if (c.z < z0) z0 = c.z;
    if (c.z > z1) z1 = c.z;
  }
  return { lo: [q0, r0, s0, z0], hi: [q1, r1, s1, z1] };
}

/** Distance from `c` to the farthest cell within `b` (0 for no cells). */
function farthest(b: CellBounds | undefined, c: Coord): number {
  if (b === undefined) return 0;
  const v = along(c);
  let d = 0;
  for (let k = 0; k < 4; k++) d = Math.max(d, b.hi[k]! - v[k]!, v[k]! - b.lo[k]!);
  return d;
}
