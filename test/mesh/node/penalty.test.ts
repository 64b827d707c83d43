/** The penalty box on its own: which strikes count, and for how long they block. */
import test from 'ava';
import { PenaltyBox } from '../../../ts/mesh/node/penalty.js';

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
