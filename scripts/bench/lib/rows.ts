/** Building BenchRows that compare a candidate with baselines. Pure. */
import type { BenchRow } from '../types.js';
import { ratio } from './stats.js';

export interface Goal {
  /** Human text, e.g. ">= 0.8x". */
  text: string;
  /** Whether the ratio meets it. */
  met: (ratio: number) => boolean;
}

/** Higher is better: ratio must be at least `min`. */
export function atLeast(min: number): Goal {
  return { text: `>= ${min.toFixed(1)}x`, met: (r) => Number.isFinite(r) && r >= min };
}

/** Lower is better: ratio must be at most `max`. */
export function atMost(max: number): Goal {
  return { text: `<= ${max.toFixed(1)}x`, met: (r) => Number.isFinite(r) && r <= max };
}

export function compareRow(
  figure: string,
  unit: string,
  value: number,
  baseline: { name: string; value: number },
  goal?: Goal,
  note?: string,
): BenchRow {
  const r = ratio(value, baseline.value);
  const row: BenchRow = { figure, value, unit, baseline, ratio: r };
  if (goal) {
    row.goal = goal.text;
    row.pass = goal.met(r);
  }
  if (note) row.note = note;
  return row;
}
