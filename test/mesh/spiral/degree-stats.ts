/**
 * Graph checks shared by the neighbour-rule test and the degree-table script,
 * so the figures in docs/spiral.md and the assertions in CI count the same way.
 */
import { MAX_DEGREE, type Links } from '../../../ts/mesh/spiral/neighbours.js';

/** The first violation of "symmetric, simple, ≤ 20 links", if any. */
export function checkSymmetricBounded(links: Links): string | undefined {
  for (const [s, ns] of links) {
    if (ns.length > MAX_DEGREE) return `slot ${s} has ${ns.length} links`;
    if (ns.includes(s)) return `slot ${s} links to itself`;
    if (new Set(ns).size !== ns.length) return `slot ${s} has a duplicate link`;
    for (const t of ns) if (!links.get(t)?.includes(s)) return `link ${s}→${t} is not symmetric`;
  }
  return undefined;
}

/** Minimum degree, nodes below `target`, and their total shortfall in link-ends. */
export function degreeStats(links: Links, target: number): { min: number; short: number; deficit: number } {
  let min = Infinity;
  let short = 0;
  let deficit = 0;
  for (const ns of links.values()) {
    min = Math.min(min, ns.length);
    if (ns.length < target) {
      short++;
      deficit += target - ns.length;
    }
  }
  return { min, short, deficit };
}

export const prefix = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
