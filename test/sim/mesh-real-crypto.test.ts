/**
 * A small mesh in the deterministic simulator with real Ed25519 records and tombstones and native VDF
 * attestations instead of the stand-ins (issue 5: one CI scenario uses the real ones). Prints its seed on
 * failure; LAGOON_SEED=<seed> replays it.
 */
import test from 'ava';
import { runUntilConverged } from '../../ts/sim/mesh/scenario.js';
import { explain, scenario } from './mesh-helpers.js';

test('real Ed25519 records and tombstones and native VDF attestations: a small mesh converges the same way', (t) => {
  const { w, seed } = scenario('mesh-real-crypto', { n: 10, wave: 10, waveGapMs: 2000, realCrypto: true, crash: { fraction: 0.1, atMs: 40_000 } });
  runUntilConverged(w, w.lastStartMs, 39_000);
  const { report } = runUntilConverged(w, 45_000, 200_000);
  t.deepEqual(report.violations, [], explain(seed, report.violations));
  t.true(w.honest.every((n) => n.id.startsWith('b3b3/')));
  const forged = w.honest.reduce((a, n) => a + n.machine.counters.records.forged, 0);
  t.is(forged, 0);
});
