/** The zigzag base rule: symmetric and bounded for any occupancy, local to radius 2, defects account for every missing link. */
import test from 'ava';
import { offsetsWithin } from '../../../ts/mesh/spiral/coords.js';
import { SlotIndex } from '../../../ts/mesh/spiral/slot-index.js';
import { slotToCoord } from '../../../ts/mesh/spiral/slots.js';
import { defectsAt, zigzagLinksOf } from '../../../ts/mesh/spiral/zigzag.js';
import { Rng } from '../../../ts/sim/rng.js';
import { zigzagPrefix } from './zigzag-prefix.js';

function shapes(): { name: string; slots: number[] }[] {
  const rng = new Rng(11);
  const out: { name: string; slots: number[] }[] = [];
  for (const n of [1, 2, 3, 21, 22, 35, 100, 250, 400]) out.push({ name: `prefix ${n}`, slots: Array.from({ length: n }, (_, i) => i) });
  for (const keep of [0.9, 0.5, 0.2]) out.push({ name: `${keep * 100} % of 0..1,500`, slots: Array.from({ length: 1500 }, (_, i) => i).filter(() => rng.int(1000) < keep * 1000) });
  return out;
}

test('symmetric and at most 20 for any occupancy; 20 exactly where every run through the node is 3 or longer', (t) => {
  for (const { name, slots } of shapes()) {
    t.true(slots.length > 0, `${name} is not empty`);
    const index = new SlotIndex(slots);
    const links = new Map(slots.map((s) => [s, zigzagLinksOf(s, index)]));
    for (const [s, ls] of links) {
      t.true(ls.length <= 20, `${name}: ${s} has ${ls.length}`);
      t.is(new Set(ls).size, ls.length, `${name}: ${s} lists a partner twice`);
      for (const p of ls) t.true(links.get(p)?.includes(s), `${name}: ${s}–${p} is not symmetric`);
      // Every missing link-end is a defect's: 2 for a run of 1, 1 for each node of a run of 2.
      const missing = defectsAt(s, index).reduce((a, d) => a + (d.u === d.v ? 2 : 1), 0);
      t.is(ls.length, 20 - missing, `${name}: ${s} has ${ls.length} links and ${missing} missing link-ends`);
    }
  }
});

test('the same graph and defects as the research scripts\' prefix construction', (t) => {
  for (const n of [5, 35, 123, 600]) {
    const p = zigzagPrefix(n);
    const index = new SlotIndex(Array.from({ length: n }, (_, i) => i));
    for (let s = 0; s < n; s++) t.deepEqual(zigzagLinksOf(s, index), [...p.zig[s]!].sort((a, b) => a - b), `N = ${n}, slot ${s}`);
    const owned = p.defects.map((d) => `${d.u}/${d.v}`).sort();
    const mine = Array.from({ length: n }, (_, s) => defectsAt(s, index).filter((d) => d.u === s).map((d) => `${d.u}/${d.v}`)).flat().sort();
    t.deepEqual(mine, owned, `N = ${n}: defects`);
  }
});

test('local: the occupancy within distance 2 of a node decides its links and defects', (t) => {
  const rng = new Rng(5);
  const slots = Array.from({ length: 3000 }, (_, i) => i).filter(() => rng.int(10) < 7);
  const all = new SlotIndex(slots);
  const near = offsetsWithin(2);
  for (let k = 0; k < 200; k++) {
    const s = slots[rng.int(slots.length)]!;
    const c = slotToCoord(s);
    const view = new SlotIndex([s]);
    for (const o of near) {
      const x = all.slotAt(c.q + o.q, c.r + o.r, c.z + o.z);
      if (x !== undefined) view.add(x);
    }
    t.deepEqual(zigzagLinksOf(s, view), zigzagLinksOf(s, all), `slot ${s}`);
    t.deepEqual(defectsAt(s, view), defectsAt(s, all), `slot ${s}: defects`);
  }
});
