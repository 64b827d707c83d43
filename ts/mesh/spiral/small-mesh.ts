/**
 * The exact-degree rule below SMALL_MESH_SLOTS: a circulant graph on the
 * occupied slots in ascending order, each linked to the 10 before and the 10
 * after it, cyclically.
 *
 * Zigzag plus splices (zigzag.ts, splices.ts) is exact for every prefix from
 * N = 35 up (docs/spiral.md), but not below: a run of the lattice that small
 * has too few cells within the splice radius. Below 35 slots every node sees
 * every other (all 35 lie within distance 4 of each other, well inside the
 * record scope of 6), so a rule of the whole occupancy is still local.
 *
 * Proof sketch: with n occupied slots, offsets ±1..±10 modulo n give n − 1
 * distinct partners when n ≤ 21 (every other node: the complete graph) and
 * exactly 20 when n ≥ 21 (two offsets ±k, ±k' coincide only if k + k' ≡ 0
 * mod n, which needs n ≤ 20); the relation "j − i ≡ ±k mod n" is symmetric.
 * Hence min(20, n − 1) for every node, symmetric, from the occupancy alone.
 */
import { MAX_DEGREE } from './rule-constants.js';

/** Occupancies whose highest slot is below this use the circulant rule. */
export const SMALL_MESH_SLOTS = 35;

/** Whether `occupiedSorted` (ascending) is a small mesh. */
export function isSmallMesh(occupiedSorted: readonly number[]): boolean {
  return occupiedSorted.length > 0 && occupiedSorted[occupiedSorted.length - 1]! < SMALL_MESH_SLOTS;
}

/** The circulant links of `self` in a small mesh (ascending; empty if `self` is not occupied). */
export function smallMeshLinksOf(self: number, occupiedSorted: readonly number[]): number[] {
  const n = occupiedSorted.length;
  const i = occupiedSorted.indexOf(self);
  if (i < 0) return [];
  const out = new Set<number>();
  for (let k = 1; k <= MAX_DEGREE / 2; k++) {
    out.add(occupiedSorted[(i + k) % n]!);
    out.add(occupiedSorted[(i - k + n * k) % n]!);
  }
  out.delete(self);
  return [...out].sort((a, b) => a - b);
}
