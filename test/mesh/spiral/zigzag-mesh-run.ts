/**
 * Research run: a simulated mesh of real node machines on the exact-degree rule
 * (zigzagTopology), stepped 1 s at a time until the invariants hold and every node has exactly min(20, N−1).
 *
 *   N=300 WAVE=50 node --import tsx test/mesh/spiral/zigzag-mesh-run.ts   (TOPO=spiral for the shipped rule)
 */
import { buildMeshWorld, checkMeshInvariants } from '../../../ts/sim/mesh/scenario.js';
import { zigzagTopology, spiralTopology } from '../../../ts/mesh/node/topology.js';
const N = Number(process.env.N ?? 100);
const topo = process.env.TOPO === 'spiral' ? spiralTopology(64) : zigzagTopology(64);
const w = buildMeshWorld({ seed: Number(process.env.SEED ?? 1), n: N, wave: Number(process.env.WAVE ?? 25), waveGapMs: 2000, topology: topo, config: { attestIntervalMs: 600_000 } });
const t0 = Date.now();
for (let t = 2000; t <= w.lastStartMs + Number(process.env.EXTRA ?? 60000); t += 1000) {
  w.sim.run({ maxTimeMs: t, maxEvents: 100_000_000 });
  const r = checkMeshInvariants(w, { expectRule: t > w.lastStartMs });
  const noslot = w.honest.filter((n) => n.machine.slot === null).length;
  const degs = w.honest.map((n) => n.machine.neighbours.size);
  const exact = degs.filter((d) => d === Math.min(20, N - 1)).length;
  if (t % 5000 === 0 || r.violations.length === 0) console.log(`t=${t / 1000}s wall ${((Date.now() - t0) / 1000).toFixed(0)}s viol ${r.violations.length} noslot ${noslot} deg ${r.minDegree}..${r.maxDegree} exact ${exact}/${w.honest.length} ${r.violations.slice(0, 2).join(' | ').slice(0, 160)}`);
  if (t > w.lastStartMs && r.violations.length === 0 && exact === w.honest.length) break;
}
