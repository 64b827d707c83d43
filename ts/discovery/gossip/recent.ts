/**
 * Bounded, age-limited maps for the gossip machine: recent messages (to
 * answer GRAFTs and tell a replay from a duplicate) and request routes (to
 * send a PEER_LIST_RESPONSE back the way its request came). Insertion order
 * is age order, so eviction of the oldest is O(1); `sweep` drops expired ones.
 */
export class AgedMap<V extends { readonly at: number }> {
  readonly #map = new Map<string, V>();
  evicted = 0;

  constructor(readonly max: number, readonly maxAgeMs: number) {}

  get size(): number { return this.#map.size; }

  get(key: string, now: number): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    if (now - v.at > this.maxAgeMs) { this.#map.delete(key); return undefined; }
    return v;
  }

  set(key: string, value: V): void {
    this.#map.delete(key);
    if (this.#map.size >= this.max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) { this.#map.delete(oldest.value); this.evicted++; }
    }
    this.#map.set(key, value);
  }

  /** Drop entries older than maxAgeMs (oldest first, stops at the first young one). */
  sweep(now: number): void {
    for (const [k, v] of this.#map) {
      if (now - v.at <= this.maxAgeMs) break;
      this.#map.delete(k);
    }
  }
}

/** A message we accepted: the frame to forward on GRAFT, and the links it came from. */
export interface RecentMessage {
  readonly at: number;
  /** Payload frame as we forward it (tree kinds only). */
  readonly frame: Uint8Array | undefined;
  /** Links that delivered it (bounded); a second copy on one of these is a replay. */
  readonly from: string[];
  /** Hops our copy travelled (0 for our own). */
  readonly hops: number;
  /** When its first IHAVE reached us, if one came before the payload. */
  readonly ihaveAt?: number;
}

/** Where a PEER_REQUEST came from. */
export interface Route {
  readonly at: number;
  readonly link: string;
}
