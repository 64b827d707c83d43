import test from 'ava';
import { SporeSync, type SyncRecords } from '../../../ts/mesh/node/sync.js';
import { ItemSet, idKey } from '../../../ts/mesh/spore/items.js';

const none: SyncRecords = { items: () => new ItemSet([]), itemsNear: () => new ItemSet([]), getById: () => undefined, get: () => undefined };
const config = { syncIntervalMs: 1000, syncFanout: 4, antiEntropyMs: 30_000, requestTimeoutMs: 3000 };
const id = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (n * 31 + i) & 0xff);
const keys = (ids: Uint8Array[]): string[] => ids.map(idKey);

test('an id asked for is not asked again of anyone until requestTimeoutMs has passed, then it is', (t) => {
  const s = new SporeSync(none, config);
  t.deepEqual(keys(s.toRequest([id(1), id(2)], 0)), keys([id(1), id(2)]));
  t.deepEqual(s.toRequest([id(1), id(2)], 2999), [], 'still waiting for both');
  t.deepEqual(keys(s.toRequest([id(2), id(3)], 1000)), keys([id(3)]));
  t.deepEqual(keys(s.toRequest([id(1), id(2), id(3)], 3000)), keys([id(1), id(2)]), 'the first two timed out; the third was asked at 1000');
  t.deepEqual(keys(s.toRequest([id(3)], 4000)), keys([id(3)]));
  t.deepEqual(s.toRequest([id(1), id(2), id(3)], 5999), []);
});

test('ids we hold are never asked for', (t) => {
  const held = id(7);
  const s = new SporeSync({ ...none, getById: (x) => (idKey(x) === idKey(held) ? { origin: 'o', seq: 1, payload: new Uint8Array(0), signature: new Uint8Array(0) } : undefined) }, config);
  t.deepEqual(keys(s.toRequest([held, id(8)], 0)), keys([id(8)]));
});
