/**
 * A partition and its heal when the mesh is larger than each node's scope (issue 5): each half prunes the
 * other and moves down into the holes it sees, so at the heal many slots are held twice; the losers
 * of those conflicts are re-placed one by one by the frontier node, which hands its turn on to the highest of them
 * only once it sees that one arrive. Prints its seed on failure; LAGOON_SEED=<seed> replays it.
 */
import test from 'ava';
import { buildMeshWorld, runUntilConverged, type MeshWorld } from '../../ts/sim/mesh/scenario.js';
import { resolveSeed } from '../../ts/sim/testing.js';
import { latticeTopology } from '../../ts/mesh/node/topology.js';
import { ballSize } from '../../ts/mesh/spiral/slots.js';
import { explain } from './mesh-helpers.js';

/** 100 nodes, plain lattice adjacency and a scope of 2 (ball(2) = 95 records), as in mesh-scopes. */
const N = 100;
const HEAL_AT_MS = 120_000;

/**
 * The mesh of these tests: the last `cut` of its joiners are cut off from 60 s to HEAL_AT_MS. The seed is the
 * title's (or LAGOON_SEED's), or `pinned` for a test whose situation only some seeds produce (a node left alone, an
 * island of two): such a test is a fixture of that one run, so it keeps its seed whatever LAGOON_SEED says (under
 * LAGOON_SEED=random or another seed it failed its own precondition, which told nothing about the mesh).
 */
function scopedSplit(title: string, cut: number, pinned?: number): { w: MeshWorld; seed: number } {
  const seed = pinned ?? resolveSeed(title);
  const w = buildMeshWorld({
    seed, n: N, wave: 50, waveGapMs: 3000, topology: latticeTopology(), partition: { atMs: 60_000, healAtMs: HEAL_AT_MS, cut },
    config: { scopeMargin: 1, holeStableMs: 10_000 },
  });
  return { w, seed };
}

test('a partition of a mesh larger than its scopes heals: nodes re-placed after a lost conflict tell their placer, and the frontier keeps moving', (t) => {
  const { w, seed } = scopedSplit('mesh-scoped-partition', 0.5);
  const before = runUntilConverged(w, w.lastStartMs, 59_000);
  t.deepEqual(before.report.violations, [], explain(seed, before.report.violations));
  w.sim.run({ maxTimeMs: HEAL_AT_MS - 1, maxEvents: 50_000_000 });
  const lostBefore = w.honest.reduce((a, node) => a + node.machine.counters.conflictsLost, 0);
  // Each half pruned the other and moved down into its holes: many slots are held twice by now.
  const slots = w.honest.map((node) => node.machine.slot);
  const twice = slots.length - new Set(slots).size;
  t.true(twice >= N / 10, `seed=${seed}: ${twice} slots held twice before the heal`);
  // A re-placed node used to take its slot without linking to the frontier that placed it; unless they were lattice
  // neighbours the frontier could not pass its turn to it, and parked every join until the joiner gave up: merges
  // took 75–95 s after the heal on seeds 1–5, and seed 3 had not merged 300 s after it (35–40 s since).
  const { report, atMs } = runUntilConverged(w, HEAL_AT_MS, HEAL_AT_MS + 60_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.true(report.maxRecords <= ballSize(2), `seed=${seed}: ${report.maxRecords} records`);
  const lost = w.honest.reduce((a, node) => a + node.machine.counters.conflictsLost, 0) - lostBefore;
  // One loser per slot held twice, and each counts again at every answer of BUSY while the frontier re-places the
  // losers one at a time: at most 8 per such slot on seeds 101–108 (45–263 in all, 21–40 slots held twice). When
  // losers never reached their placer it was 260–400 on seeds 1–5.
  t.true(lost >= 1 && lost <= 10 * twice, `seed=${seed}: ${lost} conflicts lost in the merge, ${twice} slots held twice`);
  t.log(`${twice} slots held twice at the heal; merged ${(atMs - HEAL_AT_MS) / 1000} s after it; ${lost} conflicts lost`);
});

test('a tenth of the mesh cut off and healed: a node left with no neighbour gets out (it asks an entry point for a slot, or links up), and the mesh merges', (t) => {
  // The last 10 joiners of 100 are cut off. They prune the rest and move down into the holes they see, away from
  // each other's slots: one of them can be left with no neighbour at all. Nobody links to its slot after the heal,
  // and the rest of the mesh has given that slot to another node; it kept it, unlinked (seeds 1 and 3 of this
  // scenario had not merged 300 s after the heal, seed 1 not 680 s after it), until a stranded node asked its entry
  // point again.
  // Seed 1: its lone node asks its entry point (on this scenario's own seed it links up first instead).
  // Without the stranded rule it merges too (35 s; it links up to report its holes, loses its slot, asks on that
  // link), but more slowly on seed 3 (60 s against 35 s): the count of stranded rejoins is what tells the rule ran.
  const { w, seed } = scopedSplit('mesh-island-of-one', 0.1, 1);
  w.sim.run({ maxTimeMs: HEAL_AT_MS - 1, maxEvents: 50_000_000 });
  const alone = w.honest.filter((node) => node.machine.slot !== null && node.machine.neighbours.size === 0);
  const { report, atMs } = runUntilConverged(w, HEAL_AT_MS, HEAL_AT_MS + 90_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  const rejoins = w.honest.reduce((a, node) => a + node.machine.counters.strandedRejoins, 0);
  // Only a node with no neighbour asks: at most the ones alone at the heal; and on this seed one does.
  t.true(rejoins <= alone.length, `seed=${seed}: ${rejoins} stranded rejoins, ${alone.length} nodes alone at the heal`);
  t.true(rejoins >= 1, `seed=${seed}: no stranded rejoin (${alone.length} nodes alone at the heal); this test needs a seed whose lone node asks`);
  const moved = w.events.filter((e) => e.e.e === 'slot' && e.e.why === 'stranded').map((e) => e.node);
  t.true(moved.every((id) => alone.some((node) => node.id === id)), `seed=${seed}: a node that was not alone took a slot as stranded`);
  // Each node alone at the heal got out by one of the two ways: it asked its entry point, or (holding records of
  // higher slots, with holes due for a report) it linked up to the highest of them (the island-of-two test's way).
  for (const node of alone) {
    const c = node.machine.counters;
    t.true(c.strandedRejoins + c.reachedAbove >= 1, `seed=${seed}: ${node.id} was alone at the heal and neither asked an entry point nor linked up`);
  }
  t.log(`${alone.length} node(s) alone at the heal: ${alone.map((node) => `${node.machine.counters.strandedRejoins} stranded rejoin(s), ${node.machine.counters.reachedAbove} dial(s) up`).join('; ')}; merged ${(atMs - HEAL_AT_MS) / 1000} s after the heal`);
});

test('an island of two cut off and healed: a node with holes to report and no link uphill links to the highest node it knows, and the mesh merges', (t) => {
  // Seed 9 of the sweep (seeds 1–10, 5/10/20 % cut off) is the one that left an island of two: slots 76 and 77, each
  // the other's only neighbour, holding records of higher slots they could not check (not neighbours, so never
  // pruned). Neither was the top of its view, neither had a link uphill to report its holes on, and the two stayed
  // split from the rest, their slots held twice, until those records expired 600–700 s into the run.
  const { w, seed } = scopedSplit('mesh-island-of-two', 0.05, 9);
  const cut = new Set(w.honest.slice(N - Math.floor(N * 0.05)).map((node) => node.id));
  w.sim.run({ maxTimeMs: HEAL_AT_MS - 1, maxEvents: 50_000_000 });
  // Cut-off nodes whose neighbours are all cut off too (and that have some), at slots the rest also holds.
  const held = new Set(w.honest.filter((node) => !cut.has(node.id)).map((node) => node.machine.slot));
  const island = w.honest.filter((node) => cut.has(node.id) && node.machine.neighbours.size > 0 && [...node.machine.neighbours].every((p) => cut.has(p)) && held.has(node.machine.slot));
  t.true(island.length >= 2, `seed=${seed}: no island of two or more at the heal (${island.length}); this test needs one`);
  const islandSlots = island.map((node) => node.machine.slot).join(', ');
  const { report, atMs } = runUntilConverged(w, HEAL_AT_MS, HEAL_AT_MS + 90_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.log(`island at slots ${islandSlots} at the heal; merged ${(atMs - HEAL_AT_MS) / 1000} s after it`);
});
