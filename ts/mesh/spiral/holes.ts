/**
 * Hole filling: how departed nodes' slots are reclaimed so the occupied set
 * returns to a prefix 0..N−1 of the slot order, without oscillation.
 *
 * A *hole* is a free slot lower than the highest occupied slot a node knows.
 * A node at slot s moves, at time `now`, to slot h iff all hold:
 *  1. h is the lowest hole it knows (a slot it saw occupied and then free; a
 *     node that sees only its neighbourhood cannot call a slot it never saw a
 *     hole, so an unknown lower slot does not block a known one);
 *  2. h has been free for at least `stableMs` (its claim expired and nobody
 *     re-claimed it: no VDF attestation = dead, per the identity rules);
 *  3. s is the highest occupied slot it knows, and s > h.
 *
 * Why it terminates without oscillation: a node only ever moves to a strictly
 * lower slot, so every node's slot decreases monotonically and the number of
 * moves is finite. The mover is the current maximum, so the slot it vacates is
 * above every occupied slot: it is not a hole and nobody moves into it. Each
 * move removes exactly one hole, and a node that moved is no longer the
 * maximum until every hole below it is filled, so no node moves twice for the
 * same hole. If two frontier nodes that do not see each other both move to h,
 * that is an ordinary slot conflict (resolveSlotConflict), and the loser takes
 * the lowest free slot, which is again strictly lower than where it came from.
 *
 * Pure: the caller supplies what it knows and the time.
 */
export interface HoleView {
  /** Occupied slots this node knows (its own included). */
  readonly occupied: ReadonlySet<number>;
  /** For free slots below the max: when the node learned they became free (ms). */
  readonly freeSince: ReadonlyMap<number, number>;
}

export const DEFAULT_HOLE_STABLE_MS = 30_000;

/** Target slot this node should move to now, or undefined to stay. */
export function planHoleMove(self: number, view: HoleView, now: number, stableMs = DEFAULT_HOLE_STABLE_MS): number | undefined {
  let max = self;
  for (const s of view.occupied) if (s > max) max = s;
  if (max !== self) return undefined;
  let h = Infinity;
  for (const s of view.freeSince.keys()) if (s < h && !view.occupied.has(s)) h = s;
  if (h >= self) return undefined;
  const since = view.freeSince.get(h);
  if (since === undefined || now - since < stableMs) return undefined;
  return h;
}
