import test from 'ava';
import { distance, latticeNeighbours, norm, offsetsWithin, type Coord } from '../../../ts/mesh/spiral/coords.js';
import { ballSize, coordToSlot, shellOf, shellSize, slotToCoord } from '../../../ts/mesh/spiral/slots.js';
import { isLagoonError } from '../../../ts/core/errors.js';
import { rng, SEED } from '../../helpers/seeded.js';

const key = (c: Coord): string => `${c.q},${c.r},${c.z}`;

test('shell n holds 18n²+2 cells, ball n holds 6n³+9n²+5n+1', (t) => {
  const cells = offsetsWithin(8);
  for (let n = 1; n <= 8; n++) {
    t.is(cells.filter((c) => norm(c) === n).length, 18 * n * n + 2, `shell ${n}`);
    t.is(shellSize(n), 18 * n * n + 2);
    t.is(cells.filter((c) => norm(c) <= n).length + 1, 6 * n ** 3 + 9 * n ** 2 + 5 * n + 1, `ball ${n}`);
    t.is(ballSize(n), ballSize(n - 1) + shellSize(n));
  }
});

test('shell 1 is exactly the 20 lattice neighbours of slot 0', (t) => {
  const shell1 = new Set(Array.from({ length: 20 }, (_, i) => key(slotToCoord(i + 1))));
  const nbrs = new Set(latticeNeighbours(slotToCoord(0)).map(key));
  t.is(nbrs.size, 20);
  t.deepEqual([...shell1].sort(), [...nbrs].sort());
  for (const c of latticeNeighbours({ q: 3, r: -1, z: 2 })) t.is(distance(c, { q: 3, r: -1, z: 2 }), 1);
});

test('slotToCoord/coordToSlot is a bijection, shell by shell, over the first 8 shells', (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < ballSize(8); i++) {
    const c = slotToCoord(i);
    t.is(norm(c), shellOf(i));
    if (coordToSlot(c) !== i) t.fail(`slot ${i} → ${key(c)} → ${coordToSlot(c)}`);
    seen.add(key(c));
  }
  t.is(seen.size, ballSize(8));
  for (let n = 0; n <= 8; n++) {
    t.is(shellOf(ballSize(n - 1)), n);
    t.is(shellOf(ballSize(n) - 1), n);
  }
});

test('large indices round-trip without enumeration (10^7 and beyond)', (t) => {
  const r = rng(SEED);
  const samples = [1e7, 1e7 - 1, 2 ** 40, 2 ** 50, ballSize(120), ballSize(120) - 1];
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(r() * 2e7));
  for (const i of samples) {
    const c = slotToCoord(i);
    t.is(coordToSlot(c), i);
    t.is(norm(c), shellOf(i));
    t.true(ballSize(shellOf(i) - 1) <= i && i < ballSize(shellOf(i)));
  }
  t.is(shellOf(1e7), 119); // ballSize(118) = 9,981,227 ≤ 10^7 < ballSize(119)
});

test('consecutive slots are lattice neighbours, across shell boundaries too', (t) => {
  const gaps: string[] = [];
  const check = (i: number): void => {
    const a = slotToCoord(i);
    const b = slotToCoord(i + 1);
    if (distance(a, b) !== 1 && gaps.length < 5) gaps.push(`${i} ${key(a)} → ${i + 1} ${key(b)}`);
  };
  for (let i = 0; i + 1 < ballSize(10); i++) check(i);
  const r = rng(SEED + 5);
  for (let i = 0; i < 2000; i++) check(Math.floor(r() * 2e7));
  for (let n = 0; n <= 200; n++) check(ballSize(n) - 1); // every shell boundary up to shell 201
  t.deepEqual(gaps, []);
});

test('invalid slot indices are rejected with a code', (t) => {
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 51]) {
    const err = t.throws(() => slotToCoord(bad));
    t.true(isLagoonError(err, 'ERR_INVALID_ARGUMENT'));
  }
});
