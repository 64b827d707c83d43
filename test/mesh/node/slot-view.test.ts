/** One node's slot view: the steps a forwarded request takes toward the top (plain lattice adjacency). */
import test from 'ava';
import { makeRecord, type PeerRecord } from '../../../ts/mesh/node/records.js';
import { SlotView } from '../../../ts/mesh/node/slot-view.js';
import { latticeTopology } from '../../../ts/mesh/node/topology.js';
import { StandinKeys, standinCrypto } from '../../../ts/sim/mesh/standin-crypto.js';
import { Rng } from '../../../ts/sim/rng.js';

const keys = new StandinKeys();
const rng = new Rng(11);
const topology = latticeTopology();

/** A view holding one record per slot of `slots`, seen from the node at `me`; `at(s)` is the peer at slot s. */
function view(slots: readonly number[], me: number) {
  const crypto = standinCrypto(keys, keys.create(rng));
  const bySlot = new Map<number, PeerRecord>();
  for (const slot of slots) {
    const c = slot === me ? crypto : standinCrypto(keys, keys.create(rng));
    bySlot.set(slot, makeRecord(c, 1, { publicKey: c.publicKey, slot, addrs: [], name: 'p', attestations: [] }));
  }
  const byOrigin = new Map([...bySlot.values()].map((r) => [r.origin, r] as const));
  const v = new SlotView({ crypto, topology, scope: 10, maxRecords: 1000, records: { get: (o) => byOrigin.get(o), values: () => byOrigin.values() }, penalty: { blocks: () => false } });
  v.recompute(crypto.peerId, me, 0);
  return { v, at: (s: number) => bySlot.get(s)!.origin };
}

const upTo = (n: number) => Array.from({ length: n + 1 }, (_, i) => i);

test('upward: the highest link above; with none, the link nearest the top if nearer than we are', (t) => {
  // Slots 19..24 are holes: the node at 18 sees 25 above it but has no link up. 17 is one step from 25, 18 two.
  t.is(topology.distance(18, 25), 2);
  t.is(topology.distance(17, 25), 1);
  const { v, at } = view([...upTo(18), 25], 18);
  t.is(v.upward(18, [at(9), at(10), at(17)]), at(17), 'round the holes, through a lower slot nearer the top');
  t.is(v.upward(18, [at(9), at(10)]), undefined, 'no link nearer the top: the request stops here');
  t.is(v.upward(18, [at(9), at(17), at(25)]), at(25), 'a link above wins');
  // At the top there is nowhere to go.
  const top = view(upTo(18), 18);
  t.is(top.v.upward(18, [top.at(9), top.at(17)]), undefined);
});

test('nearestAbove: of the links above a floor, the one nearest the target, the higher slot on a tie', (t) => {
  const { v, at } = view(upTo(25), 14);
  // From 14 toward 25: 20 and 21 are both one step away; 19 is two.
  t.is(topology.distance(20, 25), 1);
  t.is(topology.distance(21, 25), 1);
  t.is(topology.distance(19, 25), 2);
  t.is(v.nearestAbove(14, [at(19), at(20), at(21), at(13)], 25), at(21));
  t.is(v.nearestAbove(14, [at(19), at(13)], 25), at(19));
  t.is(v.nearestAbove(21, [at(19), at(20), at(21)], 25), undefined, 'nothing above the floor');
});
