import test from 'ava';
import { Rng } from '../../ts/sim/rng.js';
import { Network, PERFECT_LINK } from '../../ts/sim/network.js';
import { isLagoonError } from '../../ts/core/errors.js';
import { MAX_TIMER_FIRINGS_AT_ONE_INSTANT, type SimNode } from '../../ts/sim/simulator.js';
import { simTest } from './helpers.js';
import { PingNode, type PingMsg } from './toys.js';

simTest('network: latency, jitter, loss and duplication statistics stay within bounds', (t, { seed }) => {
  const link = { latencyMs: 50, jitterMs: 20, lossProbability: 0.1, duplicateProbability: 0.05 };
  const net = new Network({ link }, new Rng(seed).fork('network'));
  const n = 20_000;
  const delays: number[] = [];
  let dupes = 0;
  for (let i = 0; i < n; i++) {
    const d = net.send('a', 'b', 100);
    if (d.length === 2) dupes++;
    delays.push(...d);
  }
  const lost = net.totals.droppedLoss;
  // Binomial bounds at ~6 standard deviations.
  t.true(Math.abs(lost - 0.1 * n) < 6 * Math.sqrt(n * 0.1 * 0.9), `lost=${lost}`);
  const kept = n - lost;
  t.true(Math.abs(dupes - 0.05 * kept) < 6 * Math.sqrt(kept * 0.05 * 0.95), `dupes=${dupes}`);
  t.true(delays.every((d) => d >= 50 && d < 70));
  const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
  // Uniform jitter: mean 60, sd 20/sqrt(12) ≈ 5.77, stderr ≈ 0.04.
  t.true(Math.abs(mean - 60) < 0.3, `mean=${mean}`);
  t.is(net.totals.sentMessages, n);
  t.is(net.totals.sentBytes, n * 100);
  t.is(net.counters('a').sentBytes, n * 100);
  t.is(net.totals.inFlight, delays.length);
});

test('network: bad fault parameters are rejected at creation', (t) => {
  const rng = new Rng(1);
  const bad = [
    { link: { ...PERFECT_LINK, lossProbability: 1.5 } },
    { link: { ...PERFECT_LINK, latencyMs: -1 } },
    { link: { ...PERFECT_LINK }, links: { 'a->b': { lossRate: 0.1 } } },
    { link: { ...PERFECT_LINK }, links: { ab: {} } },
    { link: { ...PERFECT_LINK }, partitions: [{ atMs: 10, healAtMs: 5, groups: [] }] },
    { link: { ...PERFECT_LINK }, partitions: [{ atMs: 0, healAtMs: 5, groups: [['a'], ['a']] }] },
    { link: { ...PERFECT_LINK }, crashes: [{ node: 'a', downAtMs: 10, upAtMs: 10 }] },
    { link: { ...PERFECT_LINK }, clogging: true },
  ];
  for (const f of bad) {
    const e = t.throws(() => new Network(f as never, rng), undefined, JSON.stringify(f));
    t.true(isLagoonError(e, 'ERR_CONFIG'));
  }
});

simTest('network: jitter reorders packets, no jitter keeps order; per-link overrides apply', (t, ctx) => {
  const inversions = (jitterMs: number): { inv: number; got: number; back: number } => {
    const sim = ctx.sim<PingMsg>({
      faults: { link: { ...PERFECT_LINK, latencyMs: 10, jitterMs }, links: { 'b->a': { lossProbability: 1 } } },
    });
    const a = new PingNode('b', 1), b = new PingNode('a', 1);
    sim.addNode('a', a);
    sim.addNode('b', b);
    sim.run({ maxTimeMs: 1000, maxEvents: 100_000 });
    let inv = 0;
    for (let i = 1; i < b.received.length; i++) if ((b.received[i]?.seq ?? 0) < (b.received[i - 1]?.seq ?? 0)) inv++;
    return { inv, got: b.received.length, back: a.received.length };
  };
  const jittery = inversions(20), steady = inversions(0);
  t.true(jittery.inv > 100, `inversions=${jittery.inv}`);
  t.is(steady.inv, 0);
  t.true(steady.got > 900);
  t.is(steady.back, 0); // b->a overridden to 100% loss
});

simTest('network: a partition blocks both directions (also packets in flight) and heals', (t, ctx) => {
  const sim = ctx.sim<PingMsg>({
    faults: { link: { ...PERFECT_LINK, latencyMs: 150 }, partitions: [{ atMs: 1000, healAtMs: 2000, groups: [['a'], ['b']] }] },
  });
  const a = new PingNode('b'), b = new PingNode('a'), c = new PingNode('a');
  sim.addNode('a', a);
  sim.addNode('b', b);
  sim.addNode('c', c); // in no group: unaffected
  const r = sim.run({ maxTimeMs: 3000, maxEvents: 10_000 });
  t.is(r.reason, 'time');
  for (const node of [a, b]) {
    const fromPeer = node.received.filter((x) => x.from !== 'c');
    t.true(fromPeer.some((x) => x.at < 1000));
    t.false(fromPeer.some((x) => x.at >= 1000 && x.at < 2150), 'nothing crosses the cut');
    t.true(fromPeer.some((x) => x.at >= 2150), 'traffic resumes after heal');
  }
  t.true(a.received.some((x) => x.from === 'c' && x.at >= 1000 && x.at < 2000));
  // Per direction: the ping sent at 900 is severed in flight, those sent at 1000..1900 are blocked at send.
  t.is(sim.network.totals.droppedPartition, 2 * 11);
  const tt = sim.network.totals;
  t.is(tt.sentMessages + tt.duplicatedMessages, tt.deliveredMessages + tt.droppedLoss + tt.droppedPartition + tt.droppedDown + tt.inFlight);
});

simTest('network: a crashed node receives nothing, fires no timers, and restarts', (t, ctx) => {
  const sim = ctx.sim<PingMsg>({
    faults: { link: { ...PERFECT_LINK, latencyMs: 30 }, crashes: [{ node: 'c', downAtMs: 500, upAtMs: 1500 }, { node: 'p', downAtMs: 500, upAtMs: 1500 }] },
  });
  const a = new PingNode('c'), c = new PingNode('a', 100, 0, true), p = new PingNode('a', 100, 50);
  sim.addNode('a', a);
  sim.addNode('c', c);
  sim.addNode('p', p); // no restart hook: resumes with its state (a pause)
  sim.run({ maxTimeMs: 2500, maxEvents: 10_000 });
  for (const n of [c, p]) t.false(n.calls.some((at) => at >= 500 && at < 1500), 'no calls while down');
  t.deepEqual(c.restarts, [1500]);
  t.true(c.received.some((x) => x.at >= 1500));
  t.false(a.received.some((x) => x.from === 'c' && x.at >= 530 && x.at < 1530));
  t.is(sim.network.totals.droppedDown, 10); // a->c pings sent at 500..1400 land while c is down
  t.true(sim.emitted.some((e) => e.node === 'c'));
  t.true(p.calls.includes(1500), 'paused timer fires on resume');
});

simTest('network: messages to unknown nodes count as dropped (down)', (t, ctx) => {
  const sim = ctx.sim<PingMsg>({ faults: { link: PERFECT_LINK } });
  const a: SimNode<PingMsg> = new PingNode('ghost');
  sim.addNode('a', a);
  sim.run({ maxTimeMs: 450, maxEvents: 100 });
  t.is(sim.network.totals.droppedDown, 5); // pings at 0..400
  t.is(sim.network.counters('ghost').droppedMessages, 5);
});

simTest('a node whose timer stays due after it fires stops the run with an error naming it, instead of freezing time', (t, ctx) => {
  const sim = ctx.sim<PingMsg>({ faults: { link: PERFECT_LINK } });
  let fired = 0;
  const stuck: SimNode<PingMsg> = { handle: () => [], handleTimeout: () => { fired++; return []; }, nextTimeout: () => 100 };
  sim.addNode('stuck', stuck);
  sim.addNode('ok', new PingNode('stuck'));
  const err = t.throws(() => sim.run({ maxTimeMs: 10_000, maxEvents: 1_000_000 }));
  t.true(isLagoonError(err, 'ERR_STATE_CORRUPT'), String(err));
  t.regex(err!.message, /stuck's timer fired 1000 times at 100 ms and is due again/);
  t.is(fired, MAX_TIMER_FIRINGS_AT_ONE_INSTANT);
  t.is(sim.nowMs, 100);
});
