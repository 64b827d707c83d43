/** The circulant rule below 35 slots: exactly min(20, n − 1), symmetric, and local because every node sees the whole small mesh. */
import test from 'ava';
import { distance } from '../../../ts/mesh/spiral/coords.js';
import { VIEW_RADIUS } from '../../../ts/mesh/spiral/neighbours.js';
import { isSmallMesh, SMALL_MESH_SLOTS, smallMeshLinksOf } from '../../../ts/mesh/spiral/small-mesh.js';
import { ballSize, slotToCoord } from '../../../ts/mesh/spiral/slots.js';
import { Rng } from '../../../ts/sim/rng.js';

test('every node has exactly min(20, n − 1) distinct partners, symmetric, for prefixes and for occupancies with holes', (t) => {
  const rng = new Rng(5);
  const occupancies: number[][] = [];
  for (let n = 1; n <= SMALL_MESH_SLOTS; n++) occupancies.push(Array.from({ length: n }, (_, i) => i));
  for (let k = 0; k < 40; k++) occupancies.push(Array.from({ length: SMALL_MESH_SLOTS }, (_, i) => i).filter(() => rng.int(100) < 30 + k));
  for (const occ of occupancies.filter((o) => o.length > 0)) {
    t.true(isSmallMesh(occ));
    const links = new Map(occ.map((s) => [s, smallMeshLinksOf(s, occ)]));
    for (const [s, ls] of links) {
      t.is(ls.length, Math.min(20, occ.length - 1), `${occ.length} slots: ${s} has ${ls.length}`);
      t.false(ls.includes(s));
      for (const p of ls) t.true(occ.includes(p) && links.get(p)!.includes(s), `${occ.join(',')}: ${s}–${p}`);
    }
  }
  t.deepEqual(smallMeshLinksOf(99, [0, 1, 2]), []);
  t.false(isSmallMesh([0, SMALL_MESH_SLOTS]));
  t.false(isSmallMesh([]));
});

test('local: the small slots lie within the record scope of each other and of every slot up to shell 3', (t) => {
  // So a node below 35 that sees no slot at or above 35 knows none in shells 0..3 is occupied, and all nodes of a
  // small mesh apply the same circulant to the same occupancy.
  for (let a = 0; a < SMALL_MESH_SLOTS; a++) {
    for (let b = 0; b < ballSize(3); b++) t.true(distance(slotToCoord(a), slotToCoord(b)) <= VIEW_RADIUS, `${a}–${b}`);
  }
});
