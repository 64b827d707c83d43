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
  readonly #store: RecordStore;
  readonly #parsed = new Map<string, PeerRecord>();
  /** The newest record of nodes that moved out of our scope: refutes old copies of their claims. */
  readonly #movedAway = new Map<string, SporeRecord>();
  #parsing: PeerRecord | undefined;
  #slotsOf: ItemSet | undefined;
  /** Per item index of `#slotsOf`: the lattice cell of its record's slot (undefined if not parsed). */
  #cells: (Coord | undefined)[] = [];

  constructor(o: RecordViewOptions) {
    this.#o = o;
    this.#self = o.crypto.peerId;
    // put parsed the payload already; the store's check reuses it instead of parsing again.
    this.#store = new RecordStore({
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
    if (this.#slotsOf !== all) {
      // The lattice cell of each item's slot by index, once per snapshot: a sync round filters one snapshot for
      // several peers.
      this.#slotsOf = all;
      this.#cells = this.#store.origins().map((o) => {
        const s = this.#parsed.get(o)?.info.slot;
        return s === undefined ? undefined : this.#o.topology.coord(s);
      });
    }
    const cells = this.#cells;
    const center = this.#o.topology.coord(slot);
    return all.subset((_, i) => {
      const c = cells[i];
      return c !== undefined && distance(c, center) <= this.#o.scope;
    });
  }

  /** Our own new record (signed by us: nothing to judge). */
  putOwn(own: PeerRecord): void {
    this.#store.put(own.record);
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
      return { outcome: 'outOfScope', dropped };
    }
    this.#parsing = p;
    const outcome = this.#store.put(r);
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
