import test from 'ava';
import { DIRECTIONS, add, distance } from '../../../ts/mesh/spiral/coords.js';
import { coordToSlot, slotToCoord, ballSize } from '../../../ts/mesh/spiral/slots.js';
import { computeLinks, neighboursOf, VIEW_RADIUS } from '../../../ts/mesh/spiral/neighbours.js';
import { SlotIndex } from '../../../ts/mesh/spiral/slot-index.js';
import { LinkEvaluator } from '../../../ts/mesh/spiral/local-links.js';
import { planHoleMove } from '../../../ts/mesh/spiral/holes.js';
import { rng, SEED } from '../../helpers/seeded.js';
import { checkSymmetricBounded, degreeStats, prefix } from './degree-stats.js';

/** Opt-in longer exhaustive run: LAGOON_SPIRAL_MAX_N=2000 npx ava test/mesh/spiral/neighbours.test.ts */
const MAX_N = Number(process.env['LAGOON_SPIRAL_MAX_N'] ?? 300);

test(`every prefix N = 1..${MAX_N}: symmetric, ≤ 20, complete up to 21, min degree recorded`, (t) => {
  let worst = { n: 0, min: 20 };
  let exact = 0;
  for (let n = 1; n <= MAX_N; n++) {
    const links = computeLinks(prefix(n));
    const err = checkSymmetricBounded(links);
    if (err !== undefined) return t.fail(`N=${n}: ${err}`);
    const st = degreeStats(links, Math.min(20, n - 1));
    if (n <= 21) t.is(st.short, 0, `N=${n} must be complete`);
    if (st.short === 0) exact++;
    if (n > 21 && st.min < worst.min) worst = { n, min: st.min };
  }
  // Not min(20, N−1) beyond N = 21: see docs/spiral.md ("Degree").
  t.log(`exact min(20, N−1) for ${exact}/${MAX_N} prefixes; worst min degree ${worst.min} at N=${worst.n}`);
  t.true(worst.min >= 5, 'floor measured for this rule over N = 1..2,000 (docs/spiral.md)');
});

test('sampled prefixes up to 10,000: symmetric, bounded, interior nodes keep their 20 lattice links', (t) => {
  const r = rng(SEED);
  const sizes = [10_000, 300 + Math.floor(r() * 9700)];
  for (const n of sizes) {
    const links = computeLinks(prefix(n));
    const err = checkSymmetricBounded(links);
    if (err !== undefined) return t.fail(`N=${n}: ${err}`);
    for (const s of [0, 1, 7, 100]) {
      const c = slotToCoord(s);
      const lattice = DIRECTIONS.map((d) => coordToSlot(add(c, d)));
      if (lattice.every((x) => x < n)) t.deepEqual(links.get(s), lattice.sort((a, b) => a - b));
    }
    const st = degreeStats(links, 20);
    t.log(`N=${n}: min degree ${st.min}, ${st.short} nodes below 20, total deficit ${st.deficit}`);
    t.true(st.min >= 5, 'exhaustive floor to N = 2,000; every 7th N to 10,000 stays ≥ 6 (docs/spiral.md)');
  }
});

test('random holes (transient shapes): still symmetric and bounded', (t) => {
  const r = rng(SEED + 1);
  for (const [n, frac] of [[300, 0.1], [1000, 0.3], [3000, 0.1], [2000, 0.7]] as const) {
    const occ = prefix(n).filter(() => r() >= frac);
    const err = checkSymmetricBounded(computeLinks(occ));
    t.is(err, undefined, `N=${n} holes=${frac}: ${err}`);
  }
});

test('per-node evaluation over a SlotIndex equals the global graph for every node', (t) => {
  const r = rng(SEED + 3);
  for (const [n, frac] of [[2000, 0], [3000, 0.1], [1500, 0.5]] as const) {
    const occ = prefix(n).filter(() => r() >= frac);
    const global = computeLinks(occ);
    const index = new SlotIndex(occ);
    const shared = new LinkEvaluator(index);
    let mismatches = 0;
    for (const s of occ) if (shared.linksOf(s).join() !== global.get(s)!.join()) mismatches++;
    t.is(mismatches, 0, `N=${n} holes=${frac}`);
    // a fresh evaluator per node, as a node would use it
    for (let i = 0; i < 20; i++) {
      const s = occ[Math.floor(r() * occ.length)]!;
      t.deepEqual(new LinkEvaluator(index).linksOf(s), global.get(s), `slot ${s}`);
    }
  }
  t.deepEqual(new LinkEvaluator(new SlotIndex([0, 1])).linksOf(5), [], 'an unoccupied slot has no links');
});

test('locality: a node computes its global links from the slots within VIEW_RADIUS only', (t) => {
  // Mesh much wider than the view: ball(22) occupied with random 20 % holes.
  const r = rng(SEED + 2);
  const occ = prefix(ballSize(22)).filter(() => r() >= 0.2);
  const global = computeLinks(occ);
  const onSurface = occ.filter((s) => (global.get(s)?.length ?? 0) < 20);
  const inner = occ.filter((s) => (global.get(s)?.length ?? 0) === 20);
  for (const pool of [onSurface, inner]) {
    for (let i = 0; i < 8; i++) {
      const s = pool[Math.floor(r() * pool.length)]!;
      const c = slotToCoord(s);
      const view = occ.filter((x) => distance(slotToCoord(x), c) <= VIEW_RADIUS);
      t.deepEqual(neighboursOf(s, view), global.get(s), `slot ${s}`);
    }
  }
  // a self not in the view is added to it
  t.deepEqual(neighboursOf(0, [1, 2]), [1, 2]);
});

test('churn: 10 % leave, holes refill, and the links equal those of a fresh prefix of the same size', (t) => {
  const r = rng(SEED + 4);
  const N = 1000;
  const occupied = new Set(prefix(N));
  for (const s of prefix(N)) if (s !== 0 && r() < 0.1) occupied.delete(s);
  const index = new SlotIndex(occupied);
  const freeSince = new Map<number, number>();
  for (let s = 0; s < N; s++) if (!occupied.has(s)) freeSince.set(s, 0);
  const transient = computeLinks(occupied);
  t.is(checkSymmetricBounded(transient), undefined, 'right after the departures');
  let now = 0;
  let moves = 0;
  for (let tick = 0; tick < 2 * N; tick++) {
    now += 1_000;
    const max = Math.max(...occupied);
    const h = planHoleMove(max, { occupied, freeSince }, now, 1_000);
    if (h === undefined) break;
    occupied.delete(max);
    occupied.add(h);
    index.delete(max);
    index.add(h);
    freeSince.delete(h);
    moves++;
    if (moves % 25 === 0) {
      // a transient shape part-way through the refill, and a node using the live index
      t.is(checkSymmetricBounded(computeLinks(occupied)), undefined, `after ${moves} moves`);
      const s = [...occupied][Math.floor(r() * occupied.size)]!;
      t.deepEqual(neighboursOf(s, index), computeLinks(occupied).get(s));
    }
  }
  const size = occupied.size;
  t.deepEqual([...occupied].sort((a, b) => a - b), prefix(size), 'occupancy is a prefix again');
  t.deepEqual(computeLinks(occupied), computeLinks(prefix(size)), 'links depend only on occupancy, not history');
  t.log(`${N - size} left, ${moves} moves to refill`);
});
