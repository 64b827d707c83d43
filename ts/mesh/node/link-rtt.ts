/**
 * Round trips to linked peers, measured with PING/PONG on each link: what a
 * splice round waits for (docs/mesh-node.md, "Splice rounds follow the links'
 * round trips"). The estimate is RFC 6298's smoothed RTT (the first sample,
 * then 7/8 of it plus 1/8 of each new one).
 *
 * A nonce is a per-node counter. A hostile peer can guess the next one and
 * answer before our ping arrives, which makes us think it is nearer than it
 * is: our splice rounds then shrink to their floor, which costs us CPU and the
 * neighbourhood a few wasted claims; it cannot make a round longer than its
 * own delayed pongs (capped at MAX_RTT_SAMPLE_MS) would anyway.
 */

/** A sample longer than this is taken as this: a peer that holds its pongs back cannot stall our rounds for longer. */
export const MAX_RTT_SAMPLE_MS = 10_000;

interface PeerRtt {
  srtt: number | undefined;
  pending: { n: number; at: number } | undefined;
  lastPing: number;
}

export class LinkRtt {
  readonly #peers = new Map<string, PeerRtt>();
  #nonce = 0;

  /** A nonce to ping `peer` with now, or undefined if we pinged it within `everyMs` and its answer may still come. */
  ping(peer: string, now: number, everyMs: number): number | undefined {
    let p = this.#peers.get(peer);
    if (p === undefined) {
      p = { srtt: undefined, pending: undefined, lastPing: -Infinity };
      this.#peers.set(peer, p);
    }
    if (now - p.lastPing < everyMs) return undefined;
    this.#nonce = (this.#nonce + 1) >>> 0;
    p.pending = { n: this.#nonce, at: now };
    p.lastPing = now;
    return this.#nonce;
  }

  /** A PONG from `peer`: true if it answered our outstanding ping (a sample was taken). */
  pong(peer: string, n: number, now: number): boolean {
    const p = this.#peers.get(peer);
    if (p?.pending === undefined || p.pending.n !== n) return false;
    const sample = Math.min(MAX_RTT_SAMPLE_MS, Math.max(0, now - p.pending.at));
    p.pending = undefined;
    p.srtt = p.srtt === undefined ? sample : (7 * p.srtt + sample) / 8;
    return true;
  }

  forget(peer: string): void { this.#peers.delete(peer); }

  /** The smoothed round trip to `peer`, ms, once measured. */
  srtt(peer: string): number | undefined { return this.#peers.get(peer)?.srtt; }

  /** The largest smoothed round trip among `peers` that have one, or undefined if none has. */
  slowest(peers: Iterable<string>): number | undefined {
    let max: number | undefined;
    for (const peer of peers) {
      const s = this.#peers.get(peer)?.srtt;
      if (s !== undefined && (max === undefined || s > max)) max = s;
    }
    return max;
  }
}
