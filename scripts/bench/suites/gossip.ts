/**
 * Gossip dissemination cost in the simulator (issue 7): N = 10,000 nodes
 * (`--quick`: 1,000), 1 % loss, 5 % churn per broadcast period, 3 warm-up and
 * 5 measured PEER_UPDATE broadcasts from random live origins. Baseline in the
 * same run: plain push flooding on the same graph and fault schedule
 * (ts/discovery/gossip/baseline.ts). Goals: rounds to 100 % delivery of live
 * nodes ≤ ⌈log2 N⌉ + 3, payload copies per node ≤ 1.1.
 */
import { runDissemination } from '../../../ts/discovery/gossip/experiment.js';
import { runFloodBaseline } from '../../../ts/discovery/gossip/baseline.js';
import { resolveSeed } from '../../../ts/sim/testing.js';
import type { BenchReport, BenchRow, BenchSuite } from '../types.js';

const suite: BenchSuite = async (ctx) => {
  const n = ctx.quick ? 1000 : 10_000;
  const seed = resolveSeed(`bench gossip ${n}`);
  ctx.log(`gossip N=${n} seed=${seed} (LAGOON_SEED=${seed} replays)`);
  let t0 = Date.now();
  const g = runDissemination({ seed, nodes: n });
  const gossipS = (Date.now() - t0) / 1000;
  ctx.log(`push-lazy-push done in ${gossipS.toFixed(0)} s`);
  t0 = Date.now();
  const f = runFloodBaseline({ seed, nodes: n });
  ctx.log(`flooding baseline done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const goalRounds = Math.ceil(Math.log2(n)) + 3;
  const measured = g.broadcasts.filter((b) => b.measured);
  const rows: BenchRow[] = [
    {
      figure: `rounds to 100% of live nodes, worst of ${measured.length} broadcasts, N=${n} (push-lazy-push / flooding)`,
      value: g.worstRounds, unit: 'rounds', baseline: { name: 'flooding', value: f.worstRounds },
      ratio: g.worstRounds / f.worstRounds, goal: `<= ${goalRounds} rounds`, pass: g.allDelivered && g.worstRounds <= goalRounds,
      note: `round = ${g.roundMs} ms (largest one-way delay); delivered to all: ${g.allDelivered}, flooding: ${f.allDelivered}`,
    },
    {
      figure: `payload copies per live node, mean of ${measured.length} broadcasts, N=${n} (push-lazy-push / flooding)`,
      value: g.meanCopiesPerNode, unit: 'copies', baseline: { name: 'flooding', value: f.meanCopiesPerNode },
      ratio: g.meanCopiesPerNode / f.meanCopiesPerNode, goal: '<= 1.1', pass: g.meanCopiesPerNode <= 1.1,
      note: `worst single broadcast ${g.maxCopiesPerNode.toFixed(3)}; IHAVE (ids only) per node ${(measured.reduce((s, b) => s + b.ihaves / b.targets, 0) / measured.length).toFixed(1)}`,
    },
  ];
  const notes = [
    `seed ${seed}; ${g.messages} simulated messages, ${g.events} events, ${gossipS.toFixed(0)} s wall for the gossip run`,
    ...g.broadcasts.map((b) => `${b.measured ? 'measured' : 'warm-up'} ${b.origin}: ${b.delivered}/${b.targets} in ${b.rounds} rounds, ${b.copiesPerNode.toFixed(3)} copies/node, ${b.grafts} GRAFTs, max hops ${b.maxHops}`),
  ];
  const report: BenchReport = { suite: 'gossip', rows, notes };
  return report;
};

export default suite;
