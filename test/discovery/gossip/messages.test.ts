/** The gossip codec: round trips, signatures (real Ed25519), every drop reason, hostile bytes. */
import test from 'ava';
import { Rng } from '../../../ts/sim/rng.js';
import { SEED } from '../../helpers/seeded.js';
import { CONTROL, FRAME_GOSSIP, GOSSIP_LIMITS, KIND } from '../../../ts/discovery/gossip/constants.js';
import { ed25519Verifier, simVerify } from '../../../ts/discovery/gossip/crypto.js';
import { decodeFrame, encodeControl, midOf, PeerRecord, signMessage, signRecord, signedFrameMid, withHop, type Body, type Signer } from '../../../ts/discovery/gossip/messages.js';
import { ObservedAddress } from '../../../ts/discovery/gossip/observed.js';
import { FRAME_HELLO } from '../../../ts/mesh/hello/constants.js';
import { realKey, simKey, T0 } from './helpers.js';

const verify = ed25519Verifier();
const id = (b: number): Uint8Array => new Uint8Array(16).fill(b);
const alice = realKey();
const record = signRecord(alice, { seq: 7, issuedAtMs: T0, capabilities: 5, addrs: ['tcp://192.0.2.1:9443', 'ws://192.0.2.1:80/mesh'], topics: ['films', 'docs'] });

test('gossip frames start with 0x47 and never collide with HELLO (0x48)', (t) => {
  t.is(FRAME_GOSSIP, 0x47);
  t.not(FRAME_GOSSIP, FRAME_HELLO);
  const f = signMessage(alice, { ttl: 3, timestampMs: T0, id: id(1), body: { kind: KIND.heartbeat, seq: 1 } });
  t.is(f[0], FRAME_GOSSIP);
});

test('every signed kind round-trips through encode and decode with real Ed25519', (t) => {
  const bodies: Body[] = [
    { kind: KIND.hello, capabilities: 9, fresh: true, record },
    { kind: KIND.hello, capabilities: 0, fresh: false, record: null },
    { kind: KIND.announce, record },
    { kind: KIND.update, record },
    { kind: KIND.request, maxResults: 4, topic: 'films' },
    { kind: KIND.request, maxResults: 16, topic: '' },
    { kind: KIND.response, requester: new Uint8Array(32).fill(3), requestId: id(4), records: [record] },
    { kind: KIND.heartbeat, seq: 123456789 },
  ];
  for (const body of bodies) {
    const f = signMessage(alice, { ttl: 9, timestampMs: T0 + 1, id: id(2), body });
    const d = decodeFrame(f, verify);
    if (d.type !== 'signed') { t.fail(`${body.kind}: ${JSON.stringify(d)}`); continue; }
    t.is(d.msg.kind, body.kind);
    t.is(d.msg.ttl, 9);
    t.is(d.msg.hops, 0);
    t.is(d.msg.timestampMs, T0 + 1);
    t.deepEqual([...d.msg.origin], [...alice.publicKey]);
    t.is(d.msg.mid, midOf(alice.publicKey, id(2)));
    t.is(signedFrameMid(f), d.msg.mid);
    // Canonical: re-encoding the decoded body gives the same bytes (the signature is deterministic in Ed25519).
    t.deepEqual(Buffer.from(signMessage(alice, { ttl: 9, timestampMs: T0 + 1, id: id(2), body: d.msg.body })), Buffer.from(f));
  }
  const d = decodeFrame(signMessage(alice, { ttl: 1, timestampMs: T0, id: id(1), body: { kind: KIND.announce, record } }), verify);
  t.true(d.type === 'signed' && d.msg.body.kind === KIND.announce && d.msg.body.record instanceof PeerRecord);
  if (d.type === 'signed' && d.msg.body.kind === KIND.announce) {
    const r = d.msg.body.record;
    t.deepEqual([r.seq, r.issuedAtMs, r.capabilities, [...r.addrs], [...r.topics]], [7, T0, 5, [...record.addrs], ['films', 'docs']]);
  }
});

test('ttl and hops change in transit without breaking the signature', (t) => {
  const f = signMessage(alice, { ttl: 32, timestampMs: T0, id: id(1), body: { kind: KIND.heartbeat, seq: 1 } });
  const d = decodeFrame(withHop(f, 5, 27), verify);
  t.true(d.type === 'signed' && d.msg.ttl === 5 && d.msg.hops === 27);
});

test('a flipped bit anywhere in the signed part, or a record signed by someone else, is forged', (t) => {
  const f = signMessage(alice, { ttl: 2, timestampMs: T0, id: id(1), body: { kind: KIND.announce, record } });
  for (const at of [3 + 2, 3 + 2 + 32, 3 + 2 + 40 + 3, f.length - 70, f.length - 1]) {
    const g = Uint8Array.from(f);
    g[at]! ^= 0x10;
    const d = decodeFrame(g, verify);
    t.true(d.type === 'drop' && (d.reason === 'forged' || d.reason === 'malformed'), `byte ${at}: ${JSON.stringify(d)}`);
  }
  const sigFlip = Uint8Array.from(f);
  sigFlip[f.length - 1]! ^= 1;
  t.like(decodeFrame(sigFlip, verify), { type: 'drop', reason: 'forged' });
  // Mallory announces Alice's record as her own: the record key is not the origin.
  const mallory = realKey();
  const stolen = signMessage(mallory, { ttl: 2, timestampMs: T0, id: id(1), body: { kind: KIND.announce, record } });
  t.like(decodeFrame(stolen, verify), { type: 'drop', reason: 'forged' });
});

test('hostile frames: each malformed shape has its reason, oversize is oversize', (t) => {
  const f = Buffer.from(signMessage(alice, { ttl: 2, timestampMs: T0, id: id(1), body: { kind: KIND.heartbeat, seq: 1 } }));
  const bad = (b: Uint8Array): string => { const d = decodeFrame(b, verify); return d.type === 'drop' ? d.reason : 'accepted'; };
  t.is(bad(new Uint8Array(0)), 'malformed');
  t.is(bad(f.subarray(0, 10)), 'malformed');
  t.is(bad(Buffer.concat([f, Buffer.of(0)])), 'malformed');
  const v = Buffer.from(f); v[3] = 2; t.is(bad(v), 'malformed');
  const k = Buffer.from(f); k[4] = 0x7f; t.is(bad(k), 'malformed');
  t.is(bad(Buffer.alloc(GOSSIP_LIMITS.maxFrameBytes + 1, FRAME_GOSSIP)), 'oversize');
  const c = Buffer.from(encodeControl(CONTROL.ihave, [{ mid: midOf(alice.publicKey, id(1)), hops: 3 }]));
  t.like(decodeFrame(c, verify), { type: 'control', kind: CONTROL.ihave, entries: [{ hops: 3 }] });
  const c2 = Buffer.from(c); c2[1] = 1; t.is(bad(c2), 'malformed');
  t.is(bad(c.subarray(0, c.length - 1)), 'malformed');
});

/** A frame built by hand (independently of the encoder), signed by `s` over `body`. */
function handBuilt(s: Signer, kind: number, body: Buffer): Buffer {
  const head = Buffer.alloc(2 + 32 + 8 + 16 + 2);
  head[0] = 1; head[1] = kind;
  Buffer.from(s.publicKey).copy(head, 2);
  head.writeBigUInt64LE(BigInt(T0), 34);
  Buffer.from(id(1)).copy(head, 42);
  head.writeUInt16LE(body.length, 58);
  const region = Buffer.concat([head, body]);
  const sig = s.sign(Buffer.concat([Buffer.from('lagoon/gossip/msg/v1\0', 'latin1'), region]));
  return Buffer.concat([Buffer.of(FRAME_GOSSIP, 1, 0), region, sig]);
}

test('a record exists only with the broadcast flag: a validly signed record without it is refused', (t) => {
  const s = simKey(new Rng(5));
  const r = signRecord(s, { seq: 1, issuedAtMs: T0, capabilities: 0, addrs: ['tcp://198.51.100.7:1'], topics: [] });
  t.like(decodeFrame(handBuilt(s, KIND.announce, Buffer.from(r.bytes)), simVerify), { type: 'signed' });
  const unsigned = Buffer.from(r.bytes.subarray(0, r.bytes.length - 64));
  const flagsAt = 32 + 8 + 8 + 4;
  t.is(unsigned[flagsAt], 1);
  unsigned[flagsAt] = 0;
  const resigned = Buffer.concat([unsigned, s.sign(Buffer.concat([Buffer.from('lagoon/gossip/record/v1\0', 'latin1'), unsigned]))]);
  const d = decodeFrame(handBuilt(s, KIND.announce, resigned), simVerify);
  t.like(d, { type: 'drop', reason: 'malformed' });
  t.regex(d.type === 'drop' ? d.detail : '', /broadcast/);
  // Nor can code outside the codec make one.
  t.throws(() => new (PeerRecord as unknown as new (...a: unknown[]) => PeerRecord)(Symbol('x'), new Uint8Array(32), 1, 1, 0, ['tcp://x:1'], [], new Uint8Array(0)), { instanceOf: TypeError });
});

test('an observed address prints and serialises as a placeholder, never as the address', (t) => {
  const o = new ObservedAddress('tcp://203.0.113.9:4444');
  t.is(String(o), '[observed address]');
  t.is(JSON.stringify({ o }), '{"o":"[observed address]"}');
  t.is(o.reveal(), 'tcp://203.0.113.9:4444');
});

test('fuzz: random mutations of valid frames never throw and never verify as something else', (t) => {
  const rng = new Rng(SEED);
  const s = simKey(rng.fork('key'));
  const r = signRecord(s, { seq: 1, issuedAtMs: T0, capabilities: 0, addrs: ['tcp://192.0.2.5:9443'], topics: ['x'] });
  const seeds = [
    signMessage(s, { ttl: 5, timestampMs: T0, id: id(9), body: { kind: KIND.announce, record: r } }),
    signMessage(s, { ttl: 5, timestampMs: T0, id: id(9), body: { kind: KIND.response, requester: s.publicKey, requestId: id(1), records: [r, r] } }),
    encodeControl(CONTROL.graft, [{ mid: midOf(s.publicKey, id(3)), hops: 0 }]),
  ];
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const seed = rng.pick(seeds);
    const f = Uint8Array.from(seed);
    const edits = 1 + rng.int(4);
    for (let e = 0; e < edits; e++) f[rng.int(f.length)] = rng.int(256);
    const cut = rng.chance(0.2) ? f.subarray(0, rng.int(f.length + 1)) : f;
    const d = decodeFrame(cut, simVerify);
    if (d.type === 'signed') {
      accepted++;
      // Only the unsigned ttl/hops bytes may differ in a signed frame that still verifies.
      t.deepEqual(Buffer.from(cut.subarray(3)), Buffer.from(seed.subarray(3)));
    }
  }
  t.true(accepted < 3000);
});
