/**
 * Splices decided by claims and grants (docs/spiral.md, "Splices as claims"
 * and "A design that fits radius 6: grants"): the second half of the
 * exact-degree rule, on top of the zigzag base rule (zigzag.ts); the mesh
 * uses both through zigzagTopology (ts/mesh/node/topology.ts). Pure functions
 * of the occupancy and of the claims and grants a node can read in the
 * records of its scope.
 *
 * A splice completes a defect (u, v) by removing one zigzag link x–y and
 * adding u–x and v–y, neither a zigzag link: x and y keep their degree, u and
 * v gain what they lacked. The defect's owner u *claims* one splice; each end
 * of a zigzag link *grants* it to at most one claim; a claim is active iff
 * both ends grant it.
 */
import { distance, euclid4, sub } from './coords.js';
import type { SlotIndex } from './slot-index.js';
import { defectsAt, zigzagLinksOf, type Defect } from './zigzag.js';

/** How far from u (and v) the ends x and y of the spliced link may be. */
export const SPLICE_RADIUS = 3;

export interface Claim extends Defect {
  readonly x: number;
  readonly y: number;
}

/** A claim's key: owner slot · 10 + axis (one claim per owner and axis), what records carry; claimRank orders them. */
export function claimKey(c: Defect): number {
  return c.u * 10 + c.axis;
}

/**
 * A claim key's rank: lower wins. A bijection of the key (Knuth's
 * multiplicative hash mod 2^32), so ranks never tie, and keys in records stay
 * slot · 10 + axis. In slot order chains of ever lower keys line up along the
 * lattice's faces and claims settle one link of the chain per round; hashed
 * ranks break the chains (docs/spiral.md: 7.6 rounds on average from scratch
 * against 10.3, at worst 12 against 24).
 */
export function claimRank(key: number): number {
  return Math.imul(key, 2654435761) >>> 0;
}

/** The owner slot and axis a claim key stands for (claimKey's inverse). */
export function claimOfKey(key: number): { u: number; axis: number } {
  return { u: Math.floor(key / 10), axis: key % 10 };
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`);

/** Whether `c` is a splice its owner may claim in this occupancy. */
export function claimValid(c: Claim, index: SlotIndex): boolean {
  const { u, v, x, y } = c;
  if (x === u || x === v || y === u || y === v || x === y) return false;
  if (pairKey(u, x) === pairKey(v, y)) return false;
  if (!defectsAt(u, index).some((d) => d.u === u && d.v === v && d.axis === c.axis)) return false;
  const cu = index.coordOf(u), cv = index.coordOf(v), cx = index.coordOf(x), cy = index.coordOf(y);
  if (cu === undefined || cv === undefined || cx === undefined || cy === undefined) return false;
  if (distance(cu, cx) > SPLICE_RADIUS || distance(cv, cy) > SPLICE_RADIUS) return false;
  const zx = zigzagLinksOf(x, index);
  if (!zx.includes(y) || zx.includes(u) || zigzagLinksOf(y, index).includes(v)) return false;
  return true;
}

/**
 * Node `node`'s grants: for each of its zigzag links, the key of the claim it
 * grants that link to. Going through the valid claims on its links in key
 * order, a claim gets the link if the link is not granted yet and the partner
 * it would give `node` is new: not a zigzag neighbour, not given by a grant
 * already made, not added by one of `node`'s own claims with a lower key.
 * `claims` may hold any claims (those not on `node`'s links are ignored).
 */
export function grantsOf(node: number, index: SlotIndex, claims: Iterable<Claim>): Map<number, number> {
  const zig = new Set(zigzagLinksOf(node, index));
  const own = new Map<number, number>();
  const mine: Claim[] = [];
  for (const c of claims) {
    if (c.u !== node && c.v !== node && c.x !== node && c.y !== node) continue;
    if (!claimValid(c, index)) continue;
    const k = claimRank(claimKey(c));
    if (c.u === node) own.set(c.x, Math.min(own.get(c.x) ?? Infinity, k));
    if (c.v === node) own.set(c.y, Math.min(own.get(c.y) ?? Infinity, k));
    if (c.x === node || c.y === node) mine.push(c);
  }
  mine.sort((a, b) => claimRank(claimKey(a)) - claimRank(claimKey(b)));
  const grants = new Map<number, number>();
  const given = new Set<number>();
  for (const c of mine) {
    const other = c.x === node ? c.y : c.x;
    const partner = c.x === node ? c.u : c.v;
    const k = claimKey(c);
    if (!zig.has(other) || grants.has(other)) continue;
    if (zig.has(partner) || given.has(partner) || (own.get(partner) ?? Infinity) < claimRank(k)) continue;
    grants.set(other, k);
    given.add(partner);
  }
  return grants;
}

/** Active iff both ends of the spliced link grant it (`grantsAt(n)`: node n's grants, as grantsOf returns them). */
export function isActive(c: Claim, grantsAt: (node: number) => ReadonlyMap<number, number> | undefined): boolean {
  const k = claimKey(c);
  return grantsAt(c.x)?.get(c.y) === k && grantsAt(c.y)?.get(c.x) === k;
}

/**
 * The owner's best splice for `d`, avoiding every link granted to a lower key
 * and every pair a lower-key claim adds (`lower`: the claims it can read,
 * any key; `grantsAt`: the grants it can read). Nearest first, then Euclidean,
 * then the smaller slot, so every node computing it agrees.
 */
export function bestClaim(d: Defect, index: SlotIndex, lower: Iterable<Claim>, grantsAt: (node: number) => ReadonlyMap<number, number> | undefined): Claim | undefined {
  const key = claimKey(d);
  const rank = claimRank(key);
  const added = new Set<string>();
  for (const c of lower) if (claimRank(claimKey(c)) < rank) { added.add(pairKey(c.u, c.x)); added.add(pairKey(c.v, c.y)); }
  const cu = index.coordOf(d.u), cv = index.coordOf(d.v);
  if (cu === undefined || cv === undefined) return undefined;
  let best: Claim | undefined;
  let bestScore = Infinity;
  const zu = new Set(zigzagLinksOf(d.u, index)), zv = new Set(zigzagLinksOf(d.v, index));
  for (let dq = -SPLICE_RADIUS; dq <= SPLICE_RADIUS; dq++) for (let dr = -SPLICE_RADIUS; dr <= SPLICE_RADIUS; dr++) for (let dz = -SPLICE_RADIUS; dz <= SPLICE_RADIUS; dz++) {
    const x = index.slotAt(cu.q + dq, cu.r + dr, cu.z + dz);
    if (x === undefined || x === d.u || x === d.v || zu.has(x) || added.has(pairKey(d.u, x))) continue;
    const cx = index.coordOf(x)!;
    if (distance(cu, cx) > SPLICE_RADIUS) continue;
    for (const y of zigzagLinksOf(x, index)) {
      if (y === d.u || y === d.v || zv.has(y) || added.has(pairKey(d.v, y)) || pairKey(d.u, x) === pairKey(d.v, y)) continue;
      const cy = index.coordOf(y)!;
      if (distance(cv, cy) > SPLICE_RADIUS) continue;
      const gx = grantsAt(x)?.get(y), gy = grantsAt(y)?.get(x);
      if ((gx !== undefined && claimRank(gx) < rank) || (gy !== undefined && claimRank(gy) < rank)) continue;
      const score = (distance(cu, cx) + distance(cv, cy)) * 1e6 + (euclid4(sub(cu, cx)) + euclid4(sub(cv, cy))) * 1e3 + Math.min(x, y) / 1e9;
      if (score < bestScore) { bestScore = score; best = { ...d, x, y }; }
    }
  }
  return best;
}

/** Node `node`'s links: its zigzag links, less those active claims remove, plus those they add. */
export function splicedLinksOf(node: number, index: SlotIndex, active: Iterable<Claim>): number[] {
  const out = new Set(zigzagLinksOf(node, index));
  for (const c of active) {
    if (c.x === node) out.delete(c.y);
    if (c.y === node) out.delete(c.x);
  }
  for (const c of active) {
    if (c.u === node) out.add(c.x);
    if (c.x === node) out.add(c.u);
    if (c.v === node) out.add(c.y);
    if (c.y === node) out.add(c.v);
  }
  return [...out].sort((a, b) => a - b);
}
