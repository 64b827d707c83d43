/**
 * Research script (not a test, not used by the mesh): the per-line zigzag
 * graph and splice completion towards an exact-degree SPIRAL rule, described
 * in docs/spiral.md ("Per-line zigzag: parity becomes local"). It prints the
 * figures quoted there:
 *
 *   node --import tsx test/mesh/spiral/zigzag-research.ts <from:to:step> [R=3] [shuffleSeed]
 *
 * For every prefix N in the range:
 * 1. zigzag: on every line of each of the 10 axes, each maximal run of
 *    occupied cells c1..cm is closed into one cycle with links of length ≤ 2
 *    (ci–ci+2, plus c1–c2 and cm−1–cm); a run of 2 is one link, a run of 1
 *    none. Per axis a node has ≤ 2 links, so ≤ 20 in all, and 2 unless its run
 *    is shorter than 3. Every cut of a line is crossed by exactly 2 links of a
 *    run of ≥ 3: no parity string is needed.
 * 2. defects: each run of 1 (2 missing link-ends on one node) or of 2 (1 on
 *    each of its two nodes) is a defect whose missing link-ends are even.
 * 3. splice: each defect, in turn (slot order, or shuffled), removes one link
 *    x–y of the zigzag graph with x within R of u and y within R of v (v = u for
 *    a run of 1) and adds u–x and v–y, both new: x and y keep their degree.
 *    Reports whether every node ends with exactly min(20, N−1).
 * 4. independent choice: every defect picks its best splice without seeing the
 *    others; counts the collisions (one link removed twice, one link added
 *    twice), which a local rule would have to resolve.
 */
import { distance } from '../../../ts/mesh/spiral/coords.js';
import { ek, spliceScore, zigzagPrefix, type Defect, type ZigzagPrefix } from './zigzag-prefix.js';

/** The zigzag graph of a prefix (zigzag-prefix.ts), with links that splices change in place. */
class Prefix {
  readonly cells: ZigzagPrefix['cells'];
  readonly adj: Set<number>[];
  readonly zigzag = new Set<number>();
  readonly defects: Defect[];
  readonly within: ZigzagPrefix['within'];

  constructor(readonly n: number) {
    const p = zigzagPrefix(n);
    this.cells = p.cells;
    this.adj = p.zig.map((set) => new Set(set));
    this.defects = p.defects;
    this.within = p.within;
    for (let i = 0; i < n; i++) for (const j of this.adj[i]!) if (i < j) this.zigzag.add(ek(i, j));
  }

  link(a: number, b: number): void { this.adj[a]!.add(b); this.adj[b]!.add(a); }
  unlink(a: number, b: number): void { this.adj[a]!.delete(b); this.adj[b]!.delete(a); }

  /** The best splice for a defect against the current links (nearest first, then Euclidean, then slots). */
  bestSplice(df: Defect, radius: number, removable: (x: number, y: number) => boolean): [number, number] | undefined {
    const { u, v } = df;
    let best: [number, number] | undefined;
    let bestScore = Infinity;
    for (const x of this.within(u, radius)) {
      if (x === v || this.adj[u]!.has(x)) continue;
      for (const y of this.adj[x]!) {
        if (y === u || y === v || this.adj[v]!.has(y) || !removable(x, y)) continue;
        if (distance(this.cells[v]!, this.cells[y]!) > radius) continue;
        const score = spliceScore(this.cells, u, v, x, y, this.n);
        if (score < bestScore) { bestScore = score; best = [x, y]; }
      }
    }
    return best;
  }

  degrees(): { min: number; max: number; deficit: number; below: number; odd: number } {
    let min = Infinity, max = 0, deficit = 0, below = 0, odd = 0;
    const want = Math.min(20, this.n - 1);
    for (const s of this.adj) {
      min = Math.min(min, s.size); max = Math.max(max, s.size);
      deficit += want - s.size;
      if (s.size < want) below++;
      if ((want - s.size) % 2 !== 0) odd++;
    }
    return { min, max, deficit, below, odd };
  }
}

/** Clusters of deficient nodes (lattice neighbours chained): how many have an odd number of missing link-ends. */
function oddClusters(p: Prefix): number {
  const want = Math.min(20, p.n - 1);
  const short = new Set<number>();
  for (let i = 0; i < p.n; i++) if (p.adj[i]!.size < want) short.add(i);
  const seen = new Set<number>();
  let odd = 0;
  for (const s of short) {
    if (seen.has(s)) continue;
    let missing = 0;
    const stack = [s];
    seen.add(s);
    while (stack.length > 0) {
      const x = stack.pop()!;
      missing += want - p.adj[x]!.size;
      for (const y of p.within(x, 1)) if (short.has(y) && !seen.has(y)) { seen.add(y); stack.push(y); }
    }
    if (missing % 2 !== 0) odd++;
  }
  return odd;
}

function shuffle<T>(xs: T[], seed: number): void {
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = xs.length - 1; i > 0; i--) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const j = x % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

const [from, to, step] = (process.argv[2] ?? '25:300:1').split(':').map(Number) as [number, number, number];
const radius = Number(process.argv[3] ?? 3);
const seed = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
let notExact = 0;
let runs = 0;
let worstZigzag = { min: Infinity, n: 0 };
let zigzagDeficit = 0;
let worstOddClusters = 0;
let collisions = 0;
let defectsTotal = 0;
for (let n = from; n <= to; n += step ?? 1) {
  runs++;
  const p = new Prefix(n);
  const zz = p.degrees();
  zigzagDeficit += zz.deficit;
  if (zz.min < worstZigzag.min) worstZigzag = { min: zz.min, n };
  worstOddClusters = Math.max(worstOddClusters, oddClusters(p));
  // Independent choices, all against the zigzag graph.
  const removed = new Set<number>();
  const added = new Set<number>();
  for (const df of p.defects) {
    const s = p.bestSplice(df, radius, () => true);
    if (s === undefined) continue;
    const [x, y] = s;
    for (const [set, k] of [[removed, ek(x, y)], [added, ek(df.u, x)], [added, ek(df.v, y)]] as const) {
      if (set.has(k)) collisions++;
      set.add(k);
    }
  }
  defectsTotal += p.defects.length;
  // Sequential splices.
  const order = [...p.defects];
  if (seed !== undefined) shuffle(order, seed);
  const zigzagLinks = new Set(p.zigzag);
  let unspliced = 0;
  for (const df of order) {
    const s = p.bestSplice(df, radius, (x, y) => zigzagLinks.has(ek(x, y)));
    if (s === undefined) { unspliced++; continue; }
    const [x, y] = s;
    p.unlink(x, y);
    zigzagLinks.delete(ek(x, y));
    p.link(df.u, x);
    p.link(df.v, y);
  }
  const after = p.degrees();
  const want = Math.min(20, n - 1);
  if (after.min !== want || after.max !== want) {
    notExact++;
    console.log(`N=${n}: not exact after splicing: degree ${after.min}..${after.max}, ${after.below} nodes short, ${unspliced} defects without a splice`);
  }
}
console.log(`prefixes ${from}..${to} step ${step ?? 1} (${runs}), splice radius ${radius}, order ${seed === undefined ? 'slot' : `shuffled (seed ${seed})`}`);
console.log(`zigzag alone: worst minimum degree ${worstZigzag.min} (N = ${worstZigzag.n}), total deficit ${zigzagDeficit}; clusters of deficient nodes with an odd number of missing link-ends: at most ${worstOddClusters} per prefix`);
console.log(`defects ${defectsTotal}; independent choices collide ${collisions} times (${(collisions / Math.max(1, defectsTotal)).toFixed(2)} per defect)`);
console.log(`sequential splices: ${runs - notExact} of ${runs} prefixes exactly min(20, N−1)`);
