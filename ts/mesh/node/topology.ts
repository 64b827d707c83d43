/**
 * The SPIRAL rule as the mesh node uses it: which slots `self` links to given
 * the occupied slots it knows, and how far it must see (its record scope).
 * Results are memoised by occupancy, because the rule is a pure function of it
 * and many callers (every node of a simulator, the concierge answering a wave
 * of joins) ask about the same occupancy.
 */
import { VIEW_RADIUS } from '../spiral/neighbours.js';
import { SlotIndex } from '../spiral/slot-index.js';
import { LinkEvaluator } from '../spiral/local-links.js';
import { distance, latticeNeighbours, type Coord } from '../spiral/coords.js';
import { coordToSlot, slotToCoord } from '../spiral/slots.js';
import { bestClaim, claimValid, grantsOf, isActive, splicedLinksOf, type Claim } from '../spiral/splices.js';
import { defectsAt } from '../spiral/zigzag.js';
import { isSmallMesh, smallMeshLinksOf } from '../spiral/small-mesh.js';
import type { GrantInfo, PeerInfo, SpliceClaimInfo } from './records.js';

/** Splice claims and grants as a node reads them in the records it holds (exact-degree rule). */
export interface SpliceSource {
  /** The claims in the record of the node at `slot` (its own defects). */
  claimsOf(slot: number): readonly Claim[];
  /** The grants in the record of the node at `slot`: its zigzag link to `other` → claim key. */
  grantsOf(slot: number): ReadonlyMap<number, number> | undefined;
}

/**
 * A SpliceSource over peer records: `infoAt(slot)` is the record read for the
 * node at `slot`. Each slot's claims and grants are decoded once per source:
 * one recomputation asks for the same few ends' grants hundreds of times
 * (bestClaim tries every link within the splice radius).
 */
export function spliceSourceOf(infoAt: (slot: number) => Pick<PeerInfo, 'splices' | 'grants'> | undefined): SpliceSource {
  const claims = new Map<number, readonly Claim[]>();
  const grants = new Map<number, ReadonlyMap<number, number> | undefined>();
  return {
    claimsOf(slot) {
      let c = claims.get(slot);
      if (c === undefined) {
        c = (infoAt(slot)?.splices ?? []).map((x) => ({ u: slot, v: x.v, axis: x.axis, x: x.x, y: x.y }));
        claims.set(slot, c);
      }
      return c;
    },
    grantsOf(slot) {
      if (grants.has(slot)) return grants.get(slot);
      const g = infoAt(slot)?.grants;
      const m = g === undefined ? undefined : new Map(g.map((x) => [x.other, x.key]));
      grants.set(slot, m);
      return m;
    },
  };
}

/** What a node puts in its own record under the exact-degree rule. */
export interface SpliceState { readonly claims: readonly Claim[]; readonly grants: ReadonlyMap<number, number> }

/** The claims and grants of `state` as a record carries them, in its order (claims by axis, grants by partner). */
export function publishedSplices(state: SpliceState): { splices: SpliceClaimInfo[]; grants: GrantInfo[] } {
  return {
    splices: state.claims.map((c) => ({ v: c.v, axis: c.axis, x: c.x, y: c.y })).sort((a, b) => a.axis - b.axis),
    grants: [...state.grants].map(([other, key]) => ({ other, key })).sort((a, b) => a.other - b.other),
  };
}

type SpliceLists = { readonly splices?: readonly SpliceClaimInfo[] | undefined; readonly grants?: readonly GrantInfo[] | undefined };

/** Whether two records' splice claims and grants are the same (exact-degree rule; asked on every record put). */
export function sameSplices(a: SpliceLists | undefined, b: SpliceLists | undefined): boolean {
  const ac = a?.splices ?? [], bc = b?.splices ?? [], ag = a?.grants ?? [], bg = b?.grants ?? [];
  if (ac.length !== bc.length || ag.length !== bg.length) return false;
  for (let i = 0; i < ac.length; i++) {
    const x = ac[i]!, y = bc[i]!;
    if (x.v !== y.v || x.axis !== y.axis || x.x !== y.x || x.y !== y.y) return false;
  }
  for (let i = 0; i < ag.length; i++) if (ag[i]!.other !== bg[i]!.other || ag[i]!.key !== bg[i]!.key) return false;
  return true;
}

export interface Topology {
  /** Occupancy farther than this from a node never changes its links. */
  readonly viewRadius: number;
  /** Whether every node has exactly min(20, N−1) links once the occupied slots are a prefix 0..N−1 and claims settled. */
  readonly exactDegree?: boolean;
  /** Slots `self` links to, given occupied slots (sorted ascending, `self` included) and, for the exact-degree rule, the splice records. */
  neighbours(self: number, occupiedSorted: readonly number[], splices?: SpliceSource): number[];
  /** Exact-degree rule only: the claims and grants `self` should publish, given what it reads. */
  spliceState?(self: number, occupiedSorted: readonly number[], splices: SpliceSource): SpliceState;
  /** Lattice distance between two slots. */
  distance(a: number, b: number): number;
  /** The lattice cell of `slot` (cached: asked for every record in scope on each sync). */
  coord(slot: number): Coord;
  /** The slots of the 20 lattice cells around `slot`. */
  adjacent(slot: number): number[];
}

function adjacentSlots(slot: number): number[] {
  return latticeNeighbours(slotToCoord(slot)).map(coordToSlot);
}

function occupancyKey(sorted: readonly number[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x1000193;
  for (const s of sorted) {
    h1 = Math.imul(h1 ^ s, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ (s * 2654435761), 0x85ebca6b) >>> 0;
  }
  return `${sorted.length}:${h1.toString(36)}:${h2.toString(36)}`;
}

/** A small LRU by occupancy: the rule is a pure function of it, and every node seeing one occupancy shares the entry. */
function occupancyMemo<T>(size: number, make: (occupiedSorted: readonly number[]) => T): (occupiedSorted: readonly number[]) => T {
  const memo = new Map<string, T>();
  return (occupiedSorted) => {
    const key = occupancyKey(occupiedSorted);
    let v = memo.get(key);
    if (v === undefined) {
      v = make(occupiedSorted);
      if (memo.size >= size) memo.delete(memo.keys().next().value as string);
    } else {
      memo.delete(key); // most recently used last
    }
    memo.set(key, v);
    return v;
  };
}

/** slotToCoord, cached: distance() is asked for every record in scope on each sync and recomputation. */
function coordCache(): (slot: number) => Coord {
  const coords = new Map<number, Coord>();
  return (s) => {
    let c = coords.get(s);
    if (c === undefined) {
      if (coords.size > 200_000) coords.clear();
      c = slotToCoord(s);
      coords.set(s, c);
    }
    return c;
  };
}

/**
 * The earlier SPIRAL rule (rays and fill-in, ts/mesh/spiral/neighbours.ts;
 * symmetric and ≤ 20 but short of 20 at the surface), kept for comparison
 * (zigzag-mesh-run.ts, TOPO=spiral). Evaluated per node (only what that node's
 * answer depends on), with a small LRU of evaluators by occupancy: one
 * evaluator answers every node that sees the same occupancy.
 */
export function spiralTopology(memoSize = 8): Topology {
  const evaluatorOf = occupancyMemo(memoSize, (occupied) => new LinkEvaluator(new SlotIndex(occupied)));
  const coord = coordCache();
  return {
    viewRadius: VIEW_RADIUS,
    neighbours(self, occupiedSorted) {
      return evaluatorOf(occupiedSorted).linksOf(self);
    },
    distance: (a, b) => distance(coord(a), coord(b)),
    coord,
    adjacent: adjacentSlots,
  };
}

/**
 * Plain lattice adjacency: a node links to its occupied lattice neighbours
 * (at most 20, symmetric, decided by occupancy within distance 1). Far from
 * min(20, N−1) at the surface, so not the mesh's rule; the simulator uses it to
 * run meshes much larger than a node's record scope at small N (view radius 1).
 */
export function latticeTopology(): Topology {
  const coord = coordCache();
  const sets = new WeakMap<readonly number[], Set<number>>();
  return {
    viewRadius: 1,
    neighbours(self, occupiedSorted) {
      let set = sets.get(occupiedSorted);
      if (set === undefined) {
        set = new Set(occupiedSorted);
        sets.set(occupiedSorted, set);
      }
      return adjacentSlots(self).filter((s) => set.has(s)).sort((a, b) => a - b);
    },
    distance: (a, b) => distance(coord(a), coord(b)),
    coord,
    adjacent: adjacentSlots,
  };
}

/**
 * The mesh's rule, exactly min(20, N−1) links (docs/spiral.md, "Neighbour
 * rule: exactly min(20, N−1)"): below 35 slots a circulant on the occupied
 * slots; from there zigzag links, completed by splices that defects' owners
 * claim and link ends grant, both carried in the nodes' own records.
 * Everything a node reads lies within 6 of it, the record scope.
 */
export function zigzagTopology(memoSize = 8): Topology {
  const indexOf = occupancyMemo(memoSize, (occupied) => new SlotIndex(occupied));
  const coord = coordCache();
  /**
   * The claims of the slots within `radius` (at most VIEW_RADIUS) of `self`. A node's recomputation asks for the
   * same view twice, spliceState (radius 6) then neighbours (radius 4), with one splice source: one scan of the
   * occupied slots serves both.
   */
  let near: { self: number; index: SlotIndex; splices: SpliceSource; claims: { claim: Claim; d: number }[] } | undefined;
  const claimsNear = (self: number, index: SlotIndex, occupiedSorted: readonly number[], splices: SpliceSource, radius: number): Claim[] => {
    if (near === undefined || near.self !== self || near.index !== index || near.splices !== splices) {
      const c = index.coordOf(self);
      const claims: { claim: Claim; d: number }[] = [];
      if (c !== undefined) {
        for (const s of occupiedSorted) {
          const d = distance(c, index.coordOf(s)!);
          if (d <= VIEW_RADIUS) for (const claim of splices.claimsOf(s)) claims.push({ claim, d });
        }
      }
      near = { self, index, splices, claims };
    }
    const out: Claim[] = [];
    for (const x of near.claims) if (x.d <= radius) out.push(x.claim);
    return out;
  };
  return {
    viewRadius: VIEW_RADIUS,
    exactDegree: true,
    neighbours(self, occupiedSorted, splices) {
      if (isSmallMesh(occupiedSorted)) return smallMeshLinksOf(self, occupiedSorted);
      const index = indexOf(occupiedSorted);
      if (splices === undefined) return splicedLinksOf(self, index, []);
      const grantsAt = (n: number) => splices.grantsOf(n);
      const touching = claimsNear(self, index, occupiedSorted, splices, 4)
        .filter((c) => (c.u === self || c.v === self || c.x === self || c.y === self) && claimValid(c, index) && isActive(c, grantsAt));
      return splicedLinksOf(self, index, touching);
    },
    spliceState(self, occupiedSorted, splices) {
      if (isSmallMesh(occupiedSorted)) return { claims: [], grants: new Map() };
      const index = indexOf(occupiedSorted);
      const grantsAt = (n: number) => splices.grantsOf(n);
      const seen = claimsNear(self, index, occupiedSorted, splices, 6);
      const held = splices.claimsOf(self);
      const claims: Claim[] = [];
      for (const d of defectsAt(self, index)) {
        if (d.u !== self) continue;
        const h = held.find((c) => c.axis === d.axis && c.v === d.v);
        const keep = h !== undefined && claimValid(h, index) && isActive(h, grantsAt);
        const c = keep ? h : bestClaim(d, index, seen, grantsAt);
        if (c !== undefined) claims.push(c);
      }
      return { claims, grants: grantsOf(self, index, seen) };
    },
    distance: (a, b) => distance(coord(a), coord(b)),
    coord,
    adjacent: adjacentSlots,
  };
}
