/**
 * One node's SPIRAL links, computed lazily from an occupancy index: the same
 * answer as `computeLinks(all).get(self)` (neighbours.ts defines the rule),
 * but touching only the cells the answer depends on.
 *
 * The global computation runs every round for every node. Here each quantity
 * is a memoised function of (round, node) and is evaluated only when asked:
 *  - links(r+1, v) = links(r, v) ∪ {u ∈ top(r, v) : v ∈ top(r, u)}
 *  - top(r, v)     = the first cap(r, v) entries u of ranked(v) with
 *                    cap(r, u) > 0 and u ∉ links(r, v)
 *  - cap(r, v)     = 20 − |links(r, v)|, ranked(v) needs the ray degree of
 *                    the nodes within FILL_RADIUS.
 * A node whose 20 rays are all taken (every interior node) has cap 0 and an
 * empty top list in every round, so its answer is its rays: about 40 cell
 * look-ups. A surface node pulls in only surface nodes (those with capacity)
 * within the dependency cone, never the 3-D ball of VIEW_RADIUS.
 *
 * Memo tables live for one evaluator; make a new one after the index changes
 * (an evaluator is cheap: it allocates nothing until asked).
 */
import { DIRECTIONS, distance, euclid4, offsetsWithin, type Coord } from './coords.js';
import { FILL_RADIUS, FILL_ROUNDS, MAX_DEGREE, RAY_LENGTH, pairMix } from './rule-constants.js';
import type { SlotIndex } from './slot-index.js';

const FILL_OFFSETS: readonly Coord[] = offsetsWithin(FILL_RADIUS);
const ORIGIN: Coord = { q: 0, r: 0, z: 0 };

export class LinkEvaluator {
  readonly #index: SlotIndex;
  readonly #rays = new Map<number, Set<number>>();
  readonly #ranked = new Map<number, number[]>();
  /** #links[r] : slot → links after r fill rounds (r = 0 is the rays). */
  readonly #links: Map<number, Set<number>>[] = [];
  readonly #top: Map<number, Set<number>>[] = [];

  constructor(index: SlotIndex) {
    this.#index = index;
    for (let r = 0; r <= FILL_ROUNDS; r++) this.#links.push(new Map());
    for (let r = 0; r < FILL_ROUNDS; r++) this.#top.push(new Map());
  }

  /** Sorted links of an occupied slot (empty when `slot` is not occupied). */
  linksOf(slot: number): number[] {
    if (!this.#index.has(slot)) return [];
    return [...this.#linksAt(FILL_ROUNDS, slot)].sort((a, b) => a - b);
  }

  #coord(slot: number): Coord {
    return this.#index.coordOf(slot)!;
  }

  #raysOf(v: number): Set<number> {
    let out = this.#rays.get(v);
    if (out !== undefined) return out;
    out = new Set();
    const c = this.#coord(v);
    for (const d of DIRECTIONS) {
      for (let k = 1; k <= RAY_LENGTH; k++) {
        const u = this.#index.slotAt(c.q + k * d.q, c.r + k * d.r, c.z + k * d.z);
        if (u !== undefined) {
          out.add(u);
          break;
        }
      }
    }
    this.#rays.set(v, out);
    return out;
  }

  #open0(v: number): boolean {
    return this.#raysOf(v).size < MAX_DEGREE;
  }

  /** Fill candidates of v in pair-key order (see neighbours.ts). */
  #rankedOf(v: number): number[] {
    let out = this.#ranked.get(v);
    if (out !== undefined) return out;
    out = [];
    if (this.#open0(v)) {
      const c = this.#coord(v);
      const rays = this.#raysOf(v);
      const cands: { u: number; d: number; e: number; m: number }[] = [];
      for (const o of FILL_OFFSETS) {
        const u = this.#index.slotAt(c.q + o.q, c.r + o.r, c.z + o.z);
        if (u === undefined || rays.has(u) || !this.#open0(u)) continue;
        cands.push({ u, d: distance(o, ORIGIN), e: euclid4(o), m: v < u ? pairMix(v, u) : pairMix(u, v) });
      }
      cands.sort((x, y) => x.d - y.d || x.e - y.e || x.m - y.m || x.u - y.u);
      out = cands.map((x) => x.u);
    }
    this.#ranked.set(v, out);
    return out;
  }

  #linksAt(r: number, v: number): Set<number> {
    if (r === 0) return this.#raysOf(v);
    const memo = this.#links[r]!;
    let out = memo.get(v);
    if (out !== undefined) return out;
    const prev = this.#linksAt(r - 1, v);
    out = prev;
    for (const u of this.#topAt(r - 1, v)) {
      if (this.#topAt(r - 1, u).has(v)) {
        if (out === prev) out = new Set(prev);
        out.add(u);
      }
    }
    memo.set(v, out);
    return out;
  }

  #capAt(r: number, v: number): number {
    return MAX_DEGREE - this.#linksAt(r, v).size;
  }

  #topAt(r: number, v: number): Set<number> {
    const memo = this.#top[r]!;
    let out = memo.get(v);
    if (out !== undefined) return out;
    out = new Set();
    let want = this.#capAt(r, v);
    if (want > 0) {
      const linked = this.#linksAt(r, v);
      for (const u of this.#rankedOf(v)) {
        if (want === 0) break;
        if (!linked.has(u) && this.#capAt(r, u) > 0) {
          out.add(u);
          want--;
        }
      }
    }
    memo.set(v, out);
    return out;
  }
}
