/**
 * The concierge's frontier rules (docs/mesh-node.md, "One frontier at a time"),
 * driven directly: plain lattice adjacency and a scope of 2, so a prefix of 30
 * slots already reaches past what the bootstrap can place.
 */
import test from 'ava';
import { Concierge, type PlacementView } from '../../../ts/mesh/node/concierge.js';
import { makeRecord, type PeerRecord } from '../../../ts/mesh/node/records.js';
import { latticeTopology } from '../../../ts/mesh/node/topology.js';
import { StandinKeys, standinCrypto } from '../../../ts/sim/mesh/standin-crypto.js';
import { Rng } from '../../../ts/sim/rng.js';

const topology = latticeTopology();
const config = { reservationMs: 10_000, holeStableMs: 10_000, offerRecords: 20, arrivalMs: 3000, tickMs: 500 };
const prefix = (n: number) => Array.from({ length: n }, (_, i) => i);
const concierge = () => new Concierge('sim/00112233445566778899', topology, 2, config);
const top = (occupied: readonly number[], extra: Partial<PlacementView> = {}): PlacementView =>
  ({ me: 29, occupied, holes: new Map(), higherLinked: false, asFrontier: true, ...extra });

test('the top node hands out distinct slots above the prefix; a node lower down does not', (t) => {
  const c = concierge();
  const a = c.place(top(prefix(30)), 0);
  const b = c.place(top(prefix(30)), 1);
  t.is(a, 30);
  t.is(b, 31);
  t.is(c.reservedTo(2), 31);
  // The same prefix seen from slot 20 (not the top): pass it uphill.
  t.is(concierge().place(top(prefix(30), { me: 20 }), 0), undefined);
  // A higher linked peer, or a lost conflict (asFrontier false), also means: not the frontier.
  t.is(concierge().place(top(prefix(30), { higherLinked: true }), 0), undefined);
  t.is(concierge().place(top(prefix(30), { asFrontier: false }), 0), undefined);
});

test('reservations on the path: below them a node is not the frontier; its own reservations are not in its way', (t) => {
  // A relay on the path reserved 30 for a joiner still on its way: the node at 29 must not go on at 31 (its joiner
  // at 30 will be the frontier).
  t.is(concierge().place(top(prefix(30), { reservedBelow: 30 }), 0), undefined);
  // The frontier that made those reservations carries on above them.
  const c = concierge();
  t.is(c.place(top(prefix(30)), 0), 30);
  t.is(c.place(top(prefix(30), { reservedBelow: 30 }), 1), 31);
  // Its joiner at 30 has arrived: that slot above the frontier is its own, not a sign that someone is higher.
  t.is(c.pendingTo(new Map([[30, {}]])), 31);
  t.is(c.pendingTo(new Map([[30, {}], [31, {}]])), -1);
  const d = concierge();
  t.is(d.place(top(prefix(30)), 0), 30);
  t.is(d.place(top(prefix(31)), 1), 31, 'its own joiner at 30 does not end its turn');
  // The same occupancy for a node that did not reserve 30: someone is higher.
  t.is(concierge().place(top(prefix(31)), 0), undefined);
});

test('a relay sends joins the way the last frontier answer came, until BUSY or the reservations lapse', (t) => {
  const c = concierge();
  t.is(c.frontierVia(0), undefined);
  c.relayedOffer(35, 'sim/frontier', 0);
  t.is(c.frontierVia(1), 'sim/frontier');
  t.is(c.reservedTo(1), 35);
  // A lower answer through another link does not pull the way back down.
  c.relayedOffer(33, 'sim/other', 2);
  t.is(c.frontierVia(3), 'sim/frontier');
  c.relayedBusy('sim/other');
  t.is(c.frontierVia(3), 'sim/frontier');
  c.relayedBusy('sim/frontier');
  t.is(c.frontierVia(4), undefined);
  t.is(c.reservedTo(4), 35, 'the reservations still count after BUSY');
  t.is(c.reservedTo(10_001), -1, 'and lapse with reservationMs');
});

test('parked joins are bounded and handed back once', (t) => {
  const c = concierge();
  let parked = 0;
  for (let i = 0; i < 100; i++) if (c.park({ from: `sim/${i}`, frame: i, since: 0 })) parked++;
  t.is(parked, 64);
  const back = c.unpark<number>();
  t.deepEqual(back.map((p) => p.frame), prefix(64));
  t.is(c.unpark().length, 0);
});

test('a join that passes a node twice is answered along its first way back; both links it used are held until then', (t) => {
  const c = concierge();
  c.relay('e:1', { back: 'sim/joinerside', to: 'sim/placer', joiner: false, until: 100 });
  // The placer hands it back to us (the handover), and we pass it on to the next frontier.
  c.relay('e:1', { back: 'sim/placer', to: 'sim/next', joiner: false, until: 200 });
  t.like(c.relayOf('e:1'), { back: 'sim/joinerside', to: 'sim/next', until: 100 });
  t.true(c.carries('sim/joinerside'));
  t.true(c.carries('sim/next'));
  t.false(c.carries('sim/placer'), 'the answer does not come back that way');
  c.answered('e:1');
  t.false(c.carries('sim/joinerside'));
  t.false(c.carries('sim/next'));
});

test('joiners above: own and relayed reservations count while they last, then not (nobody has to ask first)', (t) => {
  const c = concierge();
  t.false(c.joinersAbove(29, 0));
  t.is(c.place(top(prefix(30)), 0), 30);
  t.true(c.joinersAbove(29, 1));
  t.is(c.reservedTo(9_999), 30);
  // Lapsed, though no placement has swept the map since: a node nobody asks must not hold its turn or its slot.
  t.is(c.reservedTo(10_000), -1);
  t.false(c.joinersAbove(29, 10_000));
  // A frontier answer we relayed, and the concierge that placed us, count the same way.
  const r = concierge();
  r.relayedOffer(35, 'sim/up', 0);
  t.true(r.joinersAbove(29, 5_000));
  t.false(r.joinersAbove(29, 10_000));
  const p = concierge();
  p.placedBelow(31, 0);
  t.true(p.joinersAbove(29, 5_000));
  t.false(p.joinersAbove(31, 5_000));
  t.false(p.joinersAbove(29, 10_000));
});

test('a node placed at the top leaves the frontier to its placer until the placer hands it a join', (t) => {
  // Placed at 29, told nothing above was reserved yet: its placer may still have reserved 30, 31… right after.
  const c = concierge();
  c.placedBelow(29, 0, 'sim/placer');
  t.is(c.deferringTo(1), 'sim/placer');
  t.is(c.place(top(prefix(30)), 1), undefined, 'not the frontier while the placer may still be');
  // A join forwarded by anyone else is no handover.
  c.handedOver('sim/other');
  t.is(c.place(top(prefix(30)), 2), undefined);
  // The placer passing a join on means it stopped: now this node is the frontier.
  c.handedOver('sim/placer');
  t.is(c.deferringTo(3), undefined);
  t.is(c.place(top(prefix(30)), 3), 30);
  // A placer that never hands over (it left) holds the turn only as long as its reservations last.
  const d = concierge();
  d.placedBelow(29, 0, 'sim/placer');
  t.is(d.place(top(prefix(30)), 10_000), 30);
  // Where the view is complete (every slot below the lowest free one within scope) nobody defers.
  const e = new Concierge('sim/00112233445566778899', topology, 2, config);
  e.placedBelow(2, 0, 'sim/placer');
  t.is(e.place(top(prefix(3), { me: 2 }), 1), 3);
});

test("the frontier's successor is its highest live reservation", (t) => {
  const c = concierge();
  t.is(c.successor(0), undefined);
  t.is(c.place(top(prefix(30)), 0), 30);
  t.is(c.place(top(prefix(30)), 1), 31);
  t.is(c.successor(2), 31);
  t.is(c.successor(10_000), 31, 'the later reservation lasts longer');
  t.is(c.successor(10_001), undefined);
});

test('a successor that does not arrive within arrivalMs is given up: its slot is offered again, and it is the successor again if it comes', (t) => {
  const c = concierge();
  t.is(c.place(top(prefix(30)), 0), 30);
  t.is(c.place(top(prefix(30)), 1000), 31);
  const none = new Map<number, unknown>();
  // 31 was reserved at 1000: not given up before 4000.
  t.deepEqual(c.giveUpNoShows(3999, none), []);
  t.is(c.successor(3999), 31);
  // Then 31 is given up, and 30 too (reserved at 0, not arrived): the frontier keeps its turn and offers them again.
  t.deepEqual(c.giveUpNoShows(4000, none), [31, 30]);
  t.is(c.successor(4000), undefined);
  t.is(c.reservedTo(4000), -1, 'no joiner is on its way to them any more');
  // The relays of their answers still report 31 as reserved on the path: it is ours, so this node is still the
  // frontier, and it offers 30 and 31 again, not 32.
  t.is(c.place(top(prefix(30), { reservedBelow: 31 }), 4001), 30);
  t.is(c.place(top(prefix(30), { reservedBelow: 31 }), 4002), 31);
  t.is(c.successor(4003), 31);
  // One that arrives after all, before its slot went to anyone else, is the successor again.
  const d = concierge();
  t.is(d.place(top(prefix(30)), 0), 30);
  t.is(d.place(top(prefix(30)), 1), 31);
  t.deepEqual(d.giveUpNoShows(3001, new Map([[30, {}]])), [31]);
  t.is(d.successor(3001), 30);
  d.expireReservations(3002, new Map([[30, {}], [31, {}]]), prefix(32));
  t.is(d.successor(3002), 31);
  t.deepEqual(d.giveUpNoShows(3003, new Map([[30, {}], [31, {}]])), []);
});

test('an offer relayed near its slot carries the placer first, then the nearest records the placer or the relay knows', (t) => {
  const keys = new StandinKeys();
  const rng = new Rng(3);
  const peer = (slot: number): PeerRecord => {
    const c = standinCrypto(keys, keys.create(rng));
    return makeRecord(c, 1, { publicKey: c.publicKey, slot, addrs: [], name: 'p', attestations: [] });
  };
  const c = new Concierge('sim/00112233445566778899', topology, 2, { ...config, offerRecords: 4 });
  // A new frontier at 199 placed slot 200 and knew only itself and slot 170, 6 away; we (a relay at 198) know 196..198.
  const placer = peer(199);
  const far = peer(170);
  const ours = new Map([196, 197, 198].map((s) => [s, peer(s)] as const));
  const got = c.relayRecords(200, [placer.record, far.record], 198, [...ours.keys()], ours);
  const slotOf = new Map([[placer.record, 199], [far.record, 170], ...[...ours].map(([s, r]) => [r.record, s] as const)]);
  t.is(got[0], placer.record, 'the placer stays first (the joiner tells it it arrived)');
  t.deepEqual(got.slice(1).map((r) => slotOf.get(r)), [198, 197, 196], 'nearest first; the far record gives way');
  // With room to spare the placer's far record is kept; a relay whose scope does not reach the slot changes nothing.
  const wide = new Concierge('sim/00112233445566778899', topology, 2, { ...config, offerRecords: 20 });
  t.deepEqual(wide.relayRecords(200, [placer.record, far.record], 198, [...ours.keys()], ours).map((r) => slotOf.get(r)), [199, 198, 197, 196, 170]);
  t.deepEqual(c.relayRecords(200, [placer.record, far.record], 0, [...ours.keys()], ours), [placer.record, far.record]);
});
