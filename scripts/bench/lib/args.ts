/** Command-line parsing for `npm run bench -- [--quick] [--runs=N] [suite ...]`. Pure. */

export interface BenchArgs {
  quick: boolean;
  /** Repetitions per figure; undefined means the suite's default (3, or 1 with --quick). */
  runs: number | undefined;
  /** Suite names to run; empty means all. */
  suites: string[];
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--runs=N] [suite ...]
  --quick    small sizes and one run per figure (a smoke test, not a measurement)
  --runs=N   repetitions per figure (default 3; 1 with --quick); the median is reported
  suite      names of files in scripts/bench/suites/ without .ts (default: all)`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { quick: false, runs: undefined, suites: [], help: false };
  for (const arg of argv) {
    if (arg === '--quick') out.quick = true;
    else if (arg === '--help' || arg === '-h') out.help = true;
    else if (arg.startsWith('--runs=')) {
      const n = Number(arg.slice('--runs='.length));
      if (!Number.isInteger(n) || n < 1 || n > 20) throw new RangeError(`--runs must be an integer in 1..20, got ${arg}`);
      out.runs = n;
    } else if (arg.startsWith('-')) throw new RangeError(`unknown option ${arg}\n${USAGE}`);
    else if (/^[a-z0-9-]+$/.test(arg)) out.suites.push(arg);
    else throw new RangeError(`bad suite name ${JSON.stringify(arg)}`);
  }
  return out;
}

/** The repetition count a suite should use. */
export function runCount(args: Pick<BenchArgs, 'quick' | 'runs'>): number {
  return args.runs ?? (args.quick ? 1 : 3);
}
