/**
 * Research script: the grant design of docs/spiral.md ("Splices as claims"),
 * in synchronous rounds on prefixes. Everything a node decides is a function
 * of records it can hold (radius 6), so nothing is evaluated recursively:
 * - a defect's owner (u) claims one splice (u, v, x, y): remove zigzag link
 *   x–y, add u–x and v–y, neither a zigzag link. It keeps its claim while
 *   both ends grant it; otherwise it picks its best splice avoiding every
 *   link granted to a lower key and every pair a lower-key claim adds
 *   (what it can read in the records of the nodes concerned);
 * - each node grants each of its zigzag links to at most one claim: going
 *   through the claims on its links in key order, a claim gets the grant if
 *   the link is not granted yet and the partner it would give this node is
 *   new (not a zigzag neighbour, not given by a grant already made, not
 *   added by one of its own claims with a lower key). Grants depend on the
 *   claims only, not on earlier grants;
 * - a claim is active iff both ends grant it.
 * Per round: grants from the claims, then claims from claims and grants.
 *
 *   node --import tsx test/mesh/spiral/splice-grants-research.ts <from:to:step> [R=3] [slot|hash] [grow]
 *
 * With `grow`, N moves by `step` (up, or down with a negative step) and the
 * claims still valid are carried over, as in a mesh that nodes join or leave.
 */
import { distance } from '../../../ts/mesh/spiral/coords.js';
import { ek, spliceScore, zigzagPrefix, type Defect } from './zigzag-prefix.js';

interface Claim { readonly d: Defect; readonly x: number; readonly y: number }

const [from, to, step] = (process.argv[2] ?? '35:400:1').split(':').map(Number) as [number, number, number];
const R = Number(process.argv[3] ?? 3);
const hashed = process.argv[4] === 'hash';
/** `grow`: N goes up one at a time and every claim still valid is carried over, as in a mesh that nodes join. */
const grow = process.argv[5] === 'grow';
let carried = new Map<number, Claim>();
let exact = 0, runs = 0, worst = 0, sum = 0, stuck = 0;
const hist = new Map<number, number>();
for (let N = from; step > 0 ? N <= to : N >= to; N += step) {
  runs++;
  const { cells, zig, defects, within: near } = zigzagPrefix(N, hashed);
  const isZig = (a: number, b: number) => zig[a]!.has(b);
  const within = (i: number) => near(i, R);
  const grantsOf = (claims: Map<number, Claim>): Map<string, number> => {
    const byNode = new Map<number, Claim[]>();
    const push = (n: number, c: Claim) => { (byNode.get(n) ?? byNode.set(n, []).get(n)!).push(c); };
    const own = new Map<number, Map<number, number>>();
    const addOwn = (n: number, p: number, k: number) => { const m = own.get(n) ?? own.set(n, new Map()).get(n)!; m.set(p, Math.min(m.get(p) ?? Infinity, k)); };
    for (const c of claims.values()) { push(c.x, c); push(c.y, c); addOwn(c.d.u, c.x, c.d.key); addOwn(c.d.v, c.y, c.d.key); }
    const g = new Map<string, number>();
    for (const [node, cs] of byNode) {
      cs.sort((a, b) => a.d.key - b.d.key);
      const given = new Set<number>();
      for (const c of cs) {
        const k = `${node}:${ek(c.x, c.y)}`;
        if (g.has(k)) continue;
        const partner = node === c.x ? c.d.u : c.d.v;
        if (isZig(node, partner) || given.has(partner) || (own.get(node)?.get(partner) ?? Infinity) < c.d.key) continue;
        g.set(k, c.d.key);
        given.add(partner);
      }
    }
    return g;
  };
  const active = (c: Claim, g: Map<string, number>) => g.get(`${c.x}:${ek(c.x, c.y)}`) === c.d.key && g.get(`${c.y}:${ek(c.x, c.y)}`) === c.d.key;
  const defectByKey = new Map(defects.map((d) => [d.key, d]));
  let claims = new Map<number, Claim>();
  for (const [k, c] of carried) {
    const d = defectByKey.get(k);
    if (d === undefined || c.x >= N || c.y >= N || d.u !== c.d.u || d.v !== c.d.v || !isZig(c.x, c.y) || isZig(d.u, c.x) || isZig(d.v, c.y)) continue;
    claims.set(k, { d, x: c.x, y: c.y });
  }
  let grants = new Map<string, number>();
  let rounds = 0;
  let settled = false;
  for (; rounds < 100; rounds++) {
    grants = grantsOf(claims);
    const removedBy = new Map<number, number>();
    const addedBy = new Map<number, number>();
    // What an owner can see within radius 6: the grants in the records of the ends of the links it may splice
    // (and, for a pair it would add, the other node's own claims). It avoids what is granted to lower keys.
    for (const [k, key] of grants) {
      const c = claims.get(key)!;
      const node = Number(k.split(':')[0]);
      removedBy.set(ek(c.x, c.y), Math.min(removedBy.get(ek(c.x, c.y)) ?? Infinity, key));
      const pair = node === c.x ? ek(c.d.u, c.x) : ek(c.d.v, c.y);
      addedBy.set(pair, Math.min(addedBy.get(pair) ?? Infinity, key));
    }
    for (const c of claims.values()) for (const a of [ek(c.d.u, c.x), ek(c.d.v, c.y)]) addedBy.set(a, Math.min(addedBy.get(a) ?? Infinity, c.d.key));
    const next = new Map<number, Claim>();
    let changed = false;
    for (const d of defects) {
      const c = claims.get(d.key);
      if (c && active(c, grants)) { next.set(d.key, c); continue; }
      let best: Claim | undefined, bestScore = Infinity;
      const cv = cells[d.v]!;
      for (const x of within(d.u)) {
        if (x === d.v || isZig(d.u, x) || (addedBy.get(ek(d.u, x)) ?? Infinity) < d.key) continue;
        for (const y of zig[x]!) {
          if (y === d.u || y === d.v || isZig(d.v, y) || ek(d.u, x) === ek(d.v, y) || distance(cv, cells[y]!) > R) continue;
          if ((removedBy.get(ek(x, y)) ?? Infinity) < d.key || (addedBy.get(ek(d.v, y)) ?? Infinity) < d.key) continue;
          const score = spliceScore(cells, d.u, d.v, x, y, N);
          if (score < bestScore) { bestScore = score; best = { d, x, y }; }
        }
      }
      if (best) next.set(d.key, best);
      if ((c === undefined) !== (best === undefined) || (c && best && (c.x !== best.x || c.y !== best.y))) changed = true;
    }
    claims = next;
    if (!changed) { grants = grantsOf(claims); settled = true; break; }
  }
  // The graph: zigzag links, minus removed, plus added, as multiplicities (a link present twice is a fault).
  const mult = new Map<number, number>();
  for (let i = 0; i < N; i++) for (const j of zig[i]!) if (i < j) mult.set(ek(i, j), 1);
  let activeN = 0;
  for (const c of claims.values()) {
    if (!active(c, grants)) continue;
    activeN++;
    mult.set(ek(c.x, c.y), (mult.get(ek(c.x, c.y)) ?? 0) - 1);
    for (const a of [ek(c.d.u, c.x), ek(c.d.v, c.y)]) mult.set(a, (mult.get(a) ?? 0) + 1);
  }
  const deg = new Array<number>(N).fill(0);
  let faults = 0;
  for (const [l, m] of mult) {
    if (m !== 0 && m !== 1) faults++;
    if (m > 0) { deg[Math.floor(l / 1e7)]! += 1; deg[l % 1e7]! += 1; }
  }
  const want = Math.min(20, N - 1);
  const off = deg.filter((g) => g !== want).length;
  const ok = settled && off === 0 && faults === 0 && activeN === defects.length;
  if (ok) exact++; else console.log(`N=${N}: ${settled ? 'settled' : 'NOT settled'} after ${rounds} rounds; defects ${defects.length}, active ${activeN}, ${off} nodes off, ${faults} links not 0/1`);
  if (!settled) stuck++;
  if (grow) carried = claims;
  worst = Math.max(worst, rounds + 1); sum += rounds + 1; hist.set(rounds + 1, (hist.get(rounds + 1) ?? 0) + 1);
}
console.log(`R=${R} keys=${hashed ? 'hash' : 'slot'}: ${exact}/${runs} exactly min(20, N−1) at the fixpoint, ${stuck} not settled in 100 rounds; rounds: worst ${worst}, mean ${(sum / runs).toFixed(1)}`);
console.log([...hist].sort((a, b) => a[0] - b[0]).map(([r, k]) => `${r}:${k}`).join(' '));
