/**
 * A random bounded-degree overlay for simulations: a random Hamiltonian
 * cycle (so the graph is connected) plus random extra edges until the mean
 * degree reaches `meanDegree`, never exceeding `maxDegree` at any node.
 * Deterministic in the RNG.
 */
import { LagoonError } from '../../core/errors.js';
import type { Rng } from '../../sim/rng.js';

export function randomOverlay(n: number, meanDegree: number, maxDegree: number, rng: Rng): number[][] {
  if (!(n >= 3) || !(meanDegree >= 2) || meanDegree > maxDegree || maxDegree >= n) {
    throw LagoonError.invalidArgument(`overlay needs n ≥ 3 and 2 ≤ meanDegree ≤ maxDegree < n (n=${n}, mean=${meanDegree}, max=${maxDegree})`);
  }
  const adj: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  const link = (a: number, b: number): boolean => {
    if (a === b || adj[a]!.has(b) || adj[a]!.size >= maxDegree || adj[b]!.size >= maxDegree) return false;
    adj[a]!.add(b);
    adj[b]!.add(a);
    return true;
  };
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  for (let i = 0; i < n; i++) link(order[i]!, order[(i + 1) % n]!);
  const targetEdges = Math.floor((n * meanDegree) / 2);
  let edges = n;
  // Bounded: each try either adds an edge or fails; give up after 20 tries per wanted edge.
  for (let tries = 0; edges < targetEdges && tries < 20 * targetEdges; tries++) {
    if (link(rng.int(n), rng.int(n))) edges++;
  }
  return adj.map((s) => [...s].sort((a, b) => a - b));
}
