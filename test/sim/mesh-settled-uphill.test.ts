/**
 * The SPIRAL rule past one scope (docs/mesh-node.md, "Placing a joiner when the mesh is larger than the concierge's
 * scope"). The rule's scope is the ball of radius 6 (1,651 cells), which covers every mesh CI can afford to grow,
 * so a join into a grown mesh is always placed by its entry point. A settled mesh of 1,700 nodes (docs/sim.md,
 * "Settled worlds") puts the lowest free slot in shell 7, out of the bootstrap's scope: the join must go uphill to
 * the frontier node and the answer come back down. A file of its own, like each heavy mesh scenario. Prints its
 * seed on failure; LAGOON_SEED=<seed> replays it.
 */
import test from 'ava';
import { checkMeshInvariants, largestRecordFrameBytes, trickleReadings } from '../../ts/sim/mesh/scenario.js';
import { explain, scenario } from './mesh-helpers.js';

test('past the SPIRAL scope: a join through the bootstrap goes uphill to the frontier, which places it at the next slot with 20 neighbours; the mesh holds every invariant 1.5 s later', (t) => {
  const n = 1700;
  const { w, seed } = scenario('mesh-settled-uphill', {
    n: n + 1, wave: 200, waveGapMs: 5000, settled: { count: n, joinFromMs: 1000 }, trickle: { count: 1, afterMs: 0, gapMs: 1500 },
    config: { syncIntervalMs: 3000, settleMs: 3000 },
  });
  const boot = w.honest[0]!;
  const scope = w.topology.viewRadius;
  t.true(w.topology.distance(0, n) > scope, `slot ${n} lies outside the bootstrap's scope`);
  const [joiner] = [...trickleReadings(w, 1, 1500)];
  t.is(boot.machine.slot, 0);
  t.is(joiner!.machine.slot, n, `seed=${seed}: the lowest free slot`);
  t.true(boot.machine.counters.joinsForwarded >= 1, `seed=${seed}: the bootstrap passed the join uphill`);
  // Placing a forwarded join counts as serving it (a settled world has served none before).
  const placers = w.honest.filter((node) => node !== boot && node.machine.counters.joinsServed > 0);
  t.is(placers.length, 1, `seed=${seed}: one placer`);
  const placer = placers[0]!;
  t.true(w.topology.distance(placer.machine.slot!, n) <= scope, `seed=${seed}: placed by a node whose scope holds slot ${n} (at ${placer.machine.slot})`);
  t.is(boot.machine.counters.joinsServed, 0, `seed=${seed}: the bootstrap placed nobody`);
  t.is(joiner!.machine.neighbours.size, 20);
  t.not(joiner!.lastMeshedAtMs, undefined, `seed=${seed}: linked to and proved by every neighbour`);
  const bytes = joiner!.joinBytes;
  t.true(bytes < 21 * largestRecordFrameBytes(w) + 2048, `seed=${seed}: the joiner received ${bytes} B before its slot`);
  // 1.5 s after it started: one join at the top reshapes splices well below it (slots 598 to 1,960 on seed 1), and
  // those steps ran a settleMs and a sync round apart until 2026-11-25 (31 asymmetric pairs here then, 9 s to settle).
  const after = checkMeshInvariants(w);
  t.deepEqual(after.violations, [], explain(seed, after.violations));
  t.is(after.live, n + 1);
  t.log(`bootstrap forwarded ${boot.machine.counters.joinsForwarded}; placed by slot ${placer.machine.slot}; meshed ${joiner!.lastMeshedAtMs! - joiner!.startedAtMs!} ms after it started; ${bytes} B before its slot`);
});
