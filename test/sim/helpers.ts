import test, { type ExecutionContext } from 'ava';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Simulator, type SimConfig } from '../../ts/sim/simulator.js';
import { resolveSeed } from '../../ts/sim/testing.js';

export interface SimContext {
  seed: number;
  /** A simulator on this test's seed; its fault parameters are printed if the test fails. */
  sim<M>(config: Omit<SimConfig, 'seed'>): Simulator<M>;
}

/**
 * An ava test around one or more seeded simulations. On failure it logs the
 * seed, every simulator's fault parameters, trace hash and counters, and the
 * command that replays the run.
 */
export function simTest(title: string, fn: (t: ExecutionContext, ctx: SimContext) => void | Promise<void>): void {
  const file = path.relative(process.cwd(), fileURLToPath(test.meta.file));
  test(title, async (t) => {
    const seed = resolveSeed(title);
    const sims: Simulator<unknown>[] = [];
    const ctx: SimContext = {
      seed,
      sim<M>(config: Omit<SimConfig, 'seed'>): Simulator<M> {
        const s = new Simulator<M>({ ...config, seed });
        sims.push(s as Simulator<unknown>);
        return s;
      },
    };
    const report = (): void => {
      t.log(`simulation failed: seed=${seed}`);
      for (const [i, s] of sims.entries()) {
        t.log(`sim[${i}] ${s.describe()}\nnow=${s.nowMs}ms trace=${s.traceHash} counters=${JSON.stringify(s.counters)} network=${JSON.stringify(s.network.totals)}`);
      }
      t.log(`replay: LAGOON_SEED=${seed} npx ava ${file} --match ${JSON.stringify(title)}`);
    };
    try {
      await fn(t, ctx);
    } catch (err) {
      report();
      throw err;
    }
    if (!t.passed) report();
  });
}
