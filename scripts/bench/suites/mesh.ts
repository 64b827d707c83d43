/**
 * APE joins in the simulator: what a joiner receives before it has a slot
 * (the concierge's offer), how long joins take, and the records each node
 * ends up holding, at growing N in one run. The baseline is the bytes of the
 * whole peer table (every node's signed record), which is what "send the
 * joiner the table" would cost at that N.
 */
import { buildMeshWorld, checkMeshInvariants } from '../../../ts/sim/mesh/scenario.js';
import type { BenchRow, BenchSuite } from '../types.js';

const suite: BenchSuite = async (ctx) => {
  const sizes = ctx.quick ? [50, 200] : [100, 300, 1000];
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const w = buildMeshWorld({ seed: 1, n, wave: Math.min(200, n), waveGapMs: 5000, config: { syncIntervalMs: 3000, settleMs: 3000, attestIntervalMs: 600_000 } });
    let converged = Number.NaN;
    for (let t = 5000; t <= w.lastStartMs + 180_000; t += 5000) {
      w.sim.run({ maxTimeMs: t, maxEvents: 1e9 });
      if (t > w.lastStartMs && checkMeshInvariants(w).violations.length === 0) { converged = t - w.lastStartMs; break; }
    }
    const r = checkMeshInvariants(w);
    const tableBytes = w.honest.reduce((a, node) => a + (node.machine.ownRecord()?.record.payload.length ?? 0) + 100, 0);
    const joins = w.events.filter((e) => e.e.e === 'slot' && e.e.why === 'offer');
    const offered = w.events.filter((e) => e.e.e === 'offered').map((e) => (e.e as { bytes: number }).bytes);
    const joinMs = joins.map((e) => e.atMs);
    rows.push({
      figure: `bytes to a joiner before its slot, N=${n} (max; concierge offer)`, value: r.maxJoinBytes, unit: 'B',
      baseline: { name: 'whole peer table', value: tableBytes }, ratio: r.maxJoinBytes / tableBytes,
      goal: 'does not grow with N', pass: r.maxJoinBytes < 12_000, note: `mean offer ${Math.round(offered.reduce((a, b) => a + b, 0) / Math.max(1, offered.length))} B`,
    });
    rows.push({
      figure: `mesh converged after the last join, N=${n} (virtual time)`, value: converged / 1000, unit: 's',
      baseline: { name: 'join waves', value: w.lastStartMs / 1000 }, ratio: converged / w.lastStartMs,
      goal: 'converges', pass: Number.isFinite(converged), note: `${joinMs.length} joins; degree ${r.minDegree}..${r.maxDegree}; records/node ≤ ${r.maxRecords}`,
    });
    ctx.log(`mesh n=${n}: join bytes ${r.maxJoinBytes}, table ${tableBytes}, converged ${converged} ms after last join`);
  }
  return { suite: 'mesh', rows, notes: ['simulator with stand-in signatures and liveness; 5 ms links; records per node are bounded by the SPIRAL scope (the view radius), which covers the whole mesh at these N'] };
};

export default suite;
