/**
 * The mesh scenario's trickle (ts/sim/mesh/scenario.ts): the last nodes join
 * one at a time after the waves, which the bench uses to measure a join into
 * a mesh with no other join in flight.
 */
import test from 'ava';
import { resolveSeed } from '../../ts/sim/testing.js';
import { buildMeshWorld, checkMeshInvariants, trickleReadings } from '../../ts/sim/mesh/scenario.js';
import { explain } from './mesh-helpers.js';

test('trickled joiners start one at a time after the waves, which start as without them; each is meshed with the neighbours it wants before the next one starts, its first proofs well within a VDF window of its last neighbour (early windows)', (t) => {
  const seed = resolveSeed('mesh-trickle');
  const base = { seed, wave: 20, waveGapMs: 3000, config: { syncIntervalMs: 1000, settleMs: 1000 } };
  // 60 nodes: past the small-mesh circulant (35 slots), so zigzag links and splices decide the joiners' neighbours.
  const plain = buildMeshWorld({ ...base, n: 60 });
  const w = buildMeshWorld({ ...base, n: 65, trickle: { count: 5, afterMs: 20_000, gapMs: 4000 } });
  const starts = (nodes: typeof w.honest) => nodes.map((n) => n.nextTimeout());
  t.deepEqual(starts(w.honest.slice(0, 60)), starts(plain.honest), `seed=${seed}: the waves do not move`);
  const lastWave = 1000 + Math.floor(58 / 20) * 3000; // node 59's wave
  t.deepEqual(starts(w.honest.slice(60)), [0, 1, 2, 3, 4].map((k) => lastWave + 1000 + 20_000 + k * 4000));
  t.is(w.lastStartMs, lastWave + 1000 + 20_000 + 4 * 4000);
  // Each trickled joiner is read just before the next one starts (the last, a gap after it): its splices have
  // settled around it by then, with no other join in flight.
  const figures: string[] = [];
  for (const n of trickleReadings(w, 5, 4000, 50_000_000)) {
    t.not(n.lastMeshedAtMs, undefined, `seed=${seed}: slot ${n.machine.slot} is not linked to and proved by every older neighbour it wants, 4 s after it started`);
    const meshed = n.lastMeshedAtMs! - n.startedAtMs!;
    const added = n.olderNeighbourAddedAtMs! - n.startedAtMs!;
    figures.push(`${meshed} ms (first meshed at ${n.meshedAtMs! - n.startedAtMs!} ms with the neighbours it had then; last older neighbour added at ${added} ms)`);
    // A neighbour's first proof comes with an early window (docs/vdf.md): 40 ms after our nonce reaches it, or once
    // its other neighbours have answered its last proof, at most graceMs (500 ms) after that proof; so within
    // 500 + 40 ms and two link latencies (5 ms) each way of the last neighbour we waited for, not a window (1 s).
    t.true(meshed - added <= 500 + 40 + 4 * 5, `seed=${seed}: slot ${n.machine.slot} meshed ${meshed - added} ms after its last neighbour`);
  }
  const report = checkMeshInvariants(w);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.is(report.live, 65);
  t.log(`join -> meshed, one at a time: ${figures.join(', ')}`);
});
