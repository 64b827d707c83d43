/**
 * The SPIRAL slot order: a bijection between slot indices 0, 1, 2, … and
 * lattice cells, shell by shell, in which **every two consecutive slots are
 * lattice neighbours** (distance 1), across shell boundaries too. So the
 * occupied prefix 0..N−1 is a connected walk, and a node that is not the
 * highest slot always has the next slot among its lattice neighbours: a
 * node that sees only its neighbourhood can climb to the top of the prefix.
 *
 * Slot 0 is the origin; shell n (n ≥ 1) holds the 18n²+2 cells at distance
 * n. Odd shells run upward:
 *
 *   1. the bottom cap z = −n (a hex disk of radius n, 3n²+3n+1 cells),
 *      centre first, then rings 1..n;
 *   2. the 2n−1 middle rings z = −(n−1), …, +(n−1) in increasing z (each
 *      the hex ring of radius n, 6n cells);
 *   3. the top cap z = +n, rim first: rings n..1, then the centre.
 *
 * Even shells are the mirror image (z → −z): top cap centre first, middle
 * rings downward, bottom cap ending at its centre. Shell n ends at (0,0,±n)
 * and shell n+1 starts at (0,0,±(n+1)), directly beyond it.
 *
 * Every ring (cap or middle) is walked the same way: from the cell after the
 * corner ρ·D4 round to that corner (ring position 1, 2, …, 6ρ−1, 0 of the
 * usual walk along D0, …, D5). Ring ρ then ends at ρ·D4, next to where ring
 * ρ+1 starts, ρ·D4 + D5; a middle ring ends at the corner and the ring above
 * starts one step along, diagonally adjacent; the first middle ring starts
 * diagonally above the bottom cap's last cell and the top cap starts
 * directly above the last middle ring's. No per-ring rotation is needed.
 *
 * Every function here is O(1) arithmetic (a cube root and a square root with
 * an integer correction), exact for indices up to 2^50, so slot 10^7 costs the
 * same as slot 7.
 */
import { LagoonError } from '../../core/errors.js';
import { HEX_DIRECTIONS, hexDistance, norm, type Coord } from './coords.js';

/** Number of cells at distance exactly n. */
export function shellSize(n: number): number {
  return n === 0 ? 1 : 18 * n * n + 2;
}

/** Number of cells at distance ≤ n (n ≥ −1). */
export function ballSize(n: number): number {
  return n < 0 ? 0 : 6 * n * n * n + 9 * n * n + 5 * n + 1;
}

const MAX_SLOT = 2 ** 50;

function checkSlot(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_SLOT) {
    throw LagoonError.invalidArgument(`slot index must be an integer in [0, 2^50], got ${index}`);
  }
}

/** The shell (distance from the origin) of a slot. */
export function shellOf(index: number): number {
  checkSlot(index);
  let n = Math.max(0, Math.floor(Math.cbrt(index / 6)));
  while (n > 0 && ballSize(n - 1) > index) n--;
  while (ballSize(n) <= index) n++;
  return n;
}

function diskSize(rho: number): number {
  return rho < 0 ? 0 : 3 * rho * rho + 3 * rho + 1;
}

/** Cell at position `pos` of the usual walk of hex ring `rho`: from corner rho·D4 along D0, …, D5. */
function ringCell(rho: number, pos: number): [number, number] {
  if (rho === 0) return [0, 0];
  const side = Math.floor(pos / rho);
  const step = pos - side * rho;
  const corner = HEX_DIRECTIONS[(4 + side) % 6]!;
  const dir = HEX_DIRECTIONS[side]!;
  return [rho * corner[0] + step * dir[0], rho * corner[1] + step * dir[1]];
}

function ringPos(q: number, r: number, rho: number): number {
  if (rho === 0) return 0;
  for (let side = 0; side < 6; side++) {
    const corner = HEX_DIRECTIONS[(4 + side) % 6]!;
    const dir = HEX_DIRECTIONS[side]!;
    const dq = q - rho * corner[0];
    const dr = r - rho * corner[1];
    // (dq, dr) must be step·dir with 0 ≤ step < rho
    const step = dir[0] !== 0 ? dq / dir[0] : dr / dir[1];
    if (step >= 0 && step < rho && dq === step * dir[0] && dr === step * dir[1]) return side * rho + step;
  }
  throw new Error(`unreachable: (${q},${r}) is not on ring ${rho}`);
}

// Slot order walks each ring from position 1 round to position 0 (see the top
// of the file): walk step k is ring position k+1, wrapping at 6ρ.
function walkCell(rho: number, k: number): [number, number] {
  return ringCell(rho, k + 1 === 6 * rho ? 0 : k + 1);
}

function walkStep(q: number, r: number, rho: number): number {
  const pos = ringPos(q, r, rho);
  return pos === 0 ? 6 * rho - 1 : pos - 1;
}

/** The k-th cell of a cap walked centre first (rings 0, 1, …, each walked as above). */
function diskCell(k: number): [number, number] {
  if (k === 0) return [0, 0];
  let rho = Math.max(1, Math.floor((Math.sqrt(12 * k - 3) - 3) / 6));
  while (diskSize(rho - 1) > k) rho--;
  while (diskSize(rho) <= k) rho++;
  return walkCell(rho, k - diskSize(rho - 1));
}

function diskIndex(q: number, r: number): number {
  const rho = hexDistance(q, r);
  return rho === 0 ? 0 : diskSize(rho - 1) + walkStep(q, r, rho);
}

/** Odd shells run upward; even shells are their mirror image in z. */
const upward = (n: number): boolean => n % 2 === 1;

export function slotToCoord(index: number): Coord {
  const n = shellOf(index);
  if (n === 0) return { q: 0, r: 0, z: 0 };
  const o = index - ballSize(n - 1);
  const cap = diskSize(n);
  const ringCells = 6 * n;
  const middle = ringCells * (2 * n - 1);
  let q: number;
  let r: number;
  let u: number; // z in the upward frame
  if (o < cap) {
    [q, r] = diskCell(o);
    u = -n;
  } else if (o < cap + middle) {
    const m = Math.floor((o - cap) / ringCells);
    [q, r] = walkCell(n, o - cap - m * ringCells);
    u = m - (n - 1);
  } else {
    [q, r] = diskCell(cap - 1 - (o - cap - middle));
    u = n;
  }
  return { q, r, z: upward(n) ? u : -u };
}

export function coordToSlot(c: Coord): number {
  const n = norm(c);
  if (n === 0) return 0;
  const base = ballSize(n - 1);
  const cap = diskSize(n);
  const u = upward(n) ? c.z : -c.z;
  if (u === -n) return base + diskIndex(c.q, c.r);
  const ringCells = 6 * n;
  if (u < n) return base + cap + (u + n - 1) * ringCells + walkStep(c.q, c.r, n);
  return base + cap + ringCells * (2 * n - 1) + (cap - 1 - diskIndex(c.q, c.r));
}
