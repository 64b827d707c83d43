/** What the mesh scenario tests share: a world on the test's seed, and a failure message that says how to replay it. */
import { resolveSeed } from '../../ts/sim/testing.js';
import { buildMeshWorld, type MeshScenario, type MeshWorld } from '../../ts/sim/mesh/scenario.js';
import type { SimMeshNode } from '../../ts/sim/mesh/world.js';

export function scenario(title: string, s: Omit<MeshScenario, 'seed'>): { w: MeshWorld; seed: number } {
  const seed = resolveSeed(title);
  return { w: buildMeshWorld({ ...s, seed }), seed };
}

export function explain(seed: number, violations: readonly string[]): string {
  return `seed=${seed} (replay: LAGOON_SEED=${seed}); ${violations.length} violations: ${violations.slice(0, 6).join('; ')}`;
}

/** Whether the nodes' slots are exactly 0..n−1: no hole left (a slot skipped by a lapsed reservation is a hole too). */
export function slotsArePrefix(nodes: readonly SimMeshNode[]): boolean {
  return nodes.map((node) => node.machine.slot!).sort((a, b) => a - b).every((s, i) => s === i);
}
