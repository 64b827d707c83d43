/**
 * SPORE sync bookkeeping of a mesh node: its exchanges with each linked peer
 * (an initiator and a responder session per peer, so crossing exchanges do not
 * collide), who may lack something since the last exchange, whom to sync with
 * in a round, which record ids were asked for, and the item set reconciled
 * with each peer. The machine sends the frames. docs/mesh-node.md, "SPORE sync".
 */
import { SporeSession, type ReconcileResult, type SporeOptions } from '../spore/session.js';
import { idKey, type ItemSet } from '../spore/items.js';
import type { SporeRecord } from '../spore/store.js';
import type { MeshNodeConfig } from './constants.js';
import { MAX_WANT_IDS } from './messages.js';

/** The records a node holds, as sync reads them (record-view.ts). */
export interface SyncRecords {
  items(): ItemSet;
  /** The items of the records within our scope's radius of `slot`. */
  itemsNear(slot: number): ItemSet;
  getById(id: Uint8Array): SporeRecord | undefined;
  get(origin: string): { readonly info: { readonly slot: number } } | undefined;
}

/**
 * SPORE's shape for mesh records, which are 300–600 bytes: ranges of up to 16
 * items go as id lists (256 bytes, less than one record), and a mismatched
 * range splits 8 ways. Against the library's 4 and 4 that is two fewer rounds
 * per exchange at 1,000–10,000 items for about the same bytes (docs/spore.md),
 * and 14 % less CPU in a 400-node simulated join, where reconciliation is the
 * largest cost.
 */
export const MESH_SPORE_OPTIONS: SporeOptions = Object.freeze({ branching: 8, idListThreshold: 16 });

/**
 * The exchanges a node starts outside its rounds (a joiner filling its view, a frontier asking for missing records)
 * send the whole set as ids up to this size (1 KiB of ids, about two records): a joiner holds its offer's records
 * (offerRecords, 20) and a few more. The responder answers with what it has that we lack (HAVE) at once, one round
 * trip instead of two before we can ask for them. A frontier's set is larger and goes as a fingerprint, as in rounds.
 */
export const EAGER_ID_LIST = 64;

export type SyncConfig = Pick<MeshNodeConfig, 'syncIntervalMs' | 'syncFanout' | 'antiEntropyMs' | 'requestTimeoutMs'>;

export class SporeSync {
  readonly #initiated = new Map<string, SporeSession>();
  readonly #responding = new Map<string, SporeSession>();
  /** When we last started an exchange with each linked peer. */
  readonly #lastSync = new Map<string, number>();
  /** Record ids we asked someone for, and when: not asked again from another peer meanwhile. */
  readonly #requested = new Map<string, number>();
  /** Linked peers that may lack something we accepted since our last exchange with them. */
  readonly #behind = new Set<string>();
  readonly #itemsFor = new Map<number, ItemSet>();
  #itemsForOf: ItemSet | undefined;

  constructor(readonly records: SyncRecords, readonly config: SyncConfig) {}

  /** A new link: the peer may lack anything we hold. */
  linked(peerId: string): void { this.#behind.add(peerId); }

  unlinked(peerId: string): void {
    this.#initiated.delete(peerId);
    this.#responding.delete(peerId);
    this.#lastSync.delete(peerId);
    this.#behind.delete(peerId);
  }

  /** Our set changed (a record from `from`, or ours): every other linked peer may lack it. */
  changed(linked: Iterable<string>, from?: string): void {
    for (const p of linked) if (p !== from) this.#behind.add(p);
  }

  /**
   * Items this node reconciles with `peer`: the records it holds that also lie
   * in the peer's scope. Both sides then reconcile the same set (records in
   * both scopes), and nothing the peer would only throw away is ever sent.
   */
  #items(peer: string, mySlot: number | null): ItemSet {
    const all = this.records.items();
    const at = this.records.get(peer)?.info.slot;
    if (at === undefined || mySlot === null) return all;
    // Cached per peer slot until our set changes: a sync round asks for several peers' sets of one snapshot.
    if (this.#itemsForOf !== all) {
      this.#itemsFor.clear();
      this.#itemsForOf = all;
    }
    const hit = this.#itemsFor.get(at);
    if (hit !== undefined) return hit;
    const set = this.records.itemsNear(at);
    this.#itemsFor.set(at, set);
    return set;
  }

  /**
   * Start an exchange with every linked neighbour (and entry link) whose last
   * exchange with us predates a change of our set, or is older than the
   * anti-entropy period. Either side may start one; each side keeps its own
   * initiator and responder sessions, so crossing exchanges do not collide.
   * Returns the first SYNC message of each exchange started.
   */
  round(links: ReadonlyMap<string, { readonly entry: boolean }>, neighbours: ReadonlySet<string>, mySlot: number | null, now: number): { peerId: string; spore: Uint8Array }[] {
    // At most syncFanout exchanges per round, the longest-waiting first: records still spread epidemically
    // (each round multiplies the nodes that have them), at a fraction of the work of syncing every link.
    const candidates: { p: string; at: number }[] = [];
    for (const [p, link] of links) {
      if (!neighbours.has(p) && !link.entry) continue;
      const last = this.#lastSync.get(p);
      const due = last === undefined || now - last >= this.config.antiEntropyMs;
      if (!due && !this.#behind.has(p)) continue;
      if (this.#initiated.has(p) && last !== undefined && now - last < this.config.syncIntervalMs * 4) continue;
      candidates.push({ p, at: last ?? -Infinity });
    }
    candidates.sort((a, b) => a.at - b.at || (a.p < b.p ? -1 : 1));
    return candidates.slice(0, this.config.syncFanout).map(({ p }) => ({ peerId: p, spore: this.start(p, mySlot, now) }));
  }

  /**
   * Start an exchange with `peerId` now, whatever the round says; returns its first SYNC message. `eager`: we know we
   * lack records (EAGER_ID_LIST), so a set of at most that many items goes whole as ids, and the exchange takes one
   * message instead of three (SporeSession.initiate).
   */
  start(peerId: string, mySlot: number | null, now: number, eager = false): Uint8Array {
    this.#behind.delete(peerId);
    const s = new SporeSession(this.#items(peerId, mySlot), MESH_SPORE_OPTIONS);
    this.#lastSync.set(peerId, now);
    const upTo = eager ? EAGER_ID_LIST : 0;
    // Sent whole, the exchange is over on our side: kept as in flight, it held off our next round with that peer.
    if (s.initiatesWhole(upTo)) this.#initiated.delete(peerId);
    else this.#initiated.set(peerId, s);
    return s.initiate(upTo);
  }

  /** A SYNC message of `phase` from `peerId`; undefined for an exchange we no longer hold. */
  reconcile(peerId: string, phase: 0 | 1 | 2, spore: Uint8Array, mySlot: number | null): ReconcileResult | undefined {
    const sessions = phase === 1 ? this.#initiated : this.#responding;
    let s = sessions.get(peerId);
    if (phase === 0) {
      s = new SporeSession(this.#items(peerId, mySlot), MESH_SPORE_OPTIONS);
      sessions.set(peerId, s);
    }
    if (s === undefined) return undefined;
    const res = s.reconcile(spore);
    // A final reply ends the exchange here too: a session kept for an answer that never comes held its item set
    // (with the prefix sums its fingerprints built) until the peer's next exchange, one per linked peer.
    if (res.error !== undefined || res.reply === undefined || res.final === true) sessions.delete(peerId);
    return res;
  }

  /** Of the ids a peer announced, those to ask it for: not held, not asked of anyone within requestTimeoutMs. */
  toRequest(ids: readonly Uint8Array[], now: number): Uint8Array[] {
    // Oldest first (each id is re-inserted when asked again): what has timed out leaves from the front. Kept until
    // the map was full, they were the largest table a simulated node held.
    for (const [key, at] of this.#requested) {
      if (now - at < this.config.requestTimeoutMs) break;
      this.#requested.delete(key);
    }
    const want: Uint8Array[] = [];
    for (const id of ids) {
      if (this.records.getById(id) !== undefined) continue;
      const key = idKey(id);
      const asked = this.#requested.get(key);
      if (asked !== undefined && now - asked < this.config.requestTimeoutMs) continue;
      if (this.#requested.size >= MAX_WANT_IDS * 8) this.#requested.delete(this.#requested.keys().next().value as string);
      this.#requested.delete(key);
      this.#requested.set(key, now);
      want.push(id);
    }
    return want;
  }
}
