import test from 'ava';
import { ephemeralIdentity, type Identity } from '../../../ts/core/identity.js';
import { PeerCache } from '../../../ts/discovery/peer-cache/cache.js';
import { CacheGossipMachine, type CacheGossipAction } from '../../../ts/discovery/peer-cache/machine.js';
import { decodeCacheFrame, encodeCacheFrame, type CacheFrame } from '../../../ts/discovery/peer-cache/messages.js';
import { decodeRecord, signRecord } from '../../../ts/discovery/peer-cache/record.js';
import { FRAME_CACHE, LIMITS } from '../../../ts/discovery/peer-cache/constants.js';
import { rng, SEED } from '../../helpers/seeded.js';
import { signed, T0 } from './helpers.js';

interface Node { id: Identity; cache: PeerCache; m: CacheGossipMachine }

function node(opts: { gossipMax?: number; broadcast?: string[]; max?: number; seed?: number } = {}): Node {
  const id = ephemeralIdentity();
  const cache = new PeerCache({ max: opts.max ?? 256, selfPeerId: id.peerId });
  const m = new CacheGossipMachine({ cache, signer: id, random: rng(opts.seed ?? SEED), config: { gossipMax: opts.gossipMax ?? 4 } });
  if (opts.broadcast) m.setAdvertised({ addresses: opts.broadcast, capabilities: 1, natType: 'none' }, T0);
  return { id, cache, m };
}

function sends(actions: CacheGossipAction[], to?: string): Array<{ peerId: string; frame: CacheFrame; bytes: Buffer }> {
  const out = [];
  for (const a of actions) {
    if (a.type !== 'send' || (to !== undefined && a.peerId !== to)) continue;
    const d = decodeCacheFrame(a.frame);
    if (!d.ok) throw new Error('machine sent a frame it cannot decode');
    out.push({ peerId: a.peerId, frame: d.frame, bytes: a.frame });
  }
  return out;
}

function recordsIn(f: CacheFrame): string[] {
  if (!('records' in f)) return [];
  return f.records.map((r) => { const d = decodeRecord(r); if (!d.ok) throw new Error('bad record'); return d.record.peerId; });
}

/** Deliver every send between two machines until quiet (bounded). */
function pump(a: Node, b: Node, first: CacheGossipAction[], now: number, log: Buffer[] = []): void {
  let queue = first.map((x) => ({ x, from: x.type === 'send' && x.peerId === b.id.peerId ? a : b }));
  for (let round = 0; round < 20 && queue.length > 0; round++) {
    const next: typeof queue = [];
    for (const { x, from } of queue) {
      if (x.type !== 'send') continue;
      log.push(x.frame);
      const to = from === a ? b : a;
      for (const y of to.m.handleFrame(from.id.peerId, x.frame, now)) next.push({ x: y, from: to });
    }
    queue = next;
  }
}

test('codec: every kind round-trips; garbage, truncation and oversize are reasons, never throws', (t) => {
  const rec = signed({ seq: T0 }).bytes;
  const frames: CacheFrame[] = [
    { kind: 'sync', records: [rec, rec] }, { kind: 'delta', records: [] }, { kind: 'request', nonce: 7, max: 16 },
    { kind: 'response', nonce: 0xffffffff, records: [rec] }, { kind: 'ping', nonce: 1 }, { kind: 'pong', nonce: 2 },
  ];
  for (const f of frames) {
    const d = decodeCacheFrame(encodeCacheFrame(f).frame);
    t.true(d.ok);
    if (d.ok) t.deepEqual(JSON.parse(JSON.stringify(d.frame)), JSON.parse(JSON.stringify(f)));
  }
  const good = encodeCacheFrame({ kind: 'sync', records: [rec] }).frame;
  for (let cut = 0; cut < good.length; cut++) t.false(decodeCacheFrame(good.subarray(0, cut)).ok);
  t.false(decodeCacheFrame(Buffer.concat([good, Buffer.of(0)])).ok, 'trailing byte');
  t.false(decodeCacheFrame(Buffer.of(FRAME_CACHE, 9, 1, 0)).ok, 'unknown version');
  t.false(decodeCacheFrame(Buffer.of(FRAME_CACHE, 1, 99)).ok, 'unknown kind');
  const big = decodeCacheFrame(Buffer.alloc(LIMITS.maxFrameBytes + 1, FRAME_CACHE));
  t.deepEqual(big, { ok: false, reason: 'oversize' });
  const random = rng(SEED);
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(Math.floor(random() * 300));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(random() * 256);
    if (b.length > 0 && random() < 0.5) b[0] = FRAME_CACHE;
    if (b.length > 1 && random() < 0.5) b[1] = 1;
    t.notThrows(() => decodeCacheFrame(b));
  }
});

test('records: signature checked, any flipped bit is forged or malformed', (t) => {
  const r = signed({ seq: T0, addresses: ['tcp://10.1.2.3:9443', 'wss://relay.example:443/lagoon-link'] });
  const d = decodeRecord(r.bytes);
  t.true(d.ok);
  if (d.ok) t.deepEqual(d.record.addresses, r.addresses);
  for (let i = 0; i < r.bytes.length; i++) {
    const b = Buffer.from(r.bytes);
    b[i]! ^= 0x01;
    const x = decodeRecord(b);
    t.false(x.ok, `bit flip at ${i}`);
  }
  const id = ephemeralIdentity();
  t.throws(() => signRecord(id.publicKey, (m) => id.sign(m), { seq: T0, addresses: ['memory://x'], natType: 'none', capabilities: 0 }), { code: 'ERR_INVALID_ARGUMENT' });
});

test('on connect both sides exchange their best records, capped at gossipMax, not the whole cache', (t) => {
  const a = node({ gossipMax: 4, broadcast: ['tcp://10.0.0.1:9443'] });
  const b = node({ gossipMax: 4 });
  for (let i = 0; i < 30; i++) a.cache.putRecord(signed({ seq: T0 - i }), T0);
  const up = a.m.linkUp(b.id.peerId, T0);
  const [sync] = sends(up).filter((s) => s.frame.kind === 'sync');
  t.is(recordsIn(sync!.frame).length, 4, 'gossipMax records, though 30 are cached');
  t.is(recordsIn(sync!.frame)[0], a.id.peerId, 'our own record first');
  b.m.linkUp(a.id.peerId, T0);
  const acts = b.m.handleFrame(a.id.peerId, sync!.bytes, T0);
  t.is(b.cache.size, 4);
  t.is(acts.filter((x) => x.type === 'learned').length, 4);
  t.is(b.m.counters.recordsAccepted, 4);
});

test('deltas: a new record goes to other links, not back to its sender or its origin, one flush per interval', (t) => {
  const hub = node({ gossipMax: 2 });
  const [x, y, z] = [ephemeralIdentity(), ephemeralIdentity(), ephemeralIdentity()];
  for (const p of [x, y, z]) hub.m.linkUp(p.peerId, T0);
  // x tells the hub about y's record and about 3 strangers.
  const recs = [signed({ id: y, seq: T0 }), signed({ seq: T0 }), signed({ seq: T0 }), signed({ seq: T0 })];
  const delta = encodeCacheFrame({ kind: 'delta', records: recs.map((r) => r.bytes) }).frame;
  t.deepEqual(sends(hub.m.handleFrame(x.peerId, delta, T0)), [], 'nothing sent at once: deltas are batched');
  const at = hub.m.nextTimeout()!;
  t.is(at, T0 + hub.m.config.deltaIntervalMs);
  const out = sends(hub.m.handleTimeout(at)).filter((s) => s.frame.kind === 'delta');
  t.deepEqual(out.map((s) => s.peerId).sort(), [y.peerId, z.peerId].sort(), 'not back to x');
  const toY = recordsIn(out.find((s) => s.peerId === y.peerId)!.frame);
  t.false(toY.includes(y.peerId), 'y does not get its own record');
  for (const s of out) t.true(recordsIn(s.frame).length <= 2, 'gossipMax per flush');
  // What did not fit goes in the next flush.
  const next = hub.m.nextTimeout()!;
  const rest = sends(hub.m.handleTimeout(next)).filter((s) => s.frame.kind === 'delta');
  const total = (id: string): number => [...out, ...rest].filter((s) => s.peerId === id).reduce((n, s) => n + recordsIn(s.frame).length, 0);
  t.is(total(z.peerId), 4);
  t.is(total(y.peerId), 3);
  // A refreshed record with the same content is not a change: no delta.
  const again = encodeCacheFrame({ kind: 'delta', records: [signed({ id: y, seq: T0 + 10_000 }).bytes] }).frame;
  hub.m.handleFrame(x.peerId, again, T0 + 10_000);
  t.is(hub.m.handleTimeout(T0 + 10_000 + hub.m.config.deltaIntervalMs).filter((s) => s.type === 'send' && decodeCacheFrame(s.frame).ok && (decodeCacheFrame(s.frame) as { frame: CacheFrame }).frame.kind === 'delta').length, 0);
});

test('request on demand: answered with the best records and an RTT sample; a flood of requests is rate limited', (t) => {
  const a = node({ gossipMax: 3 });
  const b = node({ gossipMax: 3, broadcast: ['tcp://10.0.0.2:9443'] });
  for (let i = 0; i < 10; i++) b.cache.putRecord(signed({ seq: T0 - i }), T0);
  a.m.linkUp(b.id.peerId, T0);
  b.m.linkUp(a.id.peerId, T0);
  a.cache.noteSuccess(b.id.peerId, 'tcp://10.0.0.2:9443', T0);
  const [req] = sends(a.m.request(b.id.peerId, T0));
  t.is(req!.frame.kind, 'request');
  const [resp] = sends(b.m.handleFrame(a.id.peerId, req!.bytes, T0 + 5));
  t.is(resp!.frame.kind, 'response');
  t.is(recordsIn(resp!.frame).length, 3);
  a.m.handleFrame(b.id.peerId, resp!.bytes, T0 + 40);
  t.is(a.cache.get(b.id.peerId)!.rttAvgMs, 40);
  t.true(a.cache.size >= 3);
  // The same response again is unsolicited now.
  a.m.handleFrame(b.id.peerId, resp!.bytes, T0 + 41);
  t.is(a.m.counters.dropped.unsolicited, 1);
  // 10 requests within answerMinIntervalMs: one answer.
  let answers = 0;
  for (let i = 0; i < 10; i++) answers += sends(b.m.handleFrame(a.id.peerId, req!.bytes, T0 + 100 + i)).length;
  t.is(answers, 0, 'the first answer at T0+5 still counts');
  t.is(b.m.counters.dropped.rate_limited, 10);
  t.is(sends(b.m.handleFrame(a.id.peerId, req!.bytes, T0 + 5 + b.m.config.answerMinIntervalMs)).length, 1);
});

test('ping/pong measures RTT; pings repeat every pingIntervalMs', (t) => {
  const a = node();
  const b = node();
  a.cache.noteSuccess(b.id.peerId, 'tcp://10.0.0.2:9443', T0);
  const [ping] = sends(a.m.linkUp(b.id.peerId, T0)).filter((s) => s.frame.kind === 'ping');
  b.m.linkUp(a.id.peerId, T0);
  const [pong] = sends(b.m.handleFrame(a.id.peerId, ping!.bytes, T0 + 1));
  a.m.handleFrame(b.id.peerId, pong!.bytes, T0 + 12);
  const e = a.cache.get(b.id.peerId)!;
  t.is(e.rttAvgMs, 12);
  t.is(e.rttMinMs, 12);
  const nextPing = sends(a.m.handleTimeout(T0 + a.m.config.pingIntervalMs)).filter((s) => s.frame.kind === 'ping');
  t.is(nextPing.length, 1);
});

test('forged, tampered, future, expired and stale records are dropped and counted; nothing is stored', (t) => {
  const a = node();
  const peer = ephemeralIdentity();
  a.m.linkUp(peer.peerId, T0);
  const tampered = Buffer.from(signed({ seq: T0, addresses: ['tcp://10.0.0.5:9443'] }).bytes);
  tampered[tampered.length - 70]! ^= 0x01; // '5' → '4' in the address: still well-formed, signature no longer matches
  const victim = ephemeralIdentity();
  const impostor = ephemeralIdentity();
  // A record naming the victim's key but signed by someone else.
  const real = signed({ id: victim, seq: T0 });
  const forged = Buffer.from(real.bytes);
  impostor.sign(forged).copy(forged, forged.length - 64);
  const future = signed({ seq: T0 + 10 * 60_000 }).bytes;
  const expired = signed({ seq: T0 - 25 * 3600_000 }).bytes;
  const frame = encodeCacheFrame({ kind: 'sync', records: [tampered, forged, future, expired, Buffer.from('junk')] }).frame;
  a.m.handleFrame(peer.peerId, frame, T0);
  const d = a.m.counters.dropped;
  t.is(d.forged, 2);
  t.is(d.future, 1);
  t.is(d.expired, 1);
  t.is(d.malformed, 1);
  t.is(a.cache.size, 0);
  // Stale: an older record than the one held.
  a.cache.putRecord(signed({ id: victim, seq: T0 + 5 }), T0);
  a.m.handleFrame(peer.peerId, encodeCacheFrame({ kind: 'delta', records: [real.bytes] }).frame, T0 + 10_000);
  t.is(a.m.counters.dropped.stale, 1);
  t.is(a.cache.get(victim.peerId)!.record!.seq, T0 + 5);
  // A second sync on the same link is refused as a push flood.
  a.m.handleFrame(peer.peerId, frame, T0 + 20_000);
  t.is(a.m.counters.dropped.rate_limited, 1);
  // Frames from a peer without a link are ignored.
  t.deepEqual(a.m.handleFrame(ephemeralIdentity().peerId, frame, T0), []);
});

test('IP-sharing rule: a silent peer\'s address never appears in any frame sent to another node', (t) => {
  const hub = node({ gossipMax: 16, broadcast: ['tcp://10.0.0.1:9443'] });
  const silent = node({ gossipMax: 16 }); // never broadcasts
  const third = node({ gossipMax: 16 });
  const silentAddr = 'tcp://10.66.66.66:9443';
  // The hub dialled the silent peer and cached its address, and has links to both.
  hub.cache.noteSuccess(silent.id.peerId, silentAddr, T0);
  hub.cache.noteRtt(silent.id.peerId, 3, T0);
  for (let i = 0; i < 5; i++) hub.cache.putRecord(signed({ seq: T0 - i }), T0);
  const log: Buffer[] = [];
  pump(hub, silent, [...hub.m.linkUp(silent.id.peerId, T0), ...silent.m.linkUp(hub.id.peerId, T0)], T0, log);
  pump(hub, third, [...hub.m.linkUp(third.id.peerId, T0), ...third.m.linkUp(hub.id.peerId, T0)], T0, log);
  pump(hub, third, [...third.m.request(hub.id.peerId, T0 + 2000)], T0 + 2000, log);
  pump(hub, third, hub.m.handleTimeout(T0 + 4000), T0 + 4000, log);
  const toThird = log.filter((f) => f.includes(Buffer.from(silentAddr)));
  t.true(log.length >= 6, `frames exchanged: ${log.length}`);
  t.is(toThird.length, 0, 'no frame carries the silent peer\'s address');
  t.false(log.some((f) => f.includes(Buffer.from(silent.id.publicKey))), 'nor its key');
  t.is(third.cache.get(silent.id.peerId), undefined);
  t.true(third.cache.size >= 6, 'the third node did learn the broadcasting peers');
  t.truthy(third.cache.get(hub.id.peerId)?.record);
});

test('a node that stops broadcasting sends no record of itself; resigning keeps seq strictly increasing', (t) => {
  const a = node({ broadcast: ['tcp://10.0.0.1:9443'] });
  const s1 = a.m.selfRecord!.seq;
  a.m.setAdvertised({ addresses: ['tcp://10.0.0.1:9443'], capabilities: 1, natType: 'none' }, T0 - 5000); // clock went back
  t.true(a.m.selfRecord!.seq > s1);
  a.m.setAdvertised(null, T0);
  const peer = ephemeralIdentity();
  const [sync] = sends(a.m.linkUp(peer.peerId, T0)).filter((s) => s.frame.kind === 'sync');
  t.deepEqual(recordsIn(sync!.frame), []);
});

test('the own record is re-signed every recordRefreshMs and sent as a delta', (t) => {
  const a = node({ broadcast: ['tcp://10.0.0.1:9443'] });
  const peer = ephemeralIdentity();
  a.m.linkUp(peer.peerId, T0);
  const first = a.m.selfRecord!.seq;
  let t1 = T0;
  let deltas: ReturnType<typeof sends> = [];
  for (let i = 0; i < 10_000 && deltas.length === 0; i++) {
    t1 = a.m.nextTimeout()!;
    deltas = sends(a.m.handleTimeout(t1)).filter((s) => s.frame.kind === 'delta');
  }
  t.true(a.m.selfRecord!.seq > first);
  t.true(t1 >= T0 + a.m.config.recordRefreshMs);
  t.deepEqual(recordsIn(deltas[0]!.frame), [a.id.peerId]);
});
