/**
 * SPIRAL lattice geometry: hex axial coordinates (q, r) stacked in layers z.
 *
 * The metric is `distance(a, b) = max(hexDistance(Δq, Δr), |Δz|)`. Its unit
 * ball is a hexagonal prism of 3 layers × 7 cells = 21 cells: a cell and its
 * 20 lattice neighbours (6 planar, 2 vertical, 12 planar ± vertical). The ball
 * of radius n holds (3n²+3n+1)(2n+1) = 6n³+9n²+5n+1 cells, so the shell at
 * distance exactly n holds 18n²+2.
 */

export interface Coord {
  readonly q: number;
  readonly r: number;
  readonly z: number;
}

/** The six planar hex directions in cyclic order (axial). D[k] + D[k+2] = D[k+1]. */
export const HEX_DIRECTIONS: readonly (readonly [number, number])[] = [
  [1, 0],
  [1, -1],
  [0, -1],
  [-1, 0],
  [-1, 1],
  [0, 1],
];

/**
 * The 20 lattice directions: 6 planar, 2 vertical, 12 planar ± vertical.
 * Index d and d ^ 1 are opposite (pairs are stored next to each other).
 */
export const DIRECTIONS: readonly Coord[] = buildDirections();

function buildDirections(): Coord[] {
  const out: Coord[] = [];
  const pairs: [number, number][] = [[0, 3], [1, 4], [2, 5]];
  for (const [a, b] of pairs) {
    const da = HEX_DIRECTIONS[a]!;
    const db = HEX_DIRECTIONS[b]!;
    out.push({ q: da[0], r: da[1], z: 0 }, { q: db[0], r: db[1], z: 0 });
  }
  out.push({ q: 0, r: 0, z: 1 }, { q: 0, r: 0, z: -1 });
  for (const [a, b] of pairs) {
    const da = HEX_DIRECTIONS[a]!;
    const db = HEX_DIRECTIONS[b]!;
    out.push({ q: da[0], r: da[1], z: 1 }, { q: db[0], r: db[1], z: -1 });
    out.push({ q: da[0], r: da[1], z: -1 }, { q: db[0], r: db[1], z: 1 });
  }
  return out;
}

export function hexDistance(q: number, r: number): number {
  return (Math.abs(q) + Math.abs(r) + Math.abs(q + r)) / 2;
}

/** Distance from the origin in the SPIRAL metric. */
export function norm(c: Coord): number {
  return Math.max(hexDistance(c.q, c.r), Math.abs(c.z));
}

export function distance(a: Coord, b: Coord): number {
  return Math.max(hexDistance(a.q - b.q, a.r - b.r), Math.abs(a.z - b.z));
}

export function add(a: Coord, b: Coord, k = 1): Coord {
  return { q: a.q + k * b.q, r: a.r + k * b.r, z: a.z + k * b.z };
}

export function sub(a: Coord, b: Coord): Coord {
  return { q: a.q - b.q, r: a.r - b.r, z: a.z - b.z };
}

/** The 20 cells at distance 1, in DIRECTIONS order. */
export function latticeNeighbours(c: Coord): Coord[] {
  return DIRECTIONS.map((d) => add(c, d));
}

/**
 * Squared Euclidean length of an offset when the hex plane is drawn with unit
 * spacing and layers one unit apart (times 4 to stay integral): a finer
 * tie-break than the metric for choosing among equally distant cells.
 */
export function euclid4(d: Coord): number {
  // x = q + r/2, y = r·√3/2 → 4(x² + y²) = (2q + r)² + 3r²
  const x2 = 2 * d.q + d.r;
  return x2 * x2 + 3 * d.r * d.r + 4 * d.z * d.z;
}

/** All offsets with 1 ≤ distance ≤ radius. */
export function offsetsWithin(radius: number): Coord[] {
  const out: Coord[] = [];
  for (let z = -radius; z <= radius; z++) {
    for (let q = -radius; q <= radius; q++) {
      for (let r = -radius; r <= radius; r++) {
        if (hexDistance(q, r) > radius) continue;
        if (q === 0 && r === 0 && z === 0) continue;
        out.push({ q, r, z });
      }
    }
  }
  return out;
}
