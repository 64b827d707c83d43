/** A node's record view: the items it reconciles with a peer are the records within the scope around that peer. */
import test from 'ava';
import { makeRecord } from '../../../ts/mesh/node/records.js';
import { RecordView } from '../../../ts/mesh/node/record-view.js';
import { TombstoneSet } from '../../../ts/mesh/node/tombstones.js';
import { latticeTopology } from '../../../ts/mesh/node/topology.js';
import { idKey } from '../../../ts/mesh/spore/items.js';
import { StandinKeys, standinCrypto } from '../../../ts/sim/mesh/standin-crypto.js';
import { Rng } from '../../../ts/sim/rng.js';

const keys = new StandinKeys();
const rng = new Rng(5);
const topology = latticeTopology();
const config = { maxRecords: 10_000, maxTombstones: 100, recordTtlMs: 600_000 };

test('itemsNear(slot) is exactly the records within the scope of slot, whether all pass or few; the same set object when all do', (t) => {
  const me = 0;
  const scope = 3;
  const crypto = standinCrypto(keys, keys.create(rng));
  const view = new RecordView({ crypto, topology, scope, tombs: new TombstoneSet(100), config });
  view.putOwn(makeRecord(crypto, 1, { publicKey: crypto.publicKey, slot: me, addrs: [], name: 'me', attestations: [] }));
  // Our records lie within 1 of us, well inside the scope: every centre within 2 sees them all, and the shortcut
  // that spares the filter decides there. One that misjudged any of the metric's four directions (q, r, q + r, z)
  // would hand some centre records outside its scope.
  const slots: number[] = [];
  for (let slot = 1; slot < 400; slot++) if (topology.distance(slot, me) <= 1) slots.push(slot);
  for (const slot of slots) {
    const c = standinCrypto(keys, keys.create(rng));
    const r = makeRecord(c, 1, { publicKey: c.publicKey, slot, addrs: [], name: 'p', attestations: [] });
    t.is(view.put(r.record, { ownSeq: 1, slot: me, wall: 1000 }).outcome, 'accepted');
  }
  const all = view.items();
  const slotOf = new Map(all.items.map((it) => [idKey(it.id), view.get(view.getById(it.id)!.origin)!.info.slot] as const));
  t.is(all.size, slots.length + 1);
  let whole = 0;
  let partial = 0;
  for (let center = 0; center < 1200; center += 7) {
    const near = view.itemsNear(center);
    const expected = all.items.filter((it) => topology.distance(slotOf.get(idKey(it.id))!, center) <= scope).map((it) => idKey(it.id));
    t.deepEqual(near.items.map((it) => idKey(it.id)), expected, `around slot ${center}`);
    if (expected.length === all.size) {
      whole++;
      t.is(near, all, 'all pass: the snapshot itself, no copy');
    } else partial++;
  }
  t.true(whole > 0 && partial > 0, `${whole} centres saw every record, ${partial} some`);
});
