/**
 * The SPIRAL rule as the mesh node uses it: which slots `self` links to given
 * the occupied slots it knows, and how far it must see (its record scope).
 * Results are memoised by occupancy, because the rule is a pure function of it
 * and many callers (every node of a simulator, the concierge answering a wave
 * of joins) ask about the same occupancy.
 */
import { VIEW_RADIUS } from '../spiral/neighbours.js';
import { SlotIndex } from '../spiral/slot-index.js';
import { LinkEvaluator } from '../spiral/local-links.js';
import { distance } from '../spiral/coords.js';
import { slotToCoord } from '../spiral/slots.js';

export interface Topology {
  /** Occupancy farther than this from a node never changes its links. */
  readonly viewRadius: number;
  /** Slots `self` links to, given occupied slots (sorted ascending, `self` included). */
  neighbours(self: number, occupiedSorted: readonly number[]): number[];
  /** Lattice distance between two slots. */
  distance(a: number, b: number): number;
}

function occupancyKey(sorted: readonly number[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x1000193;
  for (const s of sorted) {
    h1 = Math.imul(h1 ^ s, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ (s * 2654435761), 0x85ebca6b) >>> 0;
  }
  return `${sorted.length}:${h1.toString(36)}:${h2.toString(36)}`;
}

/**
 * The SPIRAL rule of ts/mesh/spiral, evaluated per node (only what that node's
 * answer depends on), with a small LRU of evaluators by occupancy: one
 * evaluator answers every node that sees the same occupancy.
 */
export function spiralTopology(memoSize = 8): Topology {
  const memo = new Map<string, LinkEvaluator>();
  const coords = new Map<number, ReturnType<typeof slotToCoord>>();
  const coord = (s: number) => {
    let c = coords.get(s);
    if (c === undefined) {
      if (coords.size > 200_000) coords.clear();
      c = slotToCoord(s);
      coords.set(s, c);
    }
    return c;
  };
  return {
    viewRadius: VIEW_RADIUS,
    neighbours(self, occupiedSorted) {
      const key = occupancyKey(occupiedSorted);
      let ev = memo.get(key);
      if (ev === undefined) {
        ev = new LinkEvaluator(new SlotIndex(occupiedSorted));
        if (memo.size >= memoSize) memo.delete(memo.keys().next().value as string);
      } else {
        memo.delete(key); // most recently used last
      }
      memo.set(key, ev);
      return ev.linksOf(self);
    },
    distance: (a, b) => distance(coord(a), coord(b)),
  };
}
