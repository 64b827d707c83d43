/**
 * Research script: splices as claims. Each defect's owner (u, the lower slot
 * of a run of 2, or the single node of a run of 1) claims one splice; a claim
 * is active iff it is valid and no valid claim with a lower key shares a
 * removed or added link with it. Owners whose claim is not active re-pick
 * their best splice, avoiding every link of every lower-key claim. Rounds are
 * simultaneous (everyone sees last round's claims).
 *
 *   node --import tsx test/mesh/spiral/splice-claims-research.ts <from:to:step> [R=3] [order=slot|shuffle]
 */
import { distance } from '../../../ts/mesh/spiral/coords.js';
import { ek, spliceScore, zigzagPrefix, type Defect } from './zigzag-prefix.js';

interface Claim { readonly d: Defect; readonly x: number; readonly y: number }

/** The zigzag prefix with its links as one set of pairs too. */
function build(n: number, hashed: boolean) {
  const p = zigzagPrefix(n, hashed);
  const base = new Set<number>();
  p.zig.forEach((s, i) => { for (const j of s) base.add(ek(i, j)); });
  return { ...p, base, adj: p.zig };
}

const [from, to, step] = (process.argv[2] ?? '25:300:1').split(':').map(Number) as [number, number, number];
const R = Number(process.argv[3] ?? 3);
const order = process.argv[4] ?? 'slot';
let exact = 0, runs = 0, worstRounds = 0, sumRounds = 0;
const hist = new Map<number, number>();
for (let N = from; N <= to; N += step) {
  runs++;
  const g = build(N, order !== 'slot');
  const defects = g.defects;
  // claimsBy: per defect key, the current claim (or none)
  const claim = new Map<number, Claim | undefined>();
  const linksOf = (c: Claim) => ({ removed: ek(c.x, c.y), added: [ek(c.d.u, c.x), ek(c.d.v, c.y)] });
  const best = (d: Defect, avoidRemoved: Set<number>, avoidAdded: Set<number>): Claim | undefined => {
    let bestC: Claim | undefined, bestScore = Infinity;
    const cv = g.cells[d.v]!;
    for (const x of g.within(d.u, R)) {
      if (x === d.v || g.base.has(ek(d.u, x)) || avoidAdded.has(ek(d.u, x))) continue;
      for (const y of g.adj[x]!) {
        if (y === d.u || y === d.v || g.base.has(ek(d.v, y)) || avoidAdded.has(ek(d.v, y)) || avoidRemoved.has(ek(x, y))) continue;
        if (ek(d.u, x) === ek(d.v, y)) continue;
        if (distance(cv, g.cells[y]!) > R) continue;
        const score = spliceScore(g.cells, d.u, d.v, x, y, N);
        if (score < bestScore) { bestScore = score; bestC = { d, x, y }; }
      }
    }
    return bestC;
  };
  // spatial proximity: only claims of defects within 2R+2 can conflict; brute force by sorting is fine for research
  const near = new Map<number, Defect[]>();
  for (const d of defects) near.set(d.key, defects.filter((e) => e !== d && distance(g.cells[e.u]!, g.cells[d.u]!) <= 2 * R + 3));
  const active = (c: Claim): boolean => {
    const l = linksOf(c);
    for (const e of near.get(c.d.key)!) {
      if (e.key >= c.d.key) continue;
      const o = claim.get(e.key);
      if (!o) continue;
      const m = linksOf(o);
      if (m.removed === l.removed || m.added.some((a) => l.added.includes(a))) return false;
    }
    return true;
  };
  let rounds = 0;
  for (; rounds < 200; rounds++) {
    const next = new Map<number, Claim | undefined>();
    let changed = false;
    for (const d of defects) {
      const c = claim.get(d.key);
      if (c && active(c)) { next.set(d.key, c); continue; }
      const avoidR = new Set<number>(), avoidA = new Set<number>();
      for (const e of near.get(d.key)!) {
        if (e.key >= d.key) continue;
        const o = claim.get(e.key);
        if (!o) continue;
        const m = linksOf(o);
        avoidR.add(m.removed); for (const a of m.added) avoidA.add(a);
      }
      const b = best(d, avoidR, avoidA);
      next.set(d.key, b);
      if ((c === undefined) !== (b === undefined) || (c && b && (c.x !== b.x || c.y !== b.y))) changed = true;
    }
    for (const [k, v] of next) claim.set(k, v);
    if (!changed) break;
  }
  // final graph
  const adj = g.adj.map((s) => new Set(s));
  let ok = true;
  for (const d of defects) {
    const c = claim.get(d.key);
    if (!c || !active(c)) { ok = false; continue; }
    adj[c.x]!.delete(c.y); adj[c.y]!.delete(c.x);
    for (const [a, b] of [[d.u, c.x], [d.v, c.y]] as const) { if (adj[a]!.has(b)) ok = false; adj[a]!.add(b); adj[b]!.add(a); }
  }
  const want = Math.min(20, N - 1);
  let short = 0;
  for (const s of adj) if (s.size !== want) { ok = false; short++; }
  if (ok) exact++; else console.log(`N=${N}: not exact (${short} nodes off), rounds ${rounds}`);
  worstRounds = Math.max(worstRounds, rounds); sumRounds += rounds; hist.set(rounds, (hist.get(rounds) ?? 0) + 1);
}
console.log(`R=${R} order=${order}: ${exact}/${runs} exact; rounds to fixpoint: worst ${worstRounds}, mean ${(sumRounds / runs).toFixed(1)}`);
console.log([...hist].sort((a, b) => a[0] - b[0]).map(([r, k]) => `${r}:${k}`).join(' '));
