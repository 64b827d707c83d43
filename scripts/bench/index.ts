/**
 * `npm run bench -- [--quick] [--runs=N] [suite ...]`
 *
 * Discovers `scripts/bench/suites/*.ts` (each default-exports a BenchSuite),
 * runs the selected ones in name order, prints a table per suite and writes
 * everything to `bench-results/<timestamp>.json`. Exits non-zero only when a
 * suite crashes; missed goals are reported, not failures.
 */
import { readdirSync, mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { BenchReport, BenchSuite } from './types.js';
import { parseArgs, runCount, USAGE } from './lib/args.js';
import { formatReport } from './lib/format.js';
import { readNofile, targetNofile, stopAll } from './lib/proc.js';
import { REPO_ROOT } from './irc/servers.js';

const SUITES_DIR = join(REPO_ROOT, 'scripts/bench/suites');
const REEXEC_MARK = 'BENCH_NOFILE_RAISED';

/**
 * The load generator holds ~10,000 sockets. When our open-file limit is
 * lower than that, re-run ourselves under `prlimit` with a higher one.
 */
function reexecWithMoreFiles(): number | null {
  const want = targetNofile();
  if (readNofile().soft >= want || process.env[REEXEC_MARK]) return null;
  process.stderr.write(`bench: raising open-file limit to ${want} (re-exec under prlimit)\n`);
  process.on('SIGINT', () => undefined); // the child gets it too and cleans up
  const r = spawnSync('prlimit', [`--nofile=${want}:${want}`, '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_MARK]: '1' },
  });
  if (r.error) {
    process.stderr.write(`bench: prlimit failed (${r.error.message}); continuing with ${readNofile().soft} open files\n`);
    return null;
  }
  return r.status ?? 1;
}

function discover(): string[] {
  return readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => basename(f, '.ts'))
    .sort();
}

export interface SuiteOutcome {
  suite: string;
  report?: BenchReport;
  error?: string;
  seconds: number;
}

async function runSuite(name: string, quick: boolean): Promise<SuiteOutcome> {
  const started = Date.now();
  const tmpDir = mkdtempSync(join(tmpdir(), `lagoon-bench-${name}-`));
  const log = (line: string): void => {
    process.stderr.write(`[${name}] ${line}\n`);
  };
  try {
    const mod = (await import(pathToFileURL(join(SUITES_DIR, `${name}.ts`)).href)) as { default?: BenchSuite };
    if (typeof mod.default !== 'function') throw new Error(`suites/${name}.ts has no default-exported BenchSuite`);
    const report = await mod.default({ quick, log, tmpDir });
    rmSync(tmpDir, { recursive: true, force: true });
    return { suite: name, report, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    log(`CRASHED: ${(err as Error).stack ?? String(err)}`);
    log(`kept ${tmpDir} for inspection (server configs and logs)`);
    return { suite: name, error: (err as Error).message, seconds: (Date.now() - started) / 1000 };
  } finally {
    await stopAll();
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\navailable suites: ${discover().join(', ')}\n`);
    return 0;
  }
  const reexec = reexecWithMoreFiles();
  if (reexec !== null) return reexec;
  // Suites read the repetition count from here; BenchContext stays as specified.
  process.env.BENCH_RUNS = String(runCount(args));
  const all = discover();
  const unknown = args.suites.filter((s) => !all.includes(s));
  if (unknown.length > 0) throw new RangeError(`unknown suite(s) ${unknown.join(', ')}; available: ${all.join(', ')}`);
  const selected = args.suites.length > 0 ? args.suites : all;
  const outcomes: SuiteOutcome[] = [];
  for (const name of selected) {
    process.stderr.write(`bench: running ${name}${args.quick ? ' (--quick)' : ''}\n`);
    const o = await runSuite(name, args.quick);
    outcomes.push(o);
    process.stdout.write(`\n${o.report ? formatReport(o.report) : `== ${name} ==\nCRASHED: ${o.error}`}\n(${o.seconds.toFixed(0)} s)\n`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(REPO_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify({ startedAt: stamp, quick: args.quick, runs: runCount(args), node: process.version, outcomes }, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
  return outcomes.some((o) => o.error !== undefined) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    void stopAll().finally(() => process.exit(2));
  },
);
