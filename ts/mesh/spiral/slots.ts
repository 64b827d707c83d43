/**
 * The SPIRAL slot order: a bijection between slot indices 0, 1, 2, … and
 * lattice cells, shell by shell. Slot 0 is the origin; shell n (n ≥ 1) holds
 * the 18n²+2 cells at distance n and is laid out as
 *
 *   1. the 2n−1 middle layers, in order z = 0, +1, −1, +2, −2, …, ±(n−1);
 *      each is the hex ring of radius n (6n cells), walked from the corner
 *      n·D4 along D0, D1, …, D5 (the usual hex-ring walk);
 *   2. the top cap z = +n: the full hex disk of radius n (3n²+3n+1 cells),
 *      centre first, then rings 1..n, each walked as above;
 *   3. the bottom cap z = −n, likewise.
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

function diskCell(k: number): [number, number] {
  if (k === 0) return [0, 0];
  let rho = Math.max(1, Math.floor((Math.sqrt(12 * k - 3) - 3) / 6));
  while (diskSize(rho - 1) > k) rho--;
  while (diskSize(rho) <= k) rho++;
  return ringCell(rho, k - diskSize(rho - 1));
}

function diskIndex(q: number, r: number): number {
  const rho = hexDistance(q, r);
  return rho === 0 ? 0 : diskSize(rho - 1) + ringPos(q, r, rho);
}

/** Layer order of the middle rings: 0, +1, −1, +2, −2, … */
function layerOfRing(m: number): number {
  return m === 0 ? 0 : m % 2 === 1 ? (m + 1) / 2 : -m / 2;
}

function ringOfLayer(z: number): number {
  return z === 0 ? 0 : z > 0 ? 2 * z - 1 : -2 * z;
}

export function slotToCoord(index: number): Coord {
  const n = shellOf(index);
  if (n === 0) return { q: 0, r: 0, z: 0 };
  let o = index - ballSize(n - 1);
  const ringCells = 6 * n;
  const middle = ringCells * (2 * n - 1);
  if (o < middle) {
    const m = Math.floor(o / ringCells);
    const [q, r] = ringCell(n, o - m * ringCells);
    return { q, r, z: layerOfRing(m) };
  }
  o -= middle;
  const cap = diskSize(n);
  const z = o < cap ? n : -n;
  const [q, r] = diskCell(o < cap ? o : o - cap);
  return { q, r, z };
}

export function coordToSlot(c: Coord): number {
  const n = norm(c);
  if (n === 0) return 0;
  const base = ballSize(n - 1);
  const ringCells = 6 * n;
  if (Math.abs(c.z) < n) return base + ringOfLayer(c.z) * ringCells + ringPos(c.q, c.r, n);
  const middle = ringCells * (2 * n - 1);
  return base + middle + (c.z === n ? 0 : diskSize(n)) + diskIndex(c.q, c.r);
}
