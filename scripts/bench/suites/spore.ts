/**
 * SPORE bytes on the wire versus sending the whole record set, same run.
 * Records are ~238-byte signed peer-address records; items are synthetic.
 */
import { createHash } from 'node:crypto';
import { ItemSet, type Item } from '../../../ts/mesh/spore/items.js';
import { runReconciliation } from '../../../ts/mesh/spore/run.js';
import type { BenchReport, BenchRow, BenchSuite } from '../types.js';

const RECORD_BYTES = 238;

function items(n: number, salt: string): Item[] {
  return Array.from({ length: n }, (_, i) => ({ ts: i % 997, id: new Uint8Array(createHash('sha256').update(salt + i).digest().subarray(0, 16)) }));
}

const suite: BenchSuite = async (ctx) => {
  const sizes = ctx.quick ? [1_000] : [10_000, 100_000];
  const diffs = ctx.quick ? [0, 10] : [0, 1, 10, 1000];
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const base = items(n, 'base');
    for (const d of diffs) {
      const extra = items(d, 'extra');
      const a = new ItemSet([...base, ...extra.filter((_, i) => i % 2 === 0)]);
      const b = new ItemSet([...base, ...extra.filter((_, i) => i % 2 === 1)]);
      const r = runReconciliation(a, b);
      const full = (n + d) * RECORD_BYTES;
      const goal = 2 * d * RECORD_BYTES + 1024;
      rows.push({
        figure: `reconciliation bytes n=${n} diff=${d} (SPORE / full set)`,
        value: r.bytes,
        unit: 'B',
        baseline: { name: 'full record set', value: full },
        ratio: full === 0 ? Number.NaN : r.bytes / full,
        goal: `<= 2x diff records + 1 KiB (${goal} B)`,
        pass: r.bytes <= goal,
        note: `${r.messages} messages, ${r.rounds} rounds`,
      });
      ctx.log(`spore n=${n} d=${d}: ${r.bytes} B vs ${full} B full`);
    }
  }
  return { suite: 'spore', rows, notes: [`record size assumed ${RECORD_BYTES} B; bytes count every SPORE message both ways, not the records themselves`] };
};

export default suite;
