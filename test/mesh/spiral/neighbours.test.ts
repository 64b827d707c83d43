import test from 'ava';
import { DIRECTIONS, add } from '../../../ts/mesh/spiral/coords.js';
import { coordToSlot, slotToCoord, ballSize } from '../../../ts/mesh/spiral/slots.js';
import { computeLinks, neighboursOf, MAX_DEGREE, type Links } from '../../../ts/mesh/spiral/neighbours.js';
import { rng, SEED } from '../../helpers/seeded.js';

function checkSymmetricBounded(links: Links): string | undefined {
  for (const [s, ns] of links) {
    if (ns.length > MAX_DEGREE) return `slot ${s} has ${ns.length} links`;
    if (ns.includes(s)) return `slot ${s} links to itself`;
    if (new Set(ns).size !== ns.length) return `slot ${s} has a duplicate link`;
    for (const t of ns) if (!links.get(t)?.includes(s)) return `link ${s}→${t} is not symmetric`;
  }
  return undefined;
}

function degreeStats(links: Links, target: number): { min: number; short: number; deficit: number } {
  let min = Infinity;
  let short = 0;
  let deficit = 0;
  for (const ns of links.values()) {
    min = Math.min(min, ns.length);
    if (ns.length < target) {
      short++;
      deficit += target - ns.length;
    }
  }
  return { min, short, deficit };
}

const prefix = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('N = 1..300 prefixes: symmetric, ≤ 20, complete up to 21, min degree recorded', (t) => {
  let worst = { n: 0, min: 20 };
  let exact = 0;
  for (let n = 1; n <= 300; n++) {
    const links = computeLinks(prefix(n));
    const err = checkSymmetricBounded(links);
    if (err !== undefined) return t.fail(`N=${n}: ${err}`);
    const target = Math.min(20, n - 1);
    const st = degreeStats(links, target);
    if (n <= 21) t.is(st.short, 0, `N=${n} must be complete`);
    if (st.short === 0) exact++;
    if (n > 21 && st.min < worst.min) worst = { n, min: st.min };
  }
  t.log(`exact min(20, N−1) for ${exact}/300 prefixes; worst min degree ${worst.min} at N=${worst.n}`);
  t.true(worst.min >= 9, 'guaranteed floor measured for this rule');
});

test('sampled prefixes up to 10,000: symmetric, bounded, interior nodes keep their 20 lattice links', (t) => {
  const r = rng(SEED);
  const sizes = [500, 2000, 10_000];
  for (let i = 0; i < 1; i++) sizes.push(300 + Math.floor(r() * 9700));
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
    t.true(st.min >= 9);
  }
});

test('random holes: still symmetric and bounded', (t) => {
  const r = rng(SEED + 1);
  for (const [n, frac] of [[300, 0.1], [1000, 0.3], [3000, 0.1], [2000, 0.7]] as const) {
    const occ = prefix(n).filter(() => r() >= frac);
    const err = checkSymmetricBounded(computeLinks(occ));
    t.is(err, undefined, `N=${n} holes=${frac}: ${err}`);
  }
});

test('locality: a node computes its global links from the slots within VIEW_RADIUS', (t) => {
  // Mesh much wider than the view: ball(22) occupied with random 20 % holes.
  const r = rng(SEED + 2);
  const occ = prefix(ballSize(22)).filter(() => r() >= 0.2);
  const global = computeLinks(occ);
  const onSurface = occ.filter((s) => (global.get(s)?.length ?? 0) < 20);
  for (let i = 0; i < 3; i++) {
    const s = onSurface[Math.floor(r() * onSurface.length)]!;
    t.deepEqual(neighboursOf(s, occ), global.get(s), `slot ${s}`);
  }
});
