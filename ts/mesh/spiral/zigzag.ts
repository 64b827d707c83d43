/**
 * The zigzag base rule (docs/spiral.md, "Per-line zigzag"), the first half of
 * the exact-degree rule; the second half is splices decided by claims and
 * grants (docs/spiral.md, "Neighbour rule: exactly min(20, N−1)").
 *
 * On every line of each of the 10 axes, each maximal run of occupied cells
 * c1..cm is closed into one cycle of links no longer than 2: ci–ci+2 for
 * every i, plus c1–c2 and cm−1–cm. Locally: c–c+d iff c+d is occupied and
 * c−d or c+2d is not; c–c+2d iff c+d and c+2d are occupied. Both conditions
 * are symmetric in the pair, a node has at most 2 links per axis, and
 * distinct axes never give the same partner: symmetric and ≤ 20 for any
 * occupancy, from the occupancy within distance 2.
 *
 * What a run shorter than 3 leaves missing is a defect: a run of 1 lacks 2
 * link-ends on its node, a run of 2 one on each of its nodes. Each defect is
 * even on its own, which is what lets a local splice complete it.
 */
import { DIRECTIONS, type Coord } from './coords.js';
import type { SlotIndex } from './slot-index.js';

/** The positive direction of each of the 10 axes (DIRECTIONS[2a + 1] is its opposite). */
const AXES: readonly Coord[] = Array.from({ length: 10 }, (_, a) => DIRECTIONS[2 * a]!);

/**
 * A run of 1 (v = u) or 2 (v = u + d) on axis `axis`; u is its end on the
 * negative side, the defect's owner.
 */
export interface Defect {
  readonly u: number;
  readonly v: number;
  readonly axis: number;
}

function step(index: SlotIndex, c: Coord, d: Coord, k: number): number | undefined {
  return index.slotAt(c.q + k * d.q, c.r + k * d.r, c.z + k * d.z);
}

/** The zigzag links of occupied `slot`, ascending (empty if `slot` is not in `index`). */
export function zigzagLinksOf(slot: number, index: SlotIndex): number[] {
  const c = index.coordOf(slot);
  if (c === undefined) return [];
  const out: number[] = [];
  for (const d of AXES) {
    const p1 = step(index, c, d, 1), p2 = step(index, c, d, 2), m1 = step(index, c, d, -1), m2 = step(index, c, d, -2);
    if (p1 !== undefined && (m1 === undefined || p2 === undefined)) out.push(p1);
    if (p1 !== undefined && p2 !== undefined) out.push(p2);
    // The same two conditions seen from the partner on the negative side.
    if (m1 !== undefined && (p1 === undefined || m2 === undefined)) out.push(m1);
    if (m1 !== undefined && m2 !== undefined) out.push(m2);
  }
  return out.sort((a, b) => a - b);
}

/** The defects `slot` belongs to (as u or as v). */
export function defectsAt(slot: number, index: SlotIndex): Defect[] {
  const c = index.coordOf(slot);
  if (c === undefined) return [];
  const out: Defect[] = [];
  AXES.forEach((d, axis) => {
    const p1 = step(index, c, d, 1), m1 = step(index, c, d, -1);
    if (m1 === undefined && p1 === undefined) out.push({ u: slot, v: slot, axis });
    else if (m1 === undefined && step(index, c, d, 2) === undefined) out.push({ u: slot, v: p1!, axis });
    else if (p1 === undefined && step(index, c, d, -2) === undefined) out.push({ u: m1!, v: slot, axis });
  });
  return out;
}
