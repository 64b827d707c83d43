/**
 * Pure statistics helpers. No clock, no I/O: unit-tested in test/bench.
 */

/**
 * The p-th percentile (0 ≤ p ≤ 100) of `sorted` (ascending), by the
 * nearest-rank method: the smallest value such that at least p% of samples are
 * ≤ it. Returns NaN for an empty input.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile out of range: ${p}`);
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(rank, n) - 1] as number;
}

/** Percentiles of unsorted samples; sorts a copy (Float64Array sort is numeric). */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => percentileSorted(sorted, p));
}

/** Median; the mean of the two middle values for an even count. NaN when empty. NaNs are ignored. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** `value / baseline`, NaN when either is not a positive finite number. */
export function ratio(value: number, baseline: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline <= 0 || value < 0) return NaN;
  return value / baseline;
}

/**
 * A bounded sample buffer: keeps at most `capacity` values; past that it keeps
 * a uniform random subset (reservoir sampling, Algorithm R) using the injected
 * `rand` so tests are deterministic.
 */
export class SampleBuffer {
  private readonly data: Float64Array;
  private seen = 0;

  constructor(readonly capacity: number, private readonly rand: () => number = Math.random) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`bad capacity: ${capacity}`);
    this.data = new Float64Array(capacity);
  }

  add(value: number): void {
    if (this.seen < this.capacity) {
      this.data[this.seen] = value;
    } else {
      const j = Math.floor(this.rand() * (this.seen + 1));
      if (j < this.capacity) this.data[j] = value;
    }
    this.seen++;
  }

  /** How many values were offered (not how many are kept). */
  get count(): number {
    return this.seen;
  }

  values(): Float64Array {
    return this.data.subarray(0, Math.min(this.seen, this.capacity));
  }

  clear(): void {
    this.seen = 0;
  }
}
