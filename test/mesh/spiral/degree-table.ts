/**
 * Opt-in degree figures of the SPIRAL neighbour rule quoted in docs/spiral.md
 * (not a test): `node --import tsx test/mesh/spiral/degree-table.ts [maxN=2000] [sample…=10000]`.
 * Every prefix N = 1..maxN exhaustively, then each sample: a size N, or
 * `from:to:step` for every step-th size; each graph is checked symmetric and
 * ≤ 20, and compared with min(20, N−1).
 */
import { computeLinks, FILL_RADIUS, FILL_ROUNDS, RAY_LENGTH, VIEW_RADIUS } from '../../../ts/mesh/spiral/neighbours.js';
import { checkSymmetricBounded, degreeStats, prefix } from './degree-stats.js';

const [maxArg, ...rest] = process.argv.slice(2);
const maxN = Number(maxArg ?? 2000);
const samples = rest.length > 0 ? rest : ['10000'];
console.log(`RAY_LENGTH ${RAY_LENGTH}, FILL_RADIUS ${FILL_RADIUS}, FILL_ROUNDS ${FILL_ROUNDS}: VIEW_RADIUS ${VIEW_RADIUS}`);

function checked(n: number): ReturnType<typeof degreeStats> {
  const links = computeLinks(prefix(n));
  const err = checkSymmetricBounded(links);
  if (err !== undefined) throw new Error(`N=${n}: ${err}`);
  return degreeStats(links, Math.min(20, n - 1));
}

let worst = { n: 0, min: Infinity };
let exact = 0;
let completeToTwentyOne = true;
let deficitSum = 0;
let maxDeficit = { n: 0, deficit: 0 };
const milestones: string[] = [];
for (let n = 1; n <= maxN; n++) {
  const st = checked(n);
  if (st.short === 0) exact++;
  else if (n <= 21) completeToTwentyOne = false;
  // below 22 the target is N−1, so the minimum says nothing about the rule
  if (n >= 22 && st.min < worst.min) worst = { n, min: st.min };
  deficitSum += st.deficit;
  if (st.deficit > maxDeficit.deficit) maxDeficit = { n, deficit: st.deficit };
  if (n % 250 === 0) milestones.push(`${n}: ${st.min}`);
}
console.log(
  `N = 1..${maxN}: symmetric and ≤ 20 in all; complete for every N ≤ 21: ${completeToTwentyOne}; ` +
    `exactly min(20, N−1) for ${exact} prefixes; ` +
    `worst minimum degree for N ≥ 22 ${worst.min} (N = ${worst.n}); total deficit summed over all N ${deficitSum} ` +
    `(largest ${maxDeficit.deficit} link-ends at N = ${maxDeficit.n}); minimum degree at ${milestones.join(', ')}`,
);

for (const sample of samples) {
  const [from, to, step] = sample.split(':').map(Number) as [number, number?, number?];
  if (to === undefined) {
    const st = checked(from);
    console.log(`N = ${from}: symmetric and ≤ 20; min degree ${st.min}, ${st.short} nodes below 20, total deficit ${st.deficit}`);
    continue;
  }
  let low = { n: 0, min: Infinity };
  for (let n = from; n <= to; n += step ?? 1) {
    const st = checked(n);
    if (st.min < low.min) low = { n, min: st.min };
  }
  console.log(`N = ${from}..${to} step ${step ?? 1}: symmetric and ≤ 20 in all; worst minimum degree ${low.min} (N = ${low.n})`);
}
