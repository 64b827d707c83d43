/**
 * Mesh scenarios in the deterministic simulator (issue 5): churn, scopes
 * smaller than the mesh, a partition and its heal, adversaries, and one run
 * with real Ed25519 records and native VDF attestations (the 1,000-node join
 * is mesh-join.test.ts, a file of its own so that ava runs it beside these).
 * Each prints its seed on failure; LAGOON_SEED=<seed> replays it.
 */
import test from 'ava';
import { checkMeshInvariants, runUntilConverged, type MeshWorld } from '../../ts/sim/mesh/scenario.js';
import { decodeMeshFrame, encodeMeshFrame } from '../../ts/mesh/node/messages.js';
import { makeRecord } from '../../ts/mesh/node/records.js';
import { standinCrypto } from '../../ts/sim/mesh/standin-crypto.js';
import type { SimMeshNode } from '../../ts/sim/mesh/world.js';
import { latticeTopology } from '../../ts/mesh/node/topology.js';
import { ballSize } from '../../ts/mesh/spiral/slots.js';
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

test('scopes smaller than the mesh: joins and holes are passed uphill to the frontier node; records per node stay within the scope', (t) => {
  // Plain lattice adjacency needs a view of radius 1, so a scope of 2 holds at most ball(2) = 95 records while
  // the mesh is 200 nodes: most joins cannot be placed by the bootstrap, and most holes are out of the frontier's sight.
  const n = 200;
  const crashAtMs = 150_000;
  const { w, seed } = scenario('mesh-scoped', {
    n, wave: 50, waveGapMs: 3000, topology: latticeTopology(), crash: { fraction: 0.1, atMs: crashAtMs },
    config: { scopeMargin: 1, holeStableMs: 10_000 },
  });
  const prefix = (ids: SimMeshNode[]) => {
    const slots = ids.map((node) => node.machine.slot!).sort((a, b) => a - b);
    return slots.every((s, i) => s === i);
  };
  // Converged means the invariants hold and the slots are 0..N−1: a slot skipped by a lapsed reservation is a
  // hole, refilled once it has been free for holeStableMs.
  const before = runUntilConverged(w, w.lastStartMs, crashAtMs - 1000, 5000, 50_000_000, () => prefix(w.honest));
  t.deepEqual(before.report.violations, [], explain(seed, before.report.violations));
  const bound = ballSize(2);
  t.true(before.report.maxRecords <= bound && bound < n, `seed=${seed}: a node holds ${before.report.maxRecords} records (scope bound ${bound})`);
  const boot = w.honest[0]!.machine.counters;
  const served = w.honest.reduce((a, node) => a + node.machine.counters.joinsServed, 0);
  // Every joiner was served at least once (a joiner that asked again, or lost a conflict and re-joined, counts again).
  t.true(served >= n - 1, `seed=${seed}: ${served} joins served`);
  t.true(boot.joinsForwarded > n / 2, `seed=${seed}: the bootstrap forwarded ${boot.joinsForwarded} joins`);
  t.true(boot.joinsServed < n / 2, `seed=${seed}: the bootstrap served ${boot.joinsServed} joins itself`);
  // One frontier node at a time hands out slots beyond the scope (concierge.ts): concurrent frontiers had given
  // ~90 slot conflicts in this scenario; the handover leaves at most a stray one from a race within a round trip.
  const lostInJoins = w.honest.reduce((a, node) => a + node.machine.counters.conflictsLost, 0);
  t.true(lostInJoins <= 5, `seed=${seed}: ${lostInJoins} slot conflicts among ${n} joins`);
  t.true(prefix(w.honest), `seed=${seed}: slots are not 0..${n - 1} after the joins`);
  // Before its slot a joiner hears one offer (offerRecords records) and a few BUSY answers, however long a forwarded
  // join waits: never the records of its entry point's scope (it once pulled them over the entry link, 1.5–6× an offer).
  const maxOffer = Math.max(...w.events.flatMap((e) => (e.e.e === 'offered' ? [e.e.bytes] : [])));
  t.true(before.report.maxJoinBytes <= maxOffer + 1024, `seed=${seed}: a joiner received ${before.report.maxJoinBytes} B before its slot (largest offer ${maxOffer} B)`);
  // Converged means the invariants hold and the holes are refilled (slots 0..N−1 again).
  const survivors = w.honest.filter((node) => !w.crashed.has(node.id));
  let report = checkMeshInvariants(w);
  let atMs = crashAtMs;
  for (; atMs <= crashAtMs + 300_000; atMs += 5000) {
    w.sim.run({ maxTimeMs: atMs, maxEvents: 50_000_000 });
    report = checkMeshInvariants(w);
    if (report.violations.length === 0 && prefix(survivors)) break;
  }
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.true(prefix(survivors), `seed=${seed}: slots are not a prefix after churn: ${survivors.map((node) => node.machine.slot).sort((a, b) => a! - b!).join(',')}`);
  t.true(report.maxRecords <= bound, `seed=${seed}: ${report.maxRecords} records`);
  const reported = w.honest.reduce((a, node) => a + node.machine.counters.holesReported, 0);
  const filled = w.honest.reduce((a, node) => a + node.machine.counters.holesFilled, 0);
  t.true(filled >= 1 && reported >= 1, `seed=${seed}: ${reported} holes reported, ${filled} filled`);
  const meshed = w.honest.slice(1).map((node) => node.meshedAtMs! - node.startedAtMs!).sort((a, b) => a - b);
  // Every answer reaches its joiner (docs/mesh-node.md): one lost on its way back left a slot reserved for nobody, and
  // the frontier waited for that joiner until the reservation lapsed (p99 34 s then; 3–5 s since).
  const p99 = meshed[Math.floor(meshed.length * 0.99)]!;
  t.true(p99 <= 15_000, `seed=${seed}: join→meshed p99 ${p99} ms`);
  // A hole report cannot be checked by the node it reaches (the hole lies outside its view; anyone linked can send
  // one), so a false one must cost no more than a conflict: the frontier moves into an occupied slot, the work
  // decides, the loser takes a slot again, and the slots are 0..N'−1 once more (docs/mesh-node.md, "Holes").
  const top = survivors.reduce((a, b) => (b.machine.slot! > a.machine.slot! ? b : a));
  const victim = survivors.find((node) => node.machine.slot! < top.machine.slot! && top.machine.occupantOf(node.machine.slot!) === undefined)!;
  const liar = survivors.find((node) => node.links.has(top.id))!;
  const lie = encodeMeshFrame({ t: 'fwd', id: 'liar:1', kind: 'hole', hops: 1, slot: victim.machine.slot!, waited: 0, records: [] });
  const lostBefore = w.honest.reduce((a, node) => a + node.machine.counters.conflictsLost, 0);
  const liedAt = w.sim.nowMs + 1;
  w.sim.command(liedAt, liar.id, () => [{ send: { to: top.id, msg: { k: 'frame', bytes: lie }, bytes: lie.length } }]);
  w.sim.run({ maxTimeMs: liedAt + 100, maxEvents: 50_000_000 });
  t.is(top.machine.slot, victim.machine.slot, `seed=${seed}: the frontier believed the report (the attack this bounds)`);
  const afterLie = runUntilConverged(w, liedAt + 5000, liedAt + 200_000, 5000, 50_000_000, () => prefix(survivors));
  t.deepEqual(afterLie.report.violations, [], explain(seed, afterLie.report.violations));
  t.true(prefix(survivors), `seed=${seed}: slots are not a prefix after a false hole report`);
  const lostToLie = w.honest.reduce((a, node) => a + node.machine.counters.conflictsLost, 0) - lostBefore;
  t.true(lostToLie >= 1 && lostToLie <= 2, `seed=${seed}: a false hole report cost ${lostToLie} slot conflicts`);
  t.log(`a false hole report: ${lostToLie} conflict(s), slots 0..${survivors.length - 1} again ${((afterLie.atMs - liedAt) / 1000).toFixed(0)} s after it`);
  t.log(`joins forwarded by the bootstrap ${boot.joinsForwarded}; slot conflicts during the joins ${lostInJoins}; records/node ≤ ${report.maxRecords} (bound ${bound}); ${w.crashed.size} crashed, ${reported} holes reported, ${filled} filled, converged ${((before.atMs - w.lastStartMs) / 1000).toFixed(0)} s after the last join and ${((atMs - crashAtMs) / 1000).toFixed(0)} s after the crash; join→meshed p50 ${meshed[Math.floor(meshed.length / 2)]} ms, p99 ${p99} ms`);
});

test("a phantom successor: the frontier's highest joiner dies as its offer arrives; slots are granted again after arrivalMs, not reservationMs", (t) => {
  // The scoped scenario's joins (200 nodes, lattice rule, scope 2): past the bootstrap's scope every slot comes from
  // the one frontier node, whose turn passes to its highest joiner. A first run finds a node that got the turn that
  // way while waves were still coming; a second run, the same until then, kills it the moment its OFFER arrives.
  const s = { n: 200, wave: 50, waveGapMs: 3000, topology: latticeTopology(), config: { scopeMargin: 1, holeStableMs: 10_000 } };
  const dry = scenario('mesh-phantom', s).w;
  dry.sim.run({ maxTimeMs: 30_000, maxEvents: 50_000_000 });
  const grantedAt = (w: MeshWorld, id: string) => w.events.find((e) => e.node === id && e.e.e === 'slot')?.atMs ?? Infinity;
  const victim = dry.honest.slice(1).filter((n) => n.machine.counters.joinsServed > 0 && grantedAt(dry, n.id) >= 8000).sort((a, b) => grantedAt(dry, a.id) - grantedAt(dry, b.id))[0];
  if (victim === undefined) return t.fail('no node was handed the turn after 8 s');
  const { w, seed } = scenario('mesh-phantom', s);
  const node = w.all.get(victim.id)!;
  let diedAt = -1;
  const handle = node.handle.bind(node);
  node.handle = (from, msg, now) => {
    if (diedAt < 0 && msg.k === 'frame' && decodeMeshFrame(msg.bytes)?.t === 'offer') {
      diedAt = now;
      w.sim.network.setUp(node.id, false);
      node.handleTimeout = () => [];
    }
    return diedAt < 0 ? handle(from, msg, now) : [];
  };
  w.sim.run({ maxTimeMs: 30_000, maxEvents: 50_000_000 });
  const grants = w.events.filter((e) => e.e.e === 'slot' && e.e.why === 'offer' && e.atMs > diedAt).map((e) => e.atMs);
  const waiting = w.honest.filter((n) => n !== node && n.startedAtMs! <= diedAt && grantedAt(w, n.id) > diedAt).length;
  const stall = Math.min(...grants) - diedAt;
  const conflicts = w.honest.reduce((a, n) => a + n.machine.counters.conflictsLost, 0);
  t.log(`victim at slot ${victim.machine.slot} died at ${diedAt} ms with ${waiting} joiners waiting; next slot granted ${stall} ms later; the last at ${Math.max(...grants)} ms (${Math.max(...dry.events.filter((e) => e.e.e === 'slot').map((e) => e.atMs))} ms without the crash); slot conflicts ${conflicts}`);
  t.true(diedAt > 0 && waiting > 0, `seed=${seed}: the victim died at ${diedAt} ms with ${waiting} joiners waiting`);
  // The frontier waits arrivalMs (3 s) for it, then offers its slot again (10,999 ms here while it waited for the
  // reservation to lapse).
  t.true(stall <= 3000 + 1000, `seed=${seed}: no slot granted for ${stall} ms after the victim died`);
  // One frontier at a time still: no slot handed out twice, every other joiner placed.
  t.is(conflicts, 0, `seed=${seed}`);
  const slots = w.honest.filter((n) => n !== node).map((n) => n.machine.slot);
  t.true(slots.every((x) => x !== null), `seed=${seed}: ${slots.filter((x) => x === null).length} joiners without a slot`);
  t.is(new Set(slots).size, slots.length, `seed=${seed}: a slot is held twice`);
});

test('a partition and its heal: both sides prune the other, then merge into one mesh with unique slots', (t) => {
  const { w, seed } = scenario('mesh-partition', { n: 40, wave: 40, waveGapMs: 3000, partition: { atMs: 30_000, healAtMs: 90_000 } });
  runUntilConverged(w, w.lastStartMs, 29_000);
  w.sim.run({ maxTimeMs: 89_000, maxEvents: 50_000_000 });
  const split = checkMeshInvariants(w);
  t.true(split.violations.some((v) => v.includes('reachable')), `seed=${seed}: the partition did not split the mesh`);
  const { report, atMs } = runUntilConverged(w, 90_000, 400_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  const lost = w.events.filter((e) => e.e.e === 'conflict').length;
  t.log(`merged ${((atMs - 90_000) / 1000).toFixed(0)} s after the heal; ${lost} slot conflicts decided`);
});

test('adversaries that forge proofs, replay windows, bring precomputed chains or squat on a slot never win', (t) => {
  // Splice rounds at 500 ms, not 200 (the CPU budget again): each prune of an adversary changes the occupancy and
  // starts the claims and grants over, and at 200 ms 40 nodes that all link to each other republished ~4 times a
  // second for 30 s (2.24 M events, 35 s CPU, against 0.70 M and 11 s; the adversaries lose either way).
  const { w, seed } = scenario('mesh-adversaries', {
    n: 40, wave: 40, waveGapMs: 3000, config: { spliceRoundMs: 500 },
    adversaries: [{ behaviour: 'forge', count: 3 }, { behaviour: 'replay', count: 3 }, { behaviour: 'precompute', count: 3 }, { behaviour: 'honest', count: 1 }],
  });
  const squatter = w.adversaries.at(-1)! as SimMeshNode;
  const boot = w.honest[0]!;
  runUntilConverged(w, w.lastStartMs, w.lastStartMs + 30_000);
  // The squatter announces slot 0 (the bootstrap's) with attestations it forged, claiming huge work.
  const fake = standinCrypto(w.keys, { peerId: 'sim/ffffffffffffffffffff', publicKey: new Uint8Array(32).fill(0xff), secret: new Uint8Array(32) });
  const forgedAtt = fake.attest(squatter.machine.ownRecord()!.info.publicKey, { steps: 1e12, fromHeight: 0, toHeight: 1e12, end: new Uint8Array(32) });
  w.sim.command(w.sim.nowMs + 1, squatter.id, (node) => {
    const n = node as SimMeshNode;
    const own = n.machine.ownRecord()!;
    const rec = makeRecord(n.crypto, own.seq + 1, { ...own.info, slot: 0, attestations: [forgedAtt] });
    const frame = encodeMeshFrame({ t: 'records', records: [rec.record] });
    return [...n.links.keys()].map((to) => ({ send: { to, msg: { k: 'frame' as const, bytes: frame }, bytes: frame.length } }));
  });
  const { report } = runUntilConverged(w, w.sim.nowMs + 5000, w.sim.nowMs + 120_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  for (const n of w.honest) t.is(n.machine.occupantOf(0), boot.id, `seed=${seed}: ${n.id} sees ${n.machine.occupantOf(0)} at slot 0`);
  t.is(boot.machine.slot, 0);
  const invalid = w.honest.reduce((a, n) => a + n.liveness.counters.invalid, 0);
  t.true(invalid > 0, 'no adversarial proof was ever rejected: the adversaries never got challenged');
  t.log(`invalid stand-in proofs rejected: ${invalid}; prunes: ${w.events.filter((e) => e.e.e === 'pruned').length}`);
});

test('real Ed25519 records and tombstones and native VDF attestations: a small mesh converges the same way', (t) => {
  const { w, seed } = scenario('mesh-real-crypto', { n: 10, wave: 10, waveGapMs: 2000, realCrypto: true, crash: { fraction: 0.1, atMs: 40_000 } });
  runUntilConverged(w, w.lastStartMs, 39_000);
  const { report } = runUntilConverged(w, 45_000, 200_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.true(w.honest.every((n) => n.id.startsWith('b3b3/')));
  const forged = w.honest.reduce((a, n) => a + n.machine.counters.records.forged, 0);
  t.is(forged, 0);
});
