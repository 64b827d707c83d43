/**
 * Settled worlds (docs/sim.md): a mesh that starts on slots 0..N−1 from a snapshot of the rule's fixpoint
 * (MeshNode.resume) instead of growing join by join. The nodes check the snapshot rather than trust it: they
 * verify its records and recompute their claims, grants and links from them. So a snapshot that did not match
 * what the nodes compute would show here as republished claims or broken invariants; and joins into it go through
 * the real APE path. Prints its seed on failure; LAGOON_SEED=<seed> replays it.
 */
import test from 'ava';
import { checkMeshInvariants, largestRecordFrameBytes, trickleReadings } from '../../ts/sim/mesh/scenario.js';
import { peerRecordOf } from '../../ts/mesh/node/records.js';
import { explain, scenario } from './mesh-helpers.js';

test('a settled mesh started from its snapshot holds every invariant once linked, republishes nothing but refreshes, and takes lone joiners', (t) => {
  const n = 300;
  const joiners = 3;
  const joinFromMs = 15_000;
  const { w, seed } = scenario('mesh-settled', {
    n: n + joiners, wave: 200, waveGapMs: 5000, settled: { count: n, joinFromMs }, trickle: { count: joiners, afterMs: 0, gapMs: 5000 },
    config: { syncIntervalMs: 3000, settleMs: 3000 },
  });
  const snap = w.snapshot!;
  t.true(snap.rounds >= 2, `seed=${seed}: the claims took ${snap.rounds} rounds to settle`);
  w.sim.run({ maxTimeMs: 2000, maxEvents: 50_000_000 });
  const linked = checkMeshInvariants(w);
  t.deepEqual(linked.violations, [], explain(seed, linked.violations));
  t.is(linked.live, n);
  t.is(linked.minDegree, 20);
  w.sim.run({ maxTimeMs: joinFromMs - 1, maxEvents: 50_000_000 });
  // What each node publishes is what the snapshot said: the same slot, claims and grants (refreshes bring new
  // seqs and attestations, nothing else).
  const key = (info: { slot: number; splices?: unknown; grants?: unknown }) => JSON.stringify([info.slot, info.splices ?? [], info.grants ?? []]);
  const differ = w.honest.slice(0, n).filter((node) => key(node.machine.ownRecord()!.info) !== key(peerRecordOf(snap.own[node.machine.slot!]!)!.info));
  t.deepEqual(differ.map((node) => node.machine.slot), [], `seed=${seed}: nodes that published other claims or grants than their snapshot`);
  const refreshed = w.honest.slice(0, n).filter((node) => node.machine.ownRecord()!.record !== snap.own[node.machine.slot!]).length;
  t.true(refreshed < n / 3, `seed=${seed}: ${refreshed} of ${n} records made again in ${joinFromMs / 1000} s (refreshes are due every 2 min)`);
  const times: number[] = [];
  for (const node of trickleReadings(w, joiners, 5000, 50_000_000)) {
    t.is(node.machine.slot, n + times.length, `seed=${seed}: the next slot up`);
    t.is(node.machine.neighbours.size, 20);
    times.push(node.lastMeshedAtMs! - node.startedAtMs!);
  }
  const end = checkMeshInvariants(w);
  t.deepEqual(end.violations, [], explain(seed, end.violations));
  t.true(end.maxRecords <= n + joiners);
  t.true(end.maxJoinBytes < 21 * largestRecordFrameBytes(w) + 2048, `seed=${seed}: a joiner received ${end.maxJoinBytes} B`);
  t.log(`snapshot in ${snap.rounds} rounds; ${refreshed} refreshes before the joins; lone joins meshed in ${times.join(', ')} ms; ≤ ${end.maxJoinBytes} B to a joiner`);
});
