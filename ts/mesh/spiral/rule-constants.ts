/**
 * Parameters of the SPIRAL neighbour rule (neighbours.ts) and its pair key,
 * in a file of their own so the global and the lazy per-node computations
 * (local-links.ts) share them without importing each other.
 */

export const MAX_DEGREE = 20;
/** Ray links reach the first occupied cell within this many steps. */
export const RAY_LENGTH = 2;
/** Fill-in candidates lie within this distance. */
export const FILL_RADIUS = 2;
/**
 * One round keeps VIEW_RADIUS at 6, so a node's record scope (ball(6) =
 * 1,651 cells) is a bounded part of a large mesh. Three rounds of radius 3
 * (view 20) strand less capacity but need ball(20) = 52,821 cells, which
 * covers every mesh we run; of the rules with view ≤ 6 this one has the best
 * worst-case degree (docs/spiral.md, "Degree").
 */
export const FILL_ROUNDS = 1;
/** Occupancy farther than this from a node never changes its links (see neighbours.ts). */
export const VIEW_RADIUS = RAY_LENGTH + 2 * FILL_ROUNDS * FILL_RADIUS;

/** A 32-bit mix of an unordered slot pair (a < b): the last tie-break. */
export function pairMix(a: number, b: number): number {
  let h = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(((b >>> 0) + 0x7f4a7c15) | 0, 0xc2b2ae35);
  h ^= Math.floor(a / 2 ** 32) * 31 + Math.floor(b / 2 ** 32);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
