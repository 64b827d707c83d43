import { Simulator } from '../../ts/sim/simulator.js';
import type { FaultConfig } from '../../ts/sim/network.js';
import { simTest } from './helpers.js';
import { ACK_BYTES, FloodNode, VALUE_BYTES, ringWithChords, type FloodMsg } from './toys.js';

/** Builds an n-node flood on a ring with random chords; returns the sim and a live count of nodes holding the value. */
function floodSim(sim: Simulator<FloodMsg>, n: number): { holders: () => number; edges: number; origin: string } {
  const rng = sim.rng.fork('topology');
  const topo = ringWithChords(n, (k) => rng.int(k));
  topo.ids.forEach((id, i) => sim.addNode(id, new FloodNode([...(topo.adj[i] as Set<string>)])));
  const origin = topo.ids[0] as string;
  sim.command(0, origin, (node, now) => (node as FloodNode).broadcast(7, now));
  return { holders: () => sim.counters.emits, edges: topo.edges, origin };
}

const LOSSY: FaultConfig = { link: { latencyMs: 10, jitterMs: 40, lossProbability: 0.1, duplicateProbability: 0.05 } };

simTest('flood: 1,000 nodes converge on lossless links and counters match 2E-(N-1) by hand', (t, ctx) => {
  const n = 1000;
  const sim = ctx.sim<FloodMsg>({ faults: { link: { latencyMs: 10, jitterMs: 40, lossProbability: 0, duplicateProbability: 0 } } });
  const f = floodSim(sim, n);
  const r = sim.run({ maxTimeMs: 5_000, maxEvents: 1_000_000, until: () => f.holders() === n });
  t.is(r.reason, 'predicate');
  t.true(r.nowMs < 2_000, `converged at ${r.nowMs} ms`);
  sim.run({ maxTimeMs: 10_000, maxEvents: 1_000_000 }); // drain acks; retransmit timers (200 ms > max RTT 100 ms) never fire
  // Origin forwards to all its neighbours, every other node to all but the one it first heard from; every value is acked once.
  const values = 2 * f.edges - (n - 1);
  const tt = sim.network.totals;
  t.is(tt.sentMessages, 2 * values);
  t.is(tt.sentBytes, values * (VALUE_BYTES + ACK_BYTES));
  t.is(tt.deliveredMessages, 2 * values);
  t.is(sim.counters.timeouts, 0);
  let perNode = 0;
  for (let i = 0; i < n; i++) perNode += sim.network.counters(`n${i}`).sentBytes;
  t.is(perNode, tt.sentBytes);
  t.log(`N=${n} E=${f.edges} converged at ${r.nowMs.toFixed(1)} ms virtual; ${tt.sentMessages} messages, ${tt.sentBytes} bytes`);
});

simTest('flood: 1,000 nodes converge under 10% loss and 5% duplication via retransmission', (t, ctx) => {
  const n = 1000;
  const sim = ctx.sim<FloodMsg>({ faults: LOSSY });
  const f = floodSim(sim, n);
  const r = sim.run({ maxTimeMs: 20_000, maxEvents: 2_000_000, until: () => f.holders() === n });
  t.is(r.reason, 'predicate');
  t.true(r.nowMs < 10_000, `converged at ${r.nowMs} ms`);
  const tt = sim.network.totals;
  t.true(tt.sentMessages > 2 * (2 * f.edges - (n - 1)) * 0.9, 'at least roughly the lossless cost');
  t.true(tt.droppedLoss > 0 && tt.duplicatedMessages > 0);
  t.is(tt.sentMessages + tt.duplicatedMessages, tt.deliveredMessages + tt.droppedLoss + tt.droppedPartition + tt.droppedDown + tt.inFlight);
  t.log(`lossy N=${n} converged at ${r.nowMs.toFixed(1)} ms virtual; sent=${tt.sentMessages} lost=${tt.droppedLoss} dup=${tt.duplicatedMessages}`);
});

simTest('determinism: same seed gives the same trace hash, a different seed a different one', (t, ctx) => {
  const runOnce = (seed: number): string => {
    const sim = new Simulator<FloodMsg>({
      seed,
      faults: { ...LOSSY, partitions: [{ atMs: 50, healAtMs: 300, groups: [['n0', 'n1'], ['n2', 'n3']] }], crashes: [{ node: 'n5', downAtMs: 20, upAtMs: 400 }] },
    });
    const f = floodSim(sim, 200);
    sim.run({ maxTimeMs: 20_000, maxEvents: 500_000, until: () => f.holders() === 200 });
    return `${sim.traceHash}/${sim.nowMs}/${JSON.stringify(sim.network.totals)}/${JSON.stringify(sim.counters)}`;
  };
  const a = runOnce(ctx.seed), b = runOnce(ctx.seed), c = runOnce(ctx.seed + 1);
  t.is(a, b);
  t.not(a.split('/')[0], c.split('/')[0]);
});

simTest('performance: 10,000 nodes flooding under loss (measured, not asserted)', (t, ctx) => {
  const n = 10_000;
  const sim = ctx.sim<FloodMsg>({ faults: { link: { latencyMs: 10, jitterMs: 40, lossProbability: 0.01, duplicateProbability: 0.01 } } });
  const t0 = performance.now();
  const f = floodSim(sim, n);
  const t1 = performance.now();
  const r = sim.run({ maxTimeMs: 60_000, maxEvents: 5_000_000, until: () => f.holders() === n });
  sim.run({ maxTimeMs: 120_000, maxEvents: 5_000_000 });
  const t2 = performance.now();
  t.is(r.reason, 'predicate');
  const ev = sim.counters.events;
  t.log(`N=${n}: setup ${(t1 - t0).toFixed(0)} ms, run ${(t2 - t1).toFixed(0)} ms wall; ${ev} events (${Math.round(ev / ((t2 - t1) / 1000))} events/s); ` +
    `${sim.network.totals.sentMessages} messages (${(sim.network.totals.sentMessages / n).toFixed(1)}/node), converged at ${r.nowMs.toFixed(0)} ms virtual`);
});
