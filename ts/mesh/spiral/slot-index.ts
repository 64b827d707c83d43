/**
 * An occupancy index for the SPIRAL neighbour rule: which slots are occupied,
 * looked up by lattice cell. Built once from a node's view (or the whole slot
 * map in the simulator) and updated in place as slots are claimed and freed,
 * so a per-node neighbour query does not convert the whole view to
 * coordinates again (`slotToCoord` is the dominant cost for large views).
 */
import type { Coord } from './coords.js';
import { slotToCoord } from './slots.js';

const B = 1 << 13;
const H = B / 2;

/**
 * A number for a cell, unique while |q|, |r|, |z| < 4,096 (a radius-4,095
 * ball holds ~4·10^11 slots, far beyond any mesh).
 */
export function cellKey(q: number, r: number, z: number): number {
  return ((q + H) * B + (r + H)) * B + (z + H);
}

export class SlotIndex {
  readonly #slotAt = new Map<number, number>();
  readonly #coordOf = new Map<number, Coord>();

  constructor(slots: Iterable<number> = []) {
    for (const s of slots) this.add(s);
  }

  get size(): number {
    return this.#coordOf.size;
  }

  add(slot: number): void {
    if (this.#coordOf.has(slot)) return;
    const c = slotToCoord(slot);
    this.#coordOf.set(slot, c);
    this.#slotAt.set(cellKey(c.q, c.r, c.z), slot);
  }

  delete(slot: number): void {
    const c = this.#coordOf.get(slot);
    if (c === undefined) return;
    this.#coordOf.delete(slot);
    this.#slotAt.delete(cellKey(c.q, c.r, c.z));
  }

  has(slot: number): boolean {
    return this.#coordOf.has(slot);
  }

  /** The coordinate of an occupied slot (undefined when not occupied). */
  coordOf(slot: number): Coord | undefined {
    return this.#coordOf.get(slot);
  }

  /** The slot occupying cell (q, r, z), if any. */
  slotAt(q: number, r: number, z: number): number | undefined {
    return this.#slotAt.get(cellKey(q, r, z));
  }

  slots(): IterableIterator<number> {
    return this.#coordOf.keys();
  }
}
