/** The handshake machine driven by hand: no sockets, explicit `now`. */
import test from 'ava';
import NoiseState from 'noise-handshake';
import { ephemeralIdentity, type Identity } from '../../ts/core/identity.js';
import { Handshake, type HandshakeAction, type HandshakeResult } from '../../ts/transport/handshake.js';
import { curve, noiseKeyPair } from '../../ts/transport/noise-keys.js';
import { PROLOGUE } from '../../ts/transport/constants.js';
import type { CloseReason } from '../../ts/transport/types.js';

const sendOf = (actions: HandshakeAction[]): Buffer => {
  const a = actions.find((x) => x.type === 'send');
  if (a?.type !== 'send') throw new Error(`no send in ${JSON.stringify(actions.map((x) => x.type))}`);
  return a.message;
};
const terminal = (actions: HandshakeAction[]): HandshakeAction | undefined => actions.find((x) => x.type !== 'send');
const resultOf = (actions: HandshakeAction[]): HandshakeResult => {
  const a = terminal(actions);
  if (a?.type !== 'done') throw new Error(`not done: ${JSON.stringify(a)}`);
  return a.result;
};

function run(a: Identity, b: Identity, extra: { expectPeerId?: string } = {}) {
  const i = new Handshake({ identity: a, initiator: true, timeoutMs: 1000, payload: Buffer.from('from-a'), ...extra });
  const r = new Handshake({ identity: b, initiator: false, timeoutMs: 1000, payload: Buffer.from('from-b') });
  // Record copies: the library wipes ephemeral keys in place, inside the received buffers too.
  const msg1 = Buffer.from(sendOf(i.start(0)));
  t0(r.start(0));
  const out2 = r.handle(Buffer.from(msg1), 1);
  const msg2 = Buffer.from(sendOf(out2));
  const out3 = i.handle(Buffer.from(msg2), 2);
  return { i, r, msg1, msg2, out3 };
}
function t0(actions: HandshakeAction[]): void {
  if (actions.length !== 0) throw new Error('responder start should emit nothing');
}

test('XX completes: each side learns and proves the other identity, payloads are delivered', (t) => {
  const a = ephemeralIdentity();
  const b = ephemeralIdentity();
  const { r, out3 } = run(a, b);
  const ia = resultOf(out3);
  const rb = resultOf(r.handle(sendOf(out3), 3));
  t.is(ia.peerId, b.peerId);
  t.is(rb.peerId, a.peerId);
  t.true(ia.remotePublicKey.equals(b.publicKey));
  t.is(ia.remotePayload.toString(), 'from-b');
  t.is(rb.remotePayload.toString(), 'from-a');
  t.true(ia.tx.equals(rb.rx));
  t.true(ia.rx.equals(rb.tx));
  t.true(ia.handshakeHash.equals(rb.handshakeHash));
});

test('the Noise static key is the Ed25519 identity', (t) => {
  const a = ephemeralIdentity();
  const kp = noiseKeyPair(a);
  t.true(kp.publicKey.equals(a.publicKey));
  t.is(kp.secretKey.length, 64);
  t.true(kp.secretKey.subarray(32).equals(a.publicKey));
});

test('a replayed initiator transcript does not produce a link', (t) => {
  const a = ephemeralIdentity();
  const b = ephemeralIdentity();
  const rec = run(a, b);
  const msg3 = Buffer.from(sendOf(rec.out3));
  resultOf(rec.r.handle(Buffer.from(msg3), 3)); // the original handshake succeeded
  // An eavesdropper replays msg1 and msg3 against a fresh responder of b.
  const r2 = new Handshake({ identity: b, initiator: false, timeoutMs: 1000 });
  r2.start(10);
  const out2 = r2.handle(rec.msg1, 11);
  t.not(sendOf(out2).subarray(0, 32).toString('hex'), rec.msg2.subarray(0, 32).toString('hex'), 'fresh ephemeral');
  const end = terminal(r2.handle(msg3, 12));
  t.is(end?.type, 'fail');
  if (end?.type === 'fail') t.is(end.reason, 'handshake');
  t.true(r2.finished);
});

test('a responder claiming someone else\'s public key cannot complete msg2', (t) => {
  const a = ephemeralIdentity();
  const b = ephemeralIdentity();
  const mallory = ephemeralIdentity();
  const i = new Handshake({ identity: a, initiator: true, timeoutMs: 1000, expectPeerId: b.peerId });
  const msg1 = sendOf(i.start(0));
  // Mallory runs the library directly with b's public key and her own secret.
  const forged = new NoiseState('XX', false, { publicKey: Buffer.from(b.publicKey), secretKey: noiseKeyPair(mallory).secretKey }, { curve });
  forged.initialise(PROLOGUE);
  forged.recv(msg1);
  const msg2 = forged.send();
  const end = terminal(i.handle(msg2, 1));
  t.is(end?.type, 'fail');
  if (end?.type === 'fail') t.is(end.reason, 'handshake');
});

test('an unexpected responder fails with peer_mismatch and no msg3 is sent', (t) => {
  const { out3 } = run(ephemeralIdentity(), ephemeralIdentity(), { expectPeerId: ephemeralIdentity().peerId });
  t.deepEqual(out3.map((x) => x.type), ['fail']);
  const end = terminal(out3);
  if (end?.type === 'fail') t.is(end.reason, 'peer_mismatch');
});

test('reaching yourself ends both sides with self, after msg3', (t) => {
  const a = ephemeralIdentity();
  const { r, out3 } = run(a, a);
  t.deepEqual(out3.map((x) => x.type), ['send', 'self']);
  const end = r.handle(sendOf(out3), 3);
  t.deepEqual(end.map((x) => x.type), ['self']);
});

test('bad input fails with a reason, never throws', (t) => {
  const b = ephemeralIdentity();
  const cases: [string, Buffer, CloseReason][] = [
    ['short msg1', Buffer.alloc(5), 'handshake'],
    ['msg1 with a plaintext payload', Buffer.alloc(40, 1), 'protocol'],
    ['huge message', Buffer.alloc(5000), 'protocol'],
  ];
  for (const [name, msg, reason] of cases) {
    const r = new Handshake({ identity: b, initiator: false, timeoutMs: 1000 });
    r.start(0);
    const end = terminal(r.handle(msg, 1));
    t.is(end?.type, 'fail', name);
    if (end?.type === 'fail') t.is(end.reason, reason, name);
  }
  // Garbage msg3 after a good msg1.
  const i = new Handshake({ identity: ephemeralIdentity(), initiator: true, timeoutMs: 1000 });
  const r = new Handshake({ identity: b, initiator: false, timeoutMs: 1000 });
  r.start(0);
  r.handle(sendOf(i.start(0)), 1);
  t.is(terminal(r.handle(Buffer.alloc(64, 9), 2))?.type, 'fail');
});

test('the timeout is data: nextTimeout, then fail at the deadline', (t) => {
  const r = new Handshake({ identity: ephemeralIdentity(), initiator: false, timeoutMs: 500 });
  r.start(100);
  t.is(r.nextTimeout(), 600);
  t.deepEqual(r.handleTimeout(599), []);
  const end = terminal(r.handleTimeout(600));
  t.is(end?.type, 'fail');
  if (end?.type === 'fail') t.is(end.reason, 'timeout');
  t.is(r.nextTimeout(), undefined);
  t.throws(() => r.handleTimeout(10), { message: /backwards/ });
});
