/**
 * Restarts in the deterministic simulator: 10 % of a converged mesh's nodes restart (a crash and a supervisor, an
 * upgrade): down for 2 s, then up with the same identity and nothing else, joining again through the bootstrap.
 * Each should get its own slot back (docs/mesh-node.md, APE step 5), so nobody moves. Two seconds is about three of
 * the stand-in's 1 s VDF windows, so a neighbour may prune it meanwhile (a node silent for deadAfterMissed windows is
 * dead, as specified); it must still come back to its slot: its new record is newer than the tombstone. A file of
 * its own, like each heavy mesh scenario. Prints its seed on failure; LAGOON_SEED=<seed> replays it.
 */
import test from 'ava';
import { runUntilConverged } from '../../ts/sim/mesh/scenario.js';
import { latticeTopology } from '../../ts/mesh/node/topology.js';
import { explain, scenario, slotsArePrefix } from './mesh-helpers.js';

test('10 % of the nodes restart with the same identity: each gets its own slot back; nobody moves; invariants hold', (t) => {
  const restartAtMs = 40_000;
  const { w, seed } = scenario('mesh-restart', { n: 100, wave: 50, waveGapMs: 3000, restart: { fraction: 0.1, atMs: restartAtMs, downMs: 2000 } });
  const before = runUntilConverged(w, w.lastStartMs, restartAtMs - 1000);
  t.deepEqual(before.report.violations, [], explain(seed, before.report.violations));
  const slotOf = new Map(w.honest.map((n) => [n.id, n.machine.slot]));
  const stayed = w.honest.filter((n) => !w.restarted.has(n.id));
  const filledBefore = stayed.reduce((a, n) => a + n.machine.counters.holesFilled, 0);

  const { report, atMs } = runUntilConverged(w, restartAtMs + 5000, restartAtMs + 60_000, 1000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.is(report.live, 100);
  t.is(w.restarted.size, 10);
  for (const id of w.restarted) t.is(w.all.get(id)!.restarts, 1, `seed=${seed}: ${id} restarted once`);
  const moved = w.honest.filter((n) => n.machine.slot !== slotOf.get(n.id)).map((n) => `${n.id} ${slotOf.get(n.id)} → ${n.machine.slot}`);
  t.deepEqual(moved, [], `seed=${seed}: every node, restarted or not, holds the slot it held before`);
  t.is(stayed.reduce((a, n) => a + n.machine.counters.slotsReturned, 0), w.restarted.size, `seed=${seed}: each restarted node was offered its slot back`);
  t.is(stayed.reduce((a, n) => a + n.machine.counters.holesFilled, 0), filledBefore, `seed=${seed}: no hole to fill`);
  const pruned = w.events.filter((e) => e.e.e === 'pruned' && e.atMs >= restartAtMs);
  t.true(pruned.every((e) => w.restarted.has((e.e as { peerId: string }).peerId)), `seed=${seed}: only restarted nodes were pruned`);
  t.log(`10 restarts (2 s down): converged ${((atMs - restartAtMs) / 1000).toFixed(0)} s after they went down; ${pruned.length} prunes of them by neighbours meanwhile`);
});

test('past the scope: a restarted node that dials the neighbours it cached before its entry point gets its slot back', (t) => {
  // Plain lattice adjacency (view radius 1) and a scope of 2: most of the 200 slots lie outside the bootstrap's
  // scope, so the bootstrap does not hold those nodes' records and would place them as new joiners (docs/sim.md,
  // "Restarts": 15 nodes moved on this world without the cache). A real node dials its cached peers first
  // (PeerCacheService.attach); here those are the SPIRAL neighbours it had, which hold its record.
  const restartAtMs = 40_000;
  const scope = 2;
  const { w, seed } = scenario('mesh-restart-scoped', {
    n: 200, wave: 50, waveGapMs: 3000, topology: latticeTopology(), config: { scopeMargin: scope - 1, holeStableMs: 10_000 },
    restart: { fraction: 0.1, atMs: restartAtMs, downMs: 2000, peerCache: true },
  });
  const prefix = () => slotsArePrefix(w.honest);
  const before = runUntilConverged(w, w.lastStartMs, restartAtMs - 1000, 5000, 50_000_000, prefix);
  t.deepEqual(before.report.violations, [], explain(seed, before.report.violations));
  t.true(prefix(), `seed=${seed}: slots are not 0..199 before the restarts`);
  const slotOf = new Map(w.honest.map((n) => [n.id, n.machine.slot!]));
  const far = [...w.restarted].filter((id) => w.topology.distance(slotOf.get(id)!, 0) > scope);
  t.true(far.length > 0, `seed=${seed}: no restarted node lies outside the bootstrap's scope`);

  const { report, atMs } = runUntilConverged(w, restartAtMs + 5000, restartAtMs + 60_000, 1000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  for (const id of w.restarted) t.is(w.all.get(id)!.restarts, 1, `seed=${seed}: ${id} restarted once`);
  const moved = w.honest.filter((n) => n.machine.slot !== slotOf.get(n.id)).map((n) => `${slotOf.get(n.id)} → ${n.machine.slot}`);
  t.deepEqual(moved, [], `seed=${seed}: every node, restarted or not, holds the slot it held before`);
  const returned = (n: { machine: { counters: { slotsReturned: number } } }) => n.machine.counters.slotsReturned;
  t.is(w.honest.reduce((a, n) => a + returned(n), 0), w.restarted.size, `seed=${seed}: each restarted node was offered its slot back`);
  t.true(w.honest.slice(1).reduce((a, n) => a + returned(n), 0) >= far.length, `seed=${seed}: slots past the bootstrap's scope came back from other concierges`);
  t.log(`${w.restarted.size} restarts, ${far.length} outside the bootstrap's scope: converged ${((atMs - restartAtMs) / 1000).toFixed(0)} s after they went down, nobody moved`);
});
