/**
 * The penalty box: peers this node pruned for missing VDF proofs, and until
 * when they stay out of its view. The first strike costs nothing beyond the
 * prune (a node stalled once under load comes straight back); from the second
 * on the time doubles, so a node that never proves cannot bounce back in by
 * refuting every tombstone. Bounded: the oldest entry goes first.
 */
export class PenaltyBox {
  readonly #peers = new Map<string, { strikes: number; until: number }>();

  constructor(readonly baseMs: number, readonly maxMs: number, readonly max: number) {}

  strike(peerId: string, now: number): void {
    const held = this.#peers.get(peerId);
    const strikes = (held?.strikes ?? 0) + 1;
    if (held === undefined && this.#peers.size >= this.max) this.#peers.delete(this.#peers.keys().next().value as string);
    const ms = strikes < 2 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** (strikes - 2));
    this.#peers.set(peerId, { strikes, until: now + ms });
  }

  blocks(peerId: string, now: number): boolean {
    const p = this.#peers.get(peerId);
    return p !== undefined && p.until > now;
  }
}
