/**
 * 1,000 nodes join a simulated mesh through one address (issue 5): the
 * largest scenario CI runs, in a file of its own so that ava runs it beside
 * the other mesh scenarios (mesh.test.ts). It prints its seed on failure;
 * LAGOON_SEED=<seed> replays it, LAGOON_SIM_JOIN_N=<n> runs another size.
 */
import test from 'ava';
import { largestRecordFrameBytes, runUntilConverged } from '../../ts/sim/mesh/scenario.js';
import { ballSize } from '../../ts/mesh/spiral/slots.js';
import { explain, scenario } from './mesh-helpers.js';

const JOIN_N = Number(process.env['LAGOON_SIM_JOIN_N'] ?? 1000);

test(`${JOIN_N} nodes join through one address: unique slots, symmetric bounded links equal to the SPIRAL rule, all reachable, bytes per join bounded`, (t) => {
  // Every joiner starts within the same second (a flash crowd: the bootstrap places them all, one after another, while
  // the mesh grows under it), and rounds are slower than a real node's (sync and settle 3 s, splice rounds 500 ms
  // instead of 200, VDF windows 2.5 s instead of 1.25): the invariants must hold for any of them, and the bench
  // measures join times with the defaults. Both choices are for the suite's CPU budget (docs/sim.md, "Time"): run
  // side by side, waves of 200 every 5 s with 1 s windows took 316 s of CPU here, one wave 246 s, one wave with
  // 2.5 s windows about 205 s (half the stand-in VDF traffic, 35 % fewer simulator events).
  const { w, seed } = scenario('mesh-join', {
    n: JOIN_N, wave: JOIN_N, waveGapMs: 5000, windowMs: 2500,
    config: { syncIntervalMs: 3000, settleMs: 3000, spliceRoundMs: 500, attestIntervalMs: 600_000 },
  });
  const { report, atMs } = runUntilConverged(w, w.lastStartMs, w.lastStartMs + 180_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.is(report.live, JOIN_N);
  t.true(report.maxDegree <= 20);
  // What a joiner received before it had a slot: the concierge's offer (≤ 20 signed records, each with up to 4
  // attestations once its node has been proved), the concierge's own record, a few small frames; nothing that grows
  // with N.
  const maxRecord = largestRecordFrameBytes(w);
  t.true(report.maxJoinBytes < 21 * maxRecord + 2048, `max join bytes ${report.maxJoinBytes} (largest record ${maxRecord} B)`);
  // Records per node are bounded by the scope (the rule's view radius), not by N: at N ≤ 1,651 the scope is the whole mesh.
  t.true(report.maxRecords <= ballSize(w.topology.viewRadius), `seed=${seed}: ${report.maxRecords} records`);
  const served = w.honest[0]!.machine.counters;
  t.is(served.joinsServed, JOIN_N - 1, `seed=${seed}`);
  t.log(`converged ${((atMs - w.lastStartMs) / 1000).toFixed(0)} s after the last join; degree ${report.minDegree}..${report.maxDegree}; max join bytes ${report.maxJoinBytes}; records/node ≤ ${report.maxRecords}`);
});
