import test from 'ava';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { isLagoonError } from '../../../ts/core/errors.js';
import { HelloMachine, type HelloAction } from '../../../ts/mesh/hello/machine.js';
import { encodeHello, type Hello } from '../../../ts/mesh/hello/messages.js';
import { helloConfig } from '../../../ts/mesh/hello/constants.js';
import { HelloReplayCache } from '../../../ts/mesh/hello/replay.js';
import { fullHello, LOCAL, node } from './helpers.js';

const WALL = 1_795_000_000_000;
const a = ephemeralIdentity();
const b = ephemeralIdentity();

function sent(actions: HelloAction[]): Buffer {
  const s = actions[0];
  if (s?.type !== 'send') throw new Error('expected a send');
  return s.frame;
}

function closeReason(actions: HelloAction[]): string | undefined {
  const c = actions.find((x) => x.type === 'close');
  return c?.type === 'close' ? c.reason : undefined;
}

/** A machine on node A whose link proved B's key, already started. */
function started(nodeA = node(a)): HelloMachine {
  const m = new HelloMachine(nodeA, LOCAL, b.publicKey);
  sent(m.start(0, WALL));
  return m;
}

const helloFromB = (over: Partial<Hello> = {}): Buffer => encodeHello(fullHello(b, { timestampMs: WALL, ...over }));

test('two machines driven directly establish each other', (t) => {
  const na = node(a, 1);
  const nb = node(b, 2);
  const ma = new HelloMachine(na, { ...LOCAL, nodeName: 'a', spiralSlot: 0 }, b.publicKey);
  const mb = new HelloMachine(nb, { ...LOCAL, nodeName: 'b', yggPeerUri: 'tcp://[200::b]:9443' }, a.publicKey);
  const fa = sent(ma.start(0, WALL));
  const fb = sent(mb.start(5, WALL + 20));
  t.is(ma.nextTimeout(), 10_000);
  const ra = ma.handleFrame(fb, 10, WALL + 10);
  const rb = mb.handleFrame(fa, 10, WALL + 25);
  t.is(ra[0]?.type, 'established');
  t.is(rb[0]?.type, 'established');
  t.is(ma.remote?.nodeName, 'b');
  t.is(ma.remote?.yggPeerUri, 'tcp://[200::b]:9443');
  t.is(mb.remote?.spiralSlot, 0);
  t.is(mb.remote?.peerId, a.peerId);
  t.is(ma.nextTimeout(), undefined);
  t.deepEqual(ma.handleTimeout(1_000_000), []);
  t.is(na.counters.sent, 1);
  t.is(na.counters.established, 1);
  // Frames for the protocols above pass untouched after the HELLO.
  t.deepEqual(ma.handleFrame(Buffer.from([0x01, 2, 3]), 1_000_001, WALL), []);
});

test('hello_key_mismatch: HELLO key differs from the link key, or peer_id does not match its key', (t) => {
  const c = ephemeralIdentity();
  t.is(closeReason(started().handleFrame(encodeHello(fullHello(c, { timestampMs: WALL })), 1, WALL)), 'hello_key_mismatch');
  t.is(closeReason(started().handleFrame(helloFromB({ peerId: c.peerId }), 1, WALL)), 'hello_key_mismatch');
  t.is(closeReason(started().handleFrame(helloFromB({ peerId: 'b3b3/' + '0'.repeat(64) }), 1, WALL)), 'hello_key_mismatch');
});

test('hello_version: an incompatible major is refused before parsing the rest', (t) => {
  const m = started();
  const frame = Buffer.from([0x48, 2, 0, 0xff, 0xff]);
  const out = m.handleFrame(frame, 1, WALL);
  t.is(closeReason(out), 'hello_version');
  t.true(m.done);
});

test('hello_clock_skew: ±30 s bound, inclusive', (t) => {
  t.is(started().handleFrame(helloFromB({ timestampMs: WALL + 30_000 }), 1, WALL)[0]?.type, 'established');
  t.is(started().handleFrame(helloFromB({ timestampMs: WALL - 30_000, nonce: new Uint8Array(16).fill(9) }), 1, WALL)[0]?.type, 'established');
  t.is(closeReason(started().handleFrame(helloFromB({ timestampMs: WALL + 30_001 }), 1, WALL)), 'hello_clock_skew');
  t.is(closeReason(started().handleFrame(helloFromB({ timestampMs: WALL - 30_001 }), 1, WALL)), 'hello_clock_skew');
});

test('hello_replay: the same nonce from the same peer on another link, within the window', (t) => {
  const na = node(a);
  const frame = helloFromB();
  t.is(started(na).handleFrame(frame, 1, WALL)[0]?.type, 'established');
  t.is(closeReason(started(na).handleFrame(frame, 2, WALL)), 'hello_replay');
  t.is(na.counters.closed.hello_replay, 1);
  // A fresh nonce is fine; after 2 × skew the entry is gone (and the timestamp check takes over).
  t.is(started(na).handleFrame(helloFromB({ nonce: new Uint8Array(16).fill(3) }), 3, WALL)[0]?.type, 'established');
  t.is(closeReason(started(na).handleFrame(frame, 60_003, WALL + 60_003)), 'hello_clock_skew');
});

test('replay cache stays bounded and counts evictions', (t) => {
  const cache = new HelloReplayCache(4, 60_000);
  for (let i = 0; i < 10; i++) t.false(cache.checkAndRecord('p', Uint8Array.of(i), i));
  t.is(cache.size, 4);
  t.is(cache.evictions, 6);
  t.true(cache.checkAndRecord('p', Uint8Array.of(9), 11));
  t.false(cache.checkAndRecord('q', Uint8Array.of(9), 12));
  t.false(cache.checkAndRecord('p', Uint8Array.of(9), 60_010));
  t.is(cache.size, 2);
});

test('hello_duplicate: a second HELLO on the same link', (t) => {
  const na = node(a);
  const m = started(na);
  t.is(m.handleFrame(helloFromB(), 1, WALL)[0]?.type, 'established');
  t.is(closeReason(m.handleFrame(helloFromB({ nonce: new Uint8Array(16).fill(7) }), 2, WALL)), 'hello_duplicate');
  t.is(na.counters.closed.hello_duplicate, 1);
});

test('hello_timeout: configurable; fires only at the deadline', (t) => {
  const na = node(a, 1, { helloTimeoutMs: 2_000 });
  const m = new HelloMachine(na, LOCAL, b.publicKey);
  m.start(100, WALL);
  t.is(m.nextTimeout(), 2_100);
  t.deepEqual(m.handleTimeout(2_099), []);
  t.is(closeReason(m.handleTimeout(2_100)), 'hello_timeout');
  t.is(m.nextTimeout(), undefined);
  t.deepEqual(m.handleFrame(helloFromB(), 2_200, WALL), [], 'a late HELLO after close is ignored');
  t.is(na.counters.closed.hello_timeout, 1);
});

test('hello_expected and hello_malformed', (t) => {
  t.is(closeReason(started().handleFrame(Buffer.from([0x01, 0]), 1, WALL)), 'hello_expected');
  t.is(closeReason(started().handleFrame(Buffer.alloc(0), 1, WALL)), 'hello_expected');
  t.is(closeReason(started().handleFrame(Buffer.from([0x48, 1]), 1, WALL)), 'hello_malformed');
  t.is(closeReason(started().handleFrame(helloFromB().subarray(0, 50), 1, WALL)), 'hello_malformed');
});

test('self-connection: the remote is us; outcome self, not an error', (t) => {
  const na = node(a, 1);
  const other = node(a, 2); // the other end of a link to ourselves: same key, its own nonce
  const m1 = new HelloMachine(na, LOCAL, a.publicKey);
  const m2 = new HelloMachine(other, LOCAL, a.publicKey);
  const f1 = sent(m1.start(0, WALL));
  const f2 = sent(m2.start(0, WALL));
  t.is(m1.handleFrame(f2, 1, WALL)[0]?.type, 'self');
  t.is(m2.handleFrame(f1, 1, WALL)[0]?.type, 'self');
  t.is(na.counters.self, 1);
  t.is(Object.values(na.counters.closed).reduce((x, y) => x + y, 0), 0);
});

test('API misuse throws: time going back, frames before start, bad config', (t) => {
  const m = new HelloMachine(node(a), LOCAL, b.publicKey);
  t.true(isLagoonError(t.throws(() => m.handleFrame(helloFromB(), 0, WALL)), 'ERR_INVALID_ARGUMENT'));
  m.start(10, WALL);
  t.true(isLagoonError(t.throws(() => m.handleTimeout(9)), 'ERR_INVALID_ARGUMENT'));
  t.true(isLagoonError(t.throws(() => m.start(11, WALL)), 'ERR_INVALID_ARGUMENT'));
  t.true(isLagoonError(t.throws(() => helloConfig({ helloTimeoutMs: 0 })), 'ERR_CONFIG'));
  t.true(isLagoonError(t.throws(() => helloConfig({ nope: 1 } as never)), 'ERR_CONFIG'));
});
