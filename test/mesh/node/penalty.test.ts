/** The penalty box on its own: which strikes count, and for how long they block. */
import test from 'ava';
import { PenaltyBox } from '../../../ts/mesh/node/penalty.js';
import { Rng } from '../../../ts/sim/rng.js';

test('our own prunes count alone; hearsay needs a second maker; the time doubles per strike and is capped', (t) => {
  const box = new PenaltyBox('me', 1000, 3000, 10);
  box.strike('x', 0, 'me');
  t.false(box.blocks('x', 1), 'the first strike costs nothing');
  box.strike('x', 10, 'me');
  t.true(box.blocks('x', 1009), 'our second prune blocks for baseMs');
  t.false(box.blocks('x', 1010));
  box.strike('x', 2000, 'me');
  t.true(box.blocks('x', 3999), 'then twice as long');
  box.strike('x', 5000, 'me');
  t.true(box.blocks('x', 7999));
  t.false(box.blocks('x', 8000), 'capped at maxMs');

  box.strike('y', 0, 'm1');
  box.strike('y', 10, 'm1');
  box.witness('y', 20, 'm1');
  t.false(box.blocks('y', 30), 'one maker, however often');
  box.witness('y', 40, 'm2');
  t.true(box.blocks('y', 1039), 'a second maker: the strikes count from then');
  t.false(box.blocks('y', 1040));
  box.witness('z', 0, 'm2');
  t.false(box.blocks('z', 1), 'a witness is no strike');
});

test('the box is bounded: the oldest entry goes first', (t) => {
  const box = new PenaltyBox('me', 1000, 3000, 2);
  for (const p of ['a', 'b', 'c']) { box.strike(p, 0, 'me'); box.strike(p, 0, 'me'); }
  t.false(box.blocks('a', 1), 'a was evicted when c came');
  t.true(box.blocks('b', 1) && box.blocks('c', 1));
});

test('a proof we verify ourselves lifts the penalty and drops the strikes', (t) => {
  const box = new PenaltyBox('me', 1000, 3000, 10);
  box.strike('x', 0, 'me');
  box.strike('x', 0, 'me');
  t.true(box.blocks('x', 1));
  t.true(box.forgive('x', 1), 'it was kept out');
  t.false(box.blocks('x', 2));
  box.strike('x', 3, 'me');
  t.false(box.blocks('x', 4), 'strikes start again from nothing: one costs nothing');
  t.false(box.forgive('y', 5), 'nobody to forgive');
});

test('a block that ended in a span of time is reported for that span only', (t) => {
  const box = new PenaltyBox('me', 1000, 3000, 10);
  box.strike('x', 0, 'me');
  t.false(box.lapsedBetween(-Infinity, 5000), 'a first strike blocks nothing, so nothing lapses');
  box.strike('x', 10, 'me'); // blocks until 1010
  t.false(box.lapsedBetween(-Infinity, 1009));
  t.true(box.lapsedBetween(1009, 1010));
  t.true(box.lapsedBetween(500, 1500));
  t.false(box.lapsedBetween(1010, 5000), 'already reported');
});

test('lapsedBetween agrees with a scan of every block over random strikes, witnesses, forgiveness and evictions', (t) => {
  // It skips the scan while no block can have ended; this checks the shortcut against the definition, read through
  // blocks(): a block ended in (from, now] iff it blocked at `from` and no longer blocks at `now`.
  const rng = new Rng(11);
  const box = new PenaltyBox('me', 1000, 8000, 6); // 10 peers, room for 6: evictions too
  const peers = Array.from({ length: 10 }, (_, i) => `p${i}`);
  let now = 0;
  let checked = -Infinity;
  let lapses = 0;
  for (let i = 0; i < 5000; i++) {
    now += rng.int(400);
    const peer = peers[rng.int(peers.length)]!;
    const op = rng.int(4);
    if (op === 0) box.strike(peer, now, rng.int(2) === 0 ? 'me' : `m${rng.int(3)}`);
    else if (op === 1) box.witness(peer, now, `m${rng.int(3)}`);
    else if (op === 2) box.forgive(peer, now);
    const expected = peers.some((p) => box.blocks(p, checked) && !box.blocks(p, now));
    const got = box.lapsedBetween(checked, now);
    if (got !== expected) { t.fail(`step ${i}: (${checked}, ${now}] lapsed ${got}, expected ${expected}`); return; }
    if (got) lapses++;
    checked = now;
  }
  t.true(lapses > 100, `${lapses} lapses seen`);
});
