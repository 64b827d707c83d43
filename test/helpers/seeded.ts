/**
 * Seeded randomness for tests outside the simulator, on the project's one
 * PRNG (ts/sim/rng.ts). Replay a failure with LAGOON_SEED=<n>; LAGOON_SEED=random
 * explores; unset, the seed is fixed so CI is stable.
 */
import { Rng } from '../../ts/sim/rng.js';
import { resolveSeed } from '../../ts/sim/testing.js';

export const SEED = resolveSeed('lagoon-tests');

/** A float stream in [0, 1) from `seed`. */
export function rng(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.float();
}
