/** The gossip machine driven by hand: explicit `now`, no sockets, no timers. */
import test from 'ava';
import { Rng } from '../../../ts/sim/rng.js';
import { CONTROL, KIND } from '../../../ts/discovery/gossip/constants.js';
import { decodeFrame, encodeControl, signMessage, withHop } from '../../../ts/discovery/gossip/messages.js';
import { simVerify } from '../../../ts/discovery/gossip/crypto.js';
import type { GossipMachine } from '../../../ts/discovery/gossip/machine.js';
import { events, info, machine, Pump, sends, simKey, T0 } from './helpers.js';

const rng = new Rng(42);
const id = (b: number): Uint8Array => new Uint8Array(16).fill(b);
const dropped = (m: GossipMachine): Record<string, number> => Object.fromEntries(Object.entries(m.counters.dropped).filter(([, v]) => v > 0));

test('link-up sends a signed HELLO with our record; a silent node\'s HELLO has none and it cannot announce', (t) => {
  const k = simKey(rng);
  const m = machine(k, info('tcp://192.0.2.1:9443'));
  const [hello] = sends(m.handle({ type: 'link-up', link: 'x' }, T0));
  const d = decodeFrame(hello!.frame, simVerify);
  t.true(d.type === 'signed' && d.msg.body.kind === KIND.hello && d.msg.body.record?.addrs[0] === 'tcp://192.0.2.1:9443');
  const silent = machine(simKey(rng), null);
  t.is(silent.record, null);
  const [sh] = sends(silent.handle({ type: 'link-up', link: 'x' }, T0));
  const ds = decodeFrame(sh!.frame, simVerify);
  t.true(ds.type === 'signed' && ds.msg.body.kind === KIND.hello && ds.msg.body.record === null);
  t.throws(() => silent.handle({ type: 'announce' }, T0), { code: 'ERR_INVALID_ARGUMENT' });
});

test('bad input is dropped and counted by reason: stale, future, replay, forged, malformed, oversize; nothing throws', (t) => {
  const me = machine(simKey(rng), info('tcp://192.0.2.1:1'));
  const peer = simKey(rng);
  me.handle({ type: 'link-up', link: 'p', peerKey: peer.publicKey }, T0);
  const hb = (ts: number, i: number): Uint8Array => signMessage(peer, { ttl: 2, timestampMs: ts, id: id(i), body: { kind: KIND.heartbeat, seq: 1 } });
  const feed = (f: Uint8Array): void => { me.handle({ type: 'frame', link: 'p', frame: f }, T0 + 1000); };
  feed(hb(T0 + 1000 - 30_001, 1));
  feed(hb(T0 + 1000 + 30_001, 2));
  feed(hb(T0 + 1000 - 29_000, 3)); // in the window: accepted
  feed(hb(T0 + 1000 - 29_000, 3)); // the same again on the same link: replay
  const forged = Uint8Array.from(hb(T0, 4)); forged[forged.length - 1]! ^= 1; feed(forged);
  feed(Uint8Array.of(0x47, 0, 0, 1, 99));
  feed(new Uint8Array(9000).fill(0x47));
  // A HELLO signed by a key other than the one the link proved.
  feed(signMessage(simKey(rng), { ttl: 0, timestampMs: T0, id: id(5), body: { kind: KIND.hello, capabilities: 0, fresh: false, record: null } }));
  t.deepEqual(dropped(me), { stale: 1, future: 1, replay: 1, forged: 2, malformed: 1, oversize: 1 });
  t.is(me.counters.accepted, 1);
  // A frame from a link never brought up is ignored and counted apart.
  me.handle({ type: 'frame', link: 'nobody', frame: hb(T0, 6) }, T0 + 1000);
  t.is(me.counters.unknownLink, 1);
});

test('time never goes back', (t) => {
  const m = machine(simKey(rng), null);
  m.handle({ type: 'timeout' }, T0 + 10);
  t.throws(() => m.handle({ type: 'timeout' }, T0 + 9), { code: 'ERR_INVALID_ARGUMENT' });
});

test('an announcement floods a line of five; each node stores the record once; ttl caps the reach', (t) => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const nodes = new Map(names.map((n, i) => [n, machine(simKey(rng), info(`tcp://192.0.2.${i + 1}:9443`), { seed: i + 1 })]));
  const p = new Pump(nodes);
  for (let i = 0; i + 1 < names.length; i++) p.link(names[i]!, names[i + 1]!);
  p.run();
  p.feed('a', nodes.get('a')!.handle({ type: 'announce' }, T0));
  p.run();
  const aHex = nodes.get('a')!.keyHex;
  for (const n of names.slice(1)) t.is(nodes.get(n)!.table.get(aHex)?.record.addrs[0], 'tcp://192.0.2.1:9443', n);
  // b learnt a from its HELLO, c..e from the announcement; each exactly once.
  const learners = p.events.filter((e) => e.event.type === 'peer' && e.event.record.keyHex === aHex && e.event.change === 'new').map((e) => e.node);
  t.deepEqual(learners.sort(), ['b', 'c', 'd', 'e']);
  // ttl 1 for announcements: the record stops one hop out.
  const short = new Map(names.map((n, i) => [n, machine(simKey(rng), info(`tcp://192.0.2.${i + 1}:1`), { seed: 10 + i, config: { ttl: { update: 1 } } })]));
  const q = new Pump(short);
  for (let i = 0; i + 1 < names.length; i++) q.link(names[i]!, names[i + 1]!);
  q.run();
  q.feed('a', short.get('a')!.handle({ type: 'update', info: info('tcp://192.0.2.99:1') }, T0));
  q.run();
  const hex = short.get('a')!.keyHex;
  t.is(short.get('b')!.table.get(hex)?.record.addrs[0], 'tcp://192.0.2.99:1');
  t.is(short.get('c')!.table.get(hex)?.record.addrs[0], undefined, 'c knows nothing of a: neither HELLO nor the update reached it');
});

test('a silent node asks; broadcasting nodes answer along the request path with at most maxResults records', (t) => {
  const nodes = new Map<string, GossipMachine>([
    ['s', machine(simKey(rng), null, { seed: 1 })],
    ['b', machine(simKey(rng), info('tcp://192.0.2.2:1', ['films']), { seed: 2 })],
    ['c', machine(simKey(rng), info('tcp://192.0.2.3:1', ['films']), { seed: 3 })],
  ]);
  for (let i = 0; i < 20; i++) nodes.set(`x${i}`, machine(simKey(rng), info(`tcp://192.0.2.${10 + i}:1`, i % 2 === 0 ? ['films'] : []), { seed: 10 + i }));
  const p = new Pump(nodes);
  p.link('s', 'b'); p.link('b', 'c');
  for (let i = 0; i < 20; i++) p.link('c', `x${i}`);
  p.run();
  for (let i = 0; i < 20; i++) p.feed(`x${i}`, nodes.get(`x${i}`)!.handle({ type: 'announce' }, T0));
  p.run();
  p.feed('s', nodes.get('s')!.handle({ type: 'request', topic: 'films', maxResults: 4 }, T0));
  p.run();
  const responses = p.events.filter((e) => e.node === 's' && e.event.type === 'response');
  t.true(responses.length >= 1);
  for (const r of responses) if (r.event.type === 'response') {
    t.true(r.event.records.length <= 4);
    t.true(r.event.records.every((x) => x.topics.includes('films')));
  }
  t.true(nodes.get('s')!.table.size >= 4, 'the silent node learnt broadcasting peers');
  const sHex = nodes.get('s')!.keyHex;
  for (const [n, m] of nodes) if (n !== 's') t.is(m.table.get(sHex), undefined, `${n} has no record of the silent node`);
});

test('the peer table is bounded: the lowest score is evicted and counted', (t) => {
  const me = machine(simKey(rng), null, { config: { maxPeers: 4 } });
  me.handle({ type: 'link-up', link: 'p' }, T0);
  for (let i = 0; i < 10; i++) {
    const k = simKey(rng);
    const m = machine(k, info(`tcp://192.0.2.${i}:1`), { seed: 100 + i });
    const ann = sends(m.handle({ type: 'link-up', link: 'q' }, T0 + i))[0]!;
    const d = decodeFrame(ann.frame, simVerify);
    if (d.type !== 'signed' || d.msg.body.kind !== KIND.hello || d.msg.body.record === null) { t.fail(); return; }
    const f = signMessage(k, { ttl: 5, timestampMs: T0 + i, id: id(i), body: { kind: KIND.announce, record: d.msg.body.record } });
    me.handle({ type: 'frame', link: 'p', frame: f }, T0 + i);
  }
  t.is(me.table.size, 4);
  t.is(me.table.evictions, 6);
});

test('tree: a duplicate payload prunes its link; IHAVE for a missing message GRAFTs after graftTimeoutMs; GRAFT is answered from the cache', (t) => {
  const me = machine(simKey(rng), info('tcp://192.0.2.1:1'), { config: { graftTimeoutMs: 500 } });
  me.handle({ type: 'link-up', link: 'x' }, T0);
  me.handle({ type: 'link-up', link: 'y' }, T0);
  const ok = simKey(rng);
  const om = machine(ok, info('tcp://192.0.2.8:1'), { seed: 7 });
  const frame = signMessage(ok, { ttl: 10, timestampMs: T0, id: id(2), body: { kind: KIND.update, record: om.record! } });
  const d = decodeFrame(frame, simVerify);
  if (d.type !== 'signed') { t.fail(); return; }
  // IHAVE on x first: a graft is armed.
  me.handle({ type: 'frame', link: 'x', frame: encodeControl(CONTROL.ihave, [{ mid: d.msg.mid, hops: 1 }]) }, T0 + 10);
  t.is(me.nextTimeout(), T0 + 510);
  t.deepEqual(sends(me.handle({ type: 'timeout' }, T0 + 509)), []);
  const graft = sends(me.handle({ type: 'timeout' }, T0 + 510));
  const g = graft.find((s) => s.link === 'x');
  t.truthy(g);
  t.like(decodeFrame(g!.frame, simVerify), { type: 'control', kind: CONTROL.graft });
  // The payload arrives from y, then again from x: x is pruned.
  const acts = me.handle({ type: 'frame', link: 'y', frame: withHop(frame, 9, 1) }, T0 + 600);
  t.true(events(acts).some((e) => e.type === 'delivered'));
  t.true(sends(acts).some((s) => s.link === 'y' && s.frame[4] === CONTROL.ack));
  const dup = sends(me.handle({ type: 'frame', link: 'x', frame: withHop(frame, 9, 1) }, T0 + 601));
  t.true(dup.some((s) => s.link === 'x' && s.frame[4] === CONTROL.prune));
  t.false(me.eagerLinks.has('x'));
  t.is(me.counters.duplicates, 1);
  // Someone GRAFTs us: the cached payload goes back (ttl/hops as we forward them).
  const back = sends(me.handle({ type: 'frame', link: 'x', frame: encodeControl(CONTROL.graft, [{ mid: d.msg.mid, hops: 0 }]) }, T0 + 700));
  t.is(back.length, 1);
  const bd = decodeFrame(back[0]!.frame, simVerify);
  t.true(bd.type === 'signed' && bd.msg.mid === d.msg.mid && bd.msg.hops === 2 && bd.msg.ttl === 8);
});

test('tree: when every announcer has been grafted in vain, other links are grafted before the message is given up', (t) => {
  const me = machine(simKey(rng), info('tcp://192.0.2.1:1'), { config: { graftTimeoutMs: 500, graftRetryMs: 100 } });
  for (const l of ['x', 'y', 'z']) me.handle({ type: 'link-up', link: l }, T0);
  const k = simKey(rng);
  const om = machine(k, info('tcp://192.0.2.8:1'), { seed: 9 });
  const d = decodeFrame(signMessage(k, { ttl: 10, timestampMs: T0, id: id(3), body: { kind: KIND.update, record: om.record! } }), simVerify);
  if (d.type !== 'signed') { t.fail(); return; }
  me.handle({ type: 'frame', link: 'x', frame: encodeControl(CONTROL.ihave, [{ mid: d.msg.mid, hops: 1 }]) }, T0 + 10);
  const grafted: string[] = [];
  for (let now = T0 + 10; now <= T0 + 2000; now += 50) {
    for (const s of sends(me.handle({ type: 'timeout' }, now))) if (s.frame[4] === CONTROL.graft && s.frame[5] === 1) grafted.push(s.link);
  }
  t.deepEqual(grafted.sort(), ['x', 'y', 'z']);
  t.is(me.pendingGrafts, 0, 'given up once every link was tried');
});
