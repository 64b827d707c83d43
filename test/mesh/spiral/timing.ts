/**
 * Opt-in timing of the SPIRAL neighbour computations quoted in docs/spiral.md
 * (not a test): `node --import tsx test/mesh/spiral/timing.ts [N…]`.
 */
import { computeLinks, neighboursOf } from '../../../ts/mesh/spiral/neighbours.js';
import { SlotIndex } from '../../../ts/mesh/spiral/slot-index.js';
import { LinkEvaluator } from '../../../ts/mesh/spiral/local-links.js';

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1000, 10_000, 50_000];
for (const n of sizes) {
  const occ = Array.from({ length: n }, (_, i) => i);
  let t = performance.now();
  const global = computeLinks(occ);
  const tGlobal = performance.now() - t;
  t = performance.now();
  const index = new SlotIndex(occ);
  const tIndex = performance.now() - t;
  const surface = occ.filter((s) => global.get(s)!.length < 20);
  const perCall = (pool: readonly number[]): number => {
    const k = Math.min(200, pool.length);
    t = performance.now();
    for (let i = 0; i < k; i++) new LinkEvaluator(index).linksOf(pool[Math.floor((i * pool.length) / k)]!);
    return ((performance.now() - t) / k) * 1000;
  };
  perCall(surface); // warm up
  const deep = occ.slice(0, Math.min(500, Math.floor(n / 20)));
  const tDeep = perCall(deep);
  const tSurface = perCall(surface);
  t = performance.now();
  const shared = new LinkEvaluator(index);
  for (const s of occ) shared.linksOf(s);
  const tShared = performance.now() - t;
  t = performance.now();
  neighboursOf(n - 1, occ);
  const tIterable = performance.now() - t;
  console.log(
    `N=${n}: computeLinks ${tGlobal.toFixed(0)} ms (${((tGlobal * 1000) / n).toFixed(0)} µs/node); SlotIndex ${tIndex.toFixed(0)} ms; ` +
      `fresh evaluator: deep interior ${tDeep.toFixed(0)} µs, surface ${(tSurface / 1000).toFixed(1)} ms (${surface.length} surface nodes); ` +
      `shared evaluator, all nodes ${tShared.toFixed(0)} ms; neighboursOf(iterable) ${tIterable.toFixed(0)} ms`,
  );
}
