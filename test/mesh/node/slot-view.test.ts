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
function view(slots: readonly number[], me: number, blocked: (origin: string) => boolean = () => false) {
  const crypto = standinCrypto(keys, keys.create(rng));
  const bySlot = new Map<number, PeerRecord>();
  for (const slot of slots) {
    const c = slot === me ? crypto : standinCrypto(keys, keys.create(rng));
    bySlot.set(slot, makeRecord(c, 1, { publicKey: c.publicKey, slot, addrs: [], name: 'p', attestations: [] }));
  }
  const byOrigin = new Map([...bySlot.values()].map((r) => [r.origin, r] as const));
  const v = new SlotView({ crypto, topology, scope: 10, maxRecords: 1000, records: { get: (o) => byOrigin.get(o), values: () => byOrigin.values() }, penalty: { blocks: (o) => blocked(o) } });
  v.recompute(crypto.peerId, me, 0);
  return { v, at: (s: number) => bySlot.get(s)!.origin, crypto };
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

test('a slot whose holder we keep out under a penalty is withheld, not a hole', (t) => {
  // The penalty is this node's own view of the holder (it decides whom we link to); everyone else may count the
  // holder in. Seen as a hole, the slot drew this node into it when it was the highest in view, and the double
  // claim stood until the penalty lapsed (partition seed 1 with slot-ranked claims: 124 s).
  let penalised: string | undefined;
  const { v, at, crypto } = view(upTo(12), 12, (o) => o === penalised);
  t.is(topology.distance(11, 12), 1);
  penalised = at(11);
  v.recompute(crypto.peerId, 12, 1000);
  t.false(v.occupied.includes(11), 'out of the occupancy: no link to it');
  t.is(v.withheld.get(11)?.origin, at(11));
  t.false(v.freeSince.has(11), 'but not free: not a hole to move into, though it is next to us and below us');
  penalised = undefined;
  v.recompute(crypto.peerId, 12, 2000);
  t.true(v.occupied.includes(11));
  t.is(v.withheld.size, 0);
  // The same slot with its holder gone (no record at all) is a hole: the check above is not simply "never a hole".
  const gone = view([...upTo(10), 12], 12);
  t.true(gone.v.freeSince.has(11));
});
