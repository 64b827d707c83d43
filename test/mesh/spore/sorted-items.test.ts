import test from 'ava';
import { createHash } from 'node:crypto';
import { ItemSet, idKey, idWords, type Item } from '../../../ts/mesh/spore/items.js';
import { SortedItems } from '../../../ts/mesh/spore/sorted-items.js';
import { Rng } from '../../../ts/sim/rng.js';

const item = (n: number, ts: number): Item => ({ ts, id: new Uint8Array(createHash('sha256').update(`item ${n}`).digest().subarray(0, 16)) });

/** The set and tags a snapshot shows, checked against the same items sorted from scratch. */
function same(t: import('ava').ExecutionContext, snap: { set: ItemSet; tags: readonly number[] }, held: Map<number, Item>, msg: string): void {
  const fresh = new ItemSet([...held.values()]);
  t.deepEqual(snap.set.items.map((it) => idKey(it.id)), fresh.items.map((it) => idKey(it.id)), msg);
  t.deepEqual(snap.set.fingerprint(0, snap.set.size), fresh.fingerprint(0, fresh.size), msg);
  const byKey = new Map([...held].map(([n, it]) => [idKey(it.id), n]));
  t.deepEqual([...snap.tags], snap.set.items.map((it) => byKey.get(idKey(it.id))), `${msg}: tags follow their items`);
}

test('random inserts and removes keep the order, the fingerprints and the tags of a set sorted from scratch', (t) => {
  const rng = new Rng(11);
  const s = new SortedItems<number>();
  const held = new Map<number, Item>();
  for (let step = 0; step < 3000; step++) {
    const n = rng.int(400);
    const old = held.get(n);
    if (old !== undefined && rng.chance(0.3)) {
      t.true(s.remove(old));
      held.delete(n);
    } else {
      // A newer version mostly sorts last (a later clock), sometimes anywhere (an old seq, equal ts).
      const ts = rng.chance(0.8) ? 1000 + step : rng.int(1000);
      const it = item(n * 10_000 + step, ts);
      if (old !== undefined) s.remove(old);
      s.insert(it, idWords(it.id), n);
      held.set(n, it);
    }
    if (step % 97 === 0) same(t, s.snapshot(), held, `step ${step}`);
  }
  t.is(s.size, held.size);
  same(t, s.snapshot(), held, 'at the end');
});

test('a snapshot does not change when the items do (copy on write); the same snapshot until they do', (t) => {
  const s = new SortedItems<number>();
  const held = new Map<number, Item>();
  for (let i = 0; i < 50; i++) {
    const it = item(i, i % 5);
    s.insert(it, idWords(it.id), i);
    held.set(i, it);
  }
  const before = s.snapshot();
  t.is(s.snapshot(), before);
  const keys = before.set.items.map((it) => idKey(it.id));
  const fp = before.set.fingerprint(0, before.set.size);
  const mid = before.set.fingerprint(10, 30);
  s.remove(held.get(7)!);
  const extra = item(99, 2);
  s.insert(extra, idWords(extra.id), 99);
  // Grow past the first allocation too (64 words = 16 items were outgrown above; go past the doubling again).
  for (let i = 100; i < 300; i++) { const it = item(i, 100 + i); s.insert(it, idWords(it.id), i); }
  t.deepEqual(before.set.items.map((it) => idKey(it.id)), keys);
  t.deepEqual(before.set.fingerprint(0, before.set.size), fp);
  t.deepEqual(before.set.fingerprint(10, 30), mid);
  t.is(before.tags.length, 50);
  t.not(s.snapshot(), before);
  t.is(s.snapshot().set.size, 250);
});

test('misuse: a second insert of an item throws; removing an absent one is false', (t) => {
  const s = new SortedItems<undefined>();
  const it = item(1, 5);
  s.insert(it, idWords(it.id), undefined);
  t.throws(() => s.insert({ ts: 5, id: it.id.slice() }, idWords(it.id), undefined), { instanceOf: RangeError });
  t.false(s.remove(item(2, 5)));
  t.true(s.remove(it));
  t.false(s.remove(it));
  t.is(s.snapshot().set.size, 0);
});
