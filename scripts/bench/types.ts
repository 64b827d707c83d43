/**
 * The contract every bench suite follows. A suite is a default-exported
 * `BenchSuite` in `scripts/bench/suites/<name>.ts`; `index.ts` discovers it by
 * file name, runs it, prints a table and writes JSON.
 *
 * Every figure is reported beside a baseline measured in the same run, as a
 * ratio (`value / baseline.value`), so numbers from different machines and
 * different days are never compared directly.
 */
export interface BenchRow {
  /** What was measured, e.g. "deliveries/s N=1000 (Lagoon / InspIRCd)". */
  figure: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number };
  /** `value / baseline.value` (NaN when the baseline is 0 or missing). */
  ratio: number;
  /** Human-readable goal, e.g. ">= 0.8x". */
  goal?: string;
  /** Whether the goal was met; absent when there is no goal. */
  pass?: boolean;
  note?: string;
}

export interface BenchReport {
  suite: string;
  rows: BenchRow[];
  notes?: string[];
}

export interface BenchContext {
  /** Small sizes and a single run: a smoke test, not a measurement. */
  quick: boolean;
  log: (line: string) => void;
  /** A directory private to this suite run, removed afterwards. */
  tmpDir: string;
}

export type BenchSuite = (ctx: BenchContext) => Promise<BenchReport>;
