import test from 'ava';
import { lowestFreeSlot, resolveSlotConflict } from '../../../ts/mesh/spiral/claims.js';
import { planHoleMove } from '../../../ts/mesh/spiral/holes.js';
import { isLagoonError } from '../../../ts/core/errors.js';
import { rng, SEED } from '../../helpers/seeded.js';

const id = (c: string): string => 'b3b3/' + c.repeat(64);

test('lowestFreeSlot', (t) => {
  t.is(lowestFreeSlot([]), 0);
  t.is(lowestFreeSlot([0, 1, 2]), 3);
  t.is(lowestFreeSlot(new Set([0, 2, 3])), 1);
  t.is(lowestFreeSlot([5, 1, 0]), 2);
});

test('conflict: more verified work wins, exact tie goes to the smaller peer id, symmetric', (t) => {
  const a = { peerId: id('f'), verifiedWork: 1000n };
  const b = { peerId: id('0'), verifiedWork: 999n };
  t.is(resolveSlotConflict(a, b).winner, a);
  t.is(resolveSlotConflict(b, a).winner, a);
  const c = { peerId: id('0'), verifiedWork: 1000n };
  t.is(resolveSlotConflict(a, c).winner, c);
  t.is(resolveSlotConflict(c, a).winner, c);
  t.is(resolveSlotConflict(c, a).loser, a);
  t.true(isLagoonError(t.throws(() => resolveSlotConflict(a, a)), 'ERR_INVALID_ARGUMENT'));
});

test('hole filling: after 10 % of N=500 leave, the occupied set returns to a prefix; one move per hole', (t) => {
  const r = rng(SEED);
  const N = 500;
  const STABLE = 30_000;
  const TICK = 1_000;
  const occupied = new Set(Array.from({ length: N }, (_, i) => i));
  const node = new Map<number, number>(); // slot → node id
  for (let i = 0; i < N; i++) node.set(i, i);
  const freeSince = new Map<number, number>();
  let removed = 0;
  while (removed < N / 10) {
    const s = Math.floor(r() * N);
    if (!occupied.has(s)) continue;
    occupied.delete(s);
    node.delete(s);
    freeSince.set(s, 0);
    removed++;
  }
  const holesBelowMax = [...freeSince.keys()].filter((h) => h < Math.max(...occupied)).length;
  const moves = new Map<number, number>(); // node id → moves
  let totalMoves = 0;
  for (let now = 0; now < 600 * TICK; now += TICK) {
    // every node plans from the same (converged) view; moves apply together
    const planned: [number, number][] = [];
    for (const s of occupied) {
      const h = planHoleMove(s, { occupied, freeSince }, now, STABLE);
      if (h !== undefined) planned.push([s, h]);
    }
    t.true(planned.length <= 1, 'only the highest slot moves');
    for (const [s, h] of planned) {
      const who = node.get(s)!;
      occupied.delete(s);
      node.delete(s);
      occupied.add(h);
      node.set(h, who);
      freeSince.delete(h);
      freeSince.set(s, now);
      moves.set(who, (moves.get(who) ?? 0) + 1);
      totalMoves++;
    }
    if (planned.length === 0 && now > STABLE) break;
  }
  const max = Math.max(...occupied);
  t.is(max, N - removed - 1, 'occupied set is the prefix 0..N−removed−1');
  t.is(occupied.size, max + 1);
  t.true([...moves.values()].every((m) => m === 1), 'no node moves more than once');
  t.true(totalMoves <= holesBelowMax, 'at most one move per hole');
});

test('hole filling waits for the stable period and never moves upward', (t) => {
  const occupied = new Set([0, 1, 3, 4]);
  t.is(planHoleMove(4, { occupied, freeSince: new Map([[2, 1000]]) }, 2000, 30_000), undefined);
  t.is(planHoleMove(4, { occupied, freeSince: new Map([[2, 1000]]) }, 31_000, 30_000), 2);
  t.is(planHoleMove(3, { occupied, freeSince: new Map([[2, 0]]) }, 31_000, 30_000), undefined, 'not the highest');
  t.is(planHoleMove(1, { occupied: new Set([0, 1]), freeSince: new Map() }, 31_000, 30_000), undefined);
});
