import test from 'ava';
import { Rng } from '../../ts/sim/rng.js';
import { EventQueue, VirtualClock } from '../../ts/sim/clock.js';
import { isLagoonError } from '../../ts/core/errors.js';

test('rng: same seed same stream, different seed different stream', (t) => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xs = Array.from({ length: 100 }, () => a.next());
  t.deepEqual(xs, Array.from({ length: 100 }, () => b.next()));
  t.notDeepEqual(xs, Array.from({ length: 100 }, () => c.next()));
  t.not(new Rng(2 ** 40).next(), new Rng(0).next()); // high seed bits matter
});

test('rng: fork depends on label and seed, not on parent consumption', (t) => {
  const p1 = new Rng(7), p2 = new Rng(7);
  for (let i = 0; i < 1000; i++) p2.next();
  const f1 = p1.fork('net'), f2 = p2.fork('net'), g = p1.fork('topology');
  const take = (r: Rng): number[] => Array.from({ length: 20 }, () => r.next());
  t.deepEqual(take(f1), take(f2));
  t.notDeepEqual(take(p1.fork('net')), take(g));
  t.notDeepEqual(take(new Rng(8).fork('net')), take(new Rng(7).fork('net')));
  t.deepEqual(take(p1.fork('a').fork('b')), take(new Rng(7).fork('a').fork('b')));
});

test('rng: int is in range and roughly uniform, float in [0,1), chance, pick', (t) => {
  const r = new Rng(1);
  const buckets = new Array<number>(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const x = r.int(10);
    if (!(x >= 0 && x < 10 && Number.isInteger(x))) t.fail(`int out of range: ${x}`);
    buckets[x] = (buckets[x] ?? 0) + 1;
  }
  // expected 10,000 per bucket, sd ≈ 95; allow 6 sd
  for (const b of buckets) t.true(Math.abs(b - n / 10) < 600, `bucket ${b}`);
  let sum = 0, hits = 0;
  for (let i = 0; i < n; i++) {
    const f = r.float();
    if (f < 0 || f >= 1) t.fail(`float out of range: ${f}`);
    sum += f;
    if (r.chance(0.3)) hits++;
  }
  t.true(Math.abs(sum / n - 0.5) < 0.006);
  t.true(Math.abs(hits - 0.3 * n) < 900);
  t.false(r.chance(0));
  t.true(r.chance(1));
  t.is(r.int(1), 0);
  t.true(r.int(2 ** 32) < 2 ** 32);
  t.true(['x', 'y'].includes(r.pick(['x', 'y'])));
  t.deepEqual(r.shuffle([3, 1, 2]).sort(), [1, 2, 3]);
  t.throws(() => r.pick([]));
  const e = t.throws(() => r.int(0));
  t.true(isLagoonError(e, 'ERR_INVALID_ARGUMENT'));
  t.throws(() => new Rng(-1));
  t.throws(() => new Rng(1.5));
});

test('clock: time never goes back; queue orders by (time, sequence)', (t) => {
  const c = new VirtualClock();
  c.advanceTo(5);
  c.advanceTo(5);
  t.is(c.nowMs, 5);
  t.throws(() => c.advanceTo(4));
  const q = new EventQueue<string>();
  const r = new Rng(3);
  const expected: [number, number, string][] = [];
  for (let i = 0; i < 2000; i++) {
    const at = r.int(50); // many ties
    q.push(at, `e${i}`);
    expected.push([at, i, `e${i}`]);
  }
  expected.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const got: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) got.push(e.item);
  t.deepEqual(got, expected.map((x) => x[2]));
  t.is(q.size, 0);
  t.throws(() => q.push(Number.NaN, 'x'));
  const small = new EventQueue<number>(2);
  small.push(1, 1);
  small.push(1, 2);
  t.throws(() => small.push(1, 3));
});
