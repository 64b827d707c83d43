import test from 'ava';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { PeerCache } from '../../../ts/discovery/peer-cache/cache.js';
import { scoreOf, DEFAULT_SCORE_CONFIG, type ScoreInput } from '../../../ts/discovery/peer-cache/score.js';
import { rng, SEED } from '../../helpers/seeded.js';
import { fakePeerId, signed, T0 } from './helpers.js';

const HOUR = 3600_000;
const base: ScoreInput = { successes: 0, failures: 0, rttAvgMs: null, lastSeenMs: T0, recordSeq: null, addedMs: T0, natType: 'unknown', capabilities: 0 };

test('score: the documented formula at known points', (t) => {
  // A stranger seen just now: 0.35·0.5 + 0.2·0.5 + 0.25·1 + 0.1·0.5 + 0.1·0 = 0.575
  t.is(Math.round(scoreOf(base, T0) * 1e6) / 1e6, 0.575);
  // 8 successes, 0 failures, 100 ms, 24 h old, NAT none, all wanted capabilities:
  // success 9/10, rtt 0.5, fresh 0.5, reach 1, caps 1 → 0.315 + 0.1 + 0.125 + 0.1 + 0.1 = 0.74
  const good = { ...base, successes: 8, rttAvgMs: 100, lastSeenMs: T0 - 24 * HOUR, natType: 'none' as const, capabilities: DEFAULT_SCORE_CONFIG.wantedCapabilities };
  t.is(Math.round(scoreOf(good, T0) * 1e6) / 1e6, 0.74);
});

test('score: each term moves it the right way', (t) => {
  const s = (patch: Partial<ScoreInput>): number => scoreOf({ ...base, ...patch }, T0);
  t.true(s({ successes: 5 }) > s({}));
  t.true(s({ failures: 5 }) < s({}));
  t.true(s({ rttAvgMs: 10 }) > s({ rttAvgMs: 500 }));
  t.true(s({ lastSeenMs: T0 }) > s({ lastSeenMs: T0 - 48 * HOUR }));
  t.true(s({ natType: 'none' }) > s({ natType: 'symmetric' }));
  t.true(s({ capabilities: 0b111 }) > s({ capabilities: 0b001 }));
  // A future timestamp (clock jump) does not push freshness above 1.
  t.is(s({ lastSeenMs: T0 + HOUR }), s({ lastSeenMs: T0 }));
});

test('noteSuccess, noteFailure by address, RTT moving average with min and max', (t) => {
  const c = new PeerCache({ max: 16 });
  const p = fakePeerId(1);
  c.noteSuccess(p, 'tcp://10.0.0.1:9443', T0);
  c.noteFailure('tcp://10.0.0.1:9443', T0 + 1);
  c.noteFailure('tcp://10.9.9.9:1', T0 + 1); // unknown address: no entry, no crash
  for (const rtt of [80, 40, 120]) c.noteRtt(p, rtt, T0 + 2);
  const e = c.get(p)!;
  t.is(e.successes, 1);
  t.is(e.failures, 1);
  t.is(e.lastFailureMs, T0 + 1);
  t.is(e.rttMinMs, 40);
  t.is(e.rttMaxMs, 120);
  // SRTT with α = 1/8: 80 → 75 → 80.625
  t.is(e.rttAvgMs, 80 + (40 - 80) / 8 + (120 - (80 + (40 - 80) / 8)) / 8);
  t.is(c.size, 1);
  // An inbound link without an address is not cached (nothing to dial, nothing to share).
  c.noteSuccess(fakePeerId(2), null, T0);
  t.is(c.size, 1);
});

test('records: new, changed, refreshed, stale; our own is never cached', (t) => {
  const id = ephemeralIdentity();
  const c = new PeerCache({ max: 16, selfPeerId: fakePeerId(7) });
  const r1 = signed({ id, seq: T0, addresses: ['tcp://10.0.0.1:9443'] });
  t.is(c.putRecord(r1, T0), 'new');
  t.is(c.putRecord(r1, T0), 'stale');
  t.is(c.putRecord(signed({ id, seq: T0 - 1, addresses: ['tcp://10.0.0.1:9443'] }), T0), 'stale', 'older seq');
  t.is(c.putRecord(signed({ id, seq: T0 + 1, addresses: ['tcp://10.0.0.1:9443'] }), T0), 'refreshed');
  t.is(c.putRecord(signed({ id, seq: T0 + 2, addresses: ['tcp://10.0.0.2:9443'] }), T0), 'changed');
  t.deepEqual(c.get(id.peerId)!.addresses, ['tcp://10.0.0.1:9443', 'tcp://10.0.0.2:9443']);
  t.is(c.get(id.peerId)!.record!.seq, T0 + 2);
  const self = new PeerCache({ max: 16, selfPeerId: id.peerId });
  t.is(self.putRecord(r1, T0), 'stale');
  self.noteSuccess(id.peerId, 'tcp://10.0.0.1:9443', T0);
  t.is(self.size, 0);
});

test('eviction: a full cache drops its lowest score, and refuses a newcomer that scores lower still', (t) => {
  const c = new PeerCache({ max: 4 });
  for (let i = 0; i < 4; i++) c.noteSuccess(fakePeerId(i), `tcp://10.0.0.${i + 1}:9443`, T0);
  // Make peer 2 the worst: many failures.
  for (let k = 0; k < 6; k++) c.noteFailure('tcp://10.0.0.3:9443', T0);
  c.noteSuccess(fakePeerId(9), 'tcp://10.0.0.9:9443', T0);
  t.is(c.size, 4);
  t.is(c.get(fakePeerId(2)), undefined, 'the lowest score was evicted');
  t.is(c.peerOf('tcp://10.0.0.3:9443'), undefined, 'its address index went with it');
  t.truthy(c.get(fakePeerId(9)));
  t.is(c.counters.evicted, 1);
  // A gossip-learned stranger cannot push out peers that answered us (Sybil defence).
  t.is(c.putRecord(signed({ seq: T0 }), T0), 'refused');
  t.is(c.counters.refused, 1);
  t.is(c.size, 4);
});

test('untried records evict each other by score, never a peer that answered', (t) => {
  const c = new PeerCache({ max: 2 });
  c.noteSuccess(fakePeerId(1), 'tcp://10.0.0.1:9443', T0);
  const old = signed({ seq: T0 - 40 * HOUR });
  t.is(c.putRecord(old, T0), 'new');
  const fresh = signed({ seq: T0 });
  t.is(c.putRecord(fresh, T0), 'new', 'fresher record displaces the older untried one');
  t.is(c.get(old.peerId), undefined);
  t.truthy(c.get(fakePeerId(1)));
});

test('best() ranks by score; pick() with ε = 0 is greedy, with ε = 1 explores, and is replayable from a seed', (t) => {
  const c = new PeerCache({ max: 64, epsilon: 0 });
  for (let i = 0; i < 20; i++) {
    c.noteSuccess(fakePeerId(i), `tcp://10.0.1.${i + 1}:9443`, T0);
    for (let k = 0; k < i; k++) c.noteFailure(`tcp://10.0.1.${i + 1}:9443`, T0); // peer i has i failures
  }
  const best = c.best(5, T0).map((e) => e.peerId);
  t.deepEqual(best, [0, 1, 2, 3, 4].map(fakePeerId));
  t.deepEqual(c.pick(5, T0, rng(SEED)).map((e) => e.peerId), best);

  const explore = new PeerCache({ max: 64, epsilon: 1 });
  explore.restore([...c.values()], T0);
  const a = explore.pick(5, T0, rng(SEED)).map((e) => e.peerId);
  const b = explore.pick(5, T0, rng(SEED)).map((e) => e.peerId);
  t.deepEqual(a, b, 'same seed, same picks');
  t.is(new Set(a).size, 5, 'no entry picked twice');
});

test('pick(): ε of the picks explore, measured over many seeded draws', (t) => {
  const c = new PeerCache({ max: 64, epsilon: 0.1 });
  for (let i = 0; i < 10; i++) {
    c.noteSuccess(fakePeerId(i), `tcp://10.0.2.${i + 1}:9443`, T0);
    for (let k = 0; k < i; k++) c.noteFailure(`tcp://10.0.2.${i + 1}:9443`, T0);
  }
  const random = rng(SEED);
  const N = 4000;
  let notBest = 0;
  for (let i = 0; i < N; i++) if (c.pick(1, T0, random)[0]!.peerId !== fakePeerId(0)) notBest++;
  // Exploration picks uniformly among 10, so 9/10 of ε lands elsewhere: expected 0.09·N = 360 (σ ≈ 18).
  t.true(notBest > 250 && notBest < 470, `explored ${notBest} of ${N}`);
});

test('an address taken over by another peer leaves the old entry', (t) => {
  const c = new PeerCache({ max: 8 });
  c.noteSuccess(fakePeerId(1), 'tcp://10.0.0.1:9443', T0);
  c.noteSuccess(fakePeerId(2), 'tcp://10.0.0.1:9443', T0 + 1); // same host:port, new key (reinstalled node)
  t.deepEqual(c.get(fakePeerId(1))!.addresses, []);
  t.is(c.peerOf('tcp://10.0.0.1:9443'), fakePeerId(2));
  t.deepEqual(c.best(10, T0 + 1).map((e) => e.peerId), [fakePeerId(2)], 'an entry without addresses is never a dial candidate');
});

test('changes counts significant events only (what triggers a save)', (t) => {
  const c = new PeerCache({ max: 8 });
  c.noteSuccess(fakePeerId(1), 'tcp://10.0.0.1:9443', T0);
  const after = c.changes;
  c.noteRtt(fakePeerId(1), 5, T0);
  c.noteSeen(fakePeerId(1), T0 + 1);
  t.is(c.changes, after, 'RTT and last-seen are not significant');
  t.true(c.touches > 0);
  c.noteFailure('tcp://10.0.0.1:9443', T0 + 2);
  t.true(c.changes > after);
});
