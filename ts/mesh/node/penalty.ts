/**
 * The penalty box: peers tombstoned more than once, and until when they stay
 * out of this node's view. The first strike costs nothing beyond the prune (a
 * node stalled once under load comes straight back); from the second on the
 * time doubles, so a node that never proves cannot bounce back in by refuting
 * every tombstone.
 *
 * Anyone can sign a tombstone, so the box counts only evidence it can tie to
 * someone: our own prunes, and tombstones signed by mesh members (peers whose
 * records we hold, each keeping a slot with VDF work). And one maker alone
 * never blocks: it takes two distinct makers, so a single member spreading
 * false tombstones cannot keep an honest node out. Bounded: the oldest entry
 * goes first.
 */
interface Held {
  strikes: number;
  /** The first maker, and whether the strikes count: a second maker tombstoned the subject too, or we pruned it. */
  readonly maker: string;
  distinct: boolean;
  until: number;
}

export class PenaltyBox {
  readonly #peers = new Map<string, Held>();
  /**
   * For lapsedBetween: no block ends in (#base, #next). A lower bound of the soonest end after #base (an entry
   * deleted or extended since leaves it early, which costs one scan), so the check every tick is O(1) until
   * something may have lapsed, instead of a scan of up to `max` entries.
   */
  #base = -Infinity;
  #next = -Infinity;

  /** `self`: our own peer id; our own prunes are our own verdict, not hearsay, and count alone. */
  constructor(readonly self: string, readonly baseMs: number, readonly maxMs: number, readonly max: number) {}

  /** A new tombstoned seq of `peerId`, made by `maker` (`self` when we pruned it). */
  strike(peerId: string, now: number, maker: string): void {
    let held = this.#peers.get(peerId);
    if (held === undefined) {
      if (this.#peers.size >= this.max) this.#peers.delete(this.#peers.keys().next().value as string);
      held = { strikes: 0, maker, distinct: false, until: -Infinity };
      this.#peers.set(peerId, held);
    }
    held.strikes++;
    if (this.#counts(held, maker)) held.distinct = true;
    this.#block(held, now);
  }

  /** `maker` tombstoned a seq already struck (several neighbours prune one ghost): no strike, but one more maker. */
  witness(peerId: string, now: number, maker: string): void {
    const held = this.#peers.get(peerId);
    if (held === undefined || held.distinct || !this.#counts(held, maker)) return;
    held.distinct = true;
    this.#block(held, now);
  }

  /** Does `maker` make the strikes count: a second maker, or ourselves (our own verdict, not hearsay)? */
  #counts(held: Held, maker: string): boolean {
    return maker !== held.maker || maker === this.self;
  }

  /** Each strike restarts the time, and so does the second maker: from then on the strikes count. */
  #block(held: Held, now: number): void {
    if (held.strikes < 2 || !held.distinct) return;
    held.until = now + Math.min(this.maxMs, this.baseMs * 2 ** (held.strikes - 2));
    if (held.until > this.#base) this.#next = Math.min(this.#next, held.until);
  }

  /**
   * We verified `peerId`'s VDF proof ourselves: it is alive, whatever was said of it. Its strikes are dropped;
   * true if it was being kept out. (A partition's two prunes, one on each side of the heal, kept an honest node
   * out of its pruner's view for penaltyBaseMs while it linked and proved to everyone else.)
   */
  forgive(peerId: string, now: number): boolean {
    const blocked = this.blocks(peerId, now);
    this.#peers.delete(peerId);
    return blocked;
  }

  /**
   * Whether a block ended in (from, now]: the peer is back in the view without any record of it arriving, and a
   * record's refresh no longer makes the view recompute (its slot, claims and grants are what count).
   */
  lapsedBetween(from: number, now: number): boolean {
    if (from >= this.#base && this.#next > now) return false;
    let lapsed = false;
    let next = Infinity;
    for (const p of this.#peers.values()) {
      if (p.until > from && p.until <= now) lapsed = true;
      if (p.until > now) next = Math.min(next, p.until);
    }
    if (now >= this.#base) {
      this.#base = now;
      this.#next = next;
    }
    return lapsed;
  }

  blocks(peerId: string, now: number): boolean {
    const p = this.#peers.get(peerId);
    return p !== undefined && p.until > now;
  }
}
