/**
 * Seed selection for simulation tests, kept free of any test framework so
 * other drivers (benches, a future VOPR-style fuzzer) can use it too.
 *
 *   LAGOON_SEED=<n>       replay exactly that seed;
 *   LAGOON_SEED=random    a fresh seed per run (printed on failure);
 *   unset                 a fixed seed derived from the test title, so CI is stable.
 */
import { LagoonError } from '../core/errors.js';
import { fnv1a32 } from './rng.js';

export function resolveSeed(title: string, env: string | undefined = process.env['LAGOON_SEED']): number {
  if (env === undefined || env === '') return fnv1a32(title);
  if (env === 'random') return Math.floor(Math.random() * 2 ** 48); // the only Math.random in ts/sim: choosing, not simulating
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n < 0) throw LagoonError.config(`LAGOON_SEED must be a non-negative integer or "random", got ${env}`);
  return n;
}
