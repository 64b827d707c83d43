/**
 * 10 % churn in the deterministic simulator (issue 5): ghosts pruned and tombstoned, holes refilled.
 * A file of its own, like each heavy mesh scenario, so that ava spreads them over its workers and each reports
 * as it ends. Prints its seed on failure; LAGOON_SEED=<seed> replays it.
 */
import test from 'ava';
import { checkMeshInvariants, runUntilConverged } from '../../ts/sim/mesh/scenario.js';
import { explain, scenario } from './mesh-helpers.js';

test('10 % churn: ghosts are pruned, tombstoned and not resurrected; holes refill; invariants hold again', (t) => {
  const { w, seed } = scenario('mesh-churn', { n: 100, wave: 50, waveGapMs: 3000, crash: { fraction: 0.1, atMs: 40_000 } });
  runUntilConverged(w, w.lastStartMs, 39_000);
  const { report } = runUntilConverged(w, 45_000, 240_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.is(report.live, 100 - w.crashed.size);
  const pruned = w.events.filter((e) => e.e.e === 'pruned').length;
  t.true(pruned >= w.crashed.size, `seed=${seed}: ${pruned} prunes for ${w.crashed.size} ghosts`);
  // Let anti-entropy run long after: no ghost comes back, and the slots are again a prefix 0..N−1.
  w.sim.run({ maxTimeMs: w.sim.nowMs + 90_000, maxEvents: 50_000_000 });
  const again = checkMeshInvariants(w);
  t.deepEqual(again.violations, [], explain(seed, again.violations));
  const slots = w.honest.filter((n) => !w.crashed.has(n.id)).map((n) => n.machine.slot!).sort((a, b) => a - b);
  t.deepEqual(slots, slots.map((_, i) => i), `seed=${seed}: slots are not a prefix after churn`);
  const buried = w.honest.filter((n) => !w.crashed.has(n.id)).reduce((a, n) => a + n.machine.counters.records.buried, 0);
  t.log(`ghosts ${w.crashed.size}, prune events ${pruned}, resurrections refused by tombstones ${buried}`);
});
