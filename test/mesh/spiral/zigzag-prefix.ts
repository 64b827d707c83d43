/**
 * Shared by the zigzag and splice research scripts: the zigzag graph of a
 * prefix (slots 0..N−1), its defects, as docs/spiral.md ("Per-line zigzag")
 * defines them, and the order in which a defect ranks its splices.
 */
import { DIRECTIONS, distance, euclid4, sub, type Coord } from '../../../ts/mesh/spiral/coords.js';
import { cellKey } from '../../../ts/mesh/spiral/slot-index.js';
import { slotToCoord } from '../../../ts/mesh/spiral/slots.js';

/** An undirected pair as one number (slots stay below 10⁷). */
export const ek = (a: number, b: number): number => (a < b ? a * 1e7 + b : b * 1e7 + a);

/** A run of 1 (u = v) or 2 (u, v = u + d) on one line; `key` orders claims (slot·10 + axis, or its hash). */
export interface Defect { readonly u: number; readonly v: number; readonly key: number }

export interface ZigzagPrefix {
  readonly n: number;
  readonly cells: Coord[];
  /** Zigzag neighbours per slot. */
  readonly zig: Set<number>[];
  readonly defects: Defect[];
  /** Occupied slots within `radius` of slot `i` (not `i`). */
  within(i: number, radius: number): number[];
}

export function zigzagPrefix(n: number, hashedKeys = false): ZigzagPrefix {
  const cells = Array.from({ length: n }, (_, i) => slotToCoord(i));
  const occ = new Map<number, number>();
  cells.forEach((c, i) => occ.set(cellKey(c.q, c.r, c.z), i));
  const at = (i: number, d: Coord, k: number) => { const c = cells[i]!; return occ.get(cellKey(c.q + k * d.q, c.r + k * d.r, c.z + k * d.z)); };
  const zig: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  const defects: Defect[] = [];
  const link = (a: number, b: number) => { zig[a]!.add(b); zig[b]!.add(a); };
  for (let i = 0; i < n; i++) {
    for (let axis = 0; axis < 10; axis++) {
      const d = DIRECTIONS[2 * axis]!;
      const p1 = at(i, d, 1), p2 = at(i, d, 2), m1 = at(i, d, -1);
      // c–c+d iff c is an end of its run or c+d is; c–c+2d iff both are in the run.
      if (p1 !== undefined && (m1 === undefined || p2 === undefined)) link(i, p1);
      if (p1 !== undefined && p2 !== undefined) link(i, p2);
      const key = hashedKeys ? ((i * 10 + axis) * 2654435761) >>> 0 : i * 10 + axis;
      if (m1 === undefined && p1 === undefined) defects.push({ u: i, v: i, key });
      else if (m1 === undefined && p2 === undefined) defects.push({ u: i, v: p1!, key });
    }
  }
  const within = (i: number, radius: number) => {
    const out: number[] = [];
    const c = cells[i]!;
    for (let dq = -radius; dq <= radius; dq++) for (let dr = -radius; dr <= radius; dr++) for (let dz = -radius; dz <= radius; dz++) {
      const s = occ.get(cellKey(c.q + dq, c.r + dr, c.z + dz));
      if (s !== undefined && s !== i && distance(c, cells[s]!) <= radius) out.push(s);
    }
    return out;
  };
  return { n, cells, zig, defects, within };
}

/**
 * How a defect (u, v) ranks the splice that removes x–y and adds u–x, v–y
 * (lower is better): nearest first, then Euclidean, then the smaller slot.
 */
export function spliceScore(cells: readonly Coord[], u: number, v: number, x: number, y: number, n: number): number {
  const cu = cells[u]!, cv = cells[v]!, cx = cells[x]!, cy = cells[y]!;
  return (distance(cu, cx) + distance(cv, cy)) * 1e6 + (euclid4(sub(cu, cx)) + euclid4(sub(cv, cy))) * 1e3 + Math.min(x, y) / n;
}
