import test from 'ava';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { isLagoonError } from '../../../ts/core/errors.js';
import { FRAME_HELLO, HELLO_LIMITS } from '../../../ts/mesh/hello/constants.js';
import { decodeHello, encodeHello, isHelloFrame, peekHelloVersion } from '../../../ts/mesh/hello/messages.js';
import { fullHello, minimalHello, rng, SEED } from './helpers.js';

const id = ephemeralIdentity();

test('round trip: every field present', (t) => {
  const h = fullHello(id);
  const bytes = encodeHello(h);
  t.is(bytes[0], FRAME_HELLO);
  t.true(isHelloFrame(bytes));
  t.deepEqual(peekHelloVersion(bytes), { major: 1, minor: 0 });
  t.deepEqual(decodeHello(bytes), { ...h, publicKey: Uint8Array.from(id.publicKey) });
});

test('round trip: every optional field absent', (t) => {
  const h = minimalHello(id);
  const bytes = encodeHello(h);
  t.is(bytes.length, 4 + 32 + 8 + 16 + 4 + 1 + id.peerId.length + 1 + 1);
  const d = decodeHello(bytes);
  t.deepEqual(d, { ...h, publicKey: Uint8Array.from(id.publicKey) });
  t.is(d.spiralSlot, null);
  t.is(d.vdf, null);
  t.is(d.yggAddr, null);
  t.is(d.yggPeerUri, null);
});

test('round trip: each optional field alone, and decoding from a subarray', (t) => {
  const base = minimalHello(id);
  for (const over of [{ spiralSlot: 0 }, { spiralSlot: Number.MAX_SAFE_INTEGER }, { vdf: { height: 0, verifiedWork: 0n } },
    { yggAddr: '200::1' }, { yggPeerUri: 'tcp://[200::1]:9443' }]) {
    const h = { ...base, ...over };
    const bytes = encodeHello(h);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    t.deepEqual(decodeHello(padded.subarray(5, 5 + bytes.length)), { ...h, publicKey: Uint8Array.from(id.publicKey) });
  }
});

test('a newer minor version with unknown TLV extensions is read; the known fields are intact', (t) => {
  const bytes = encodeHello(fullHello(id, { protocolVersion: { major: 1, minor: 9 } }));
  const d = decodeHello(bytes);
  t.deepEqual(d.protocolVersion, { major: 1, minor: 9 });
  t.is(d.extensions.length, 2);
  t.is(d.siteName, 'per.example');
});

function protocolError(t: import('ava').ExecutionContext, bytes: Uint8Array, re?: RegExp): void {
  const err = t.throws(() => decodeHello(bytes));
  t.true(isLagoonError(err, 'ERR_PROTOCOL'), String(err));
  t.is((err as { origin?: string }).origin, 'peer');
  if (re) t.regex(err?.message ?? '', re);
}

test('hostile inputs: specific rejections', (t) => {
  const good = encodeHello(fullHello(id));
  protocolError(t, new Uint8Array(0), /truncated/);
  protocolError(t, Buffer.concat([good, Buffer.alloc(HELLO_LIMITS.maxHelloBytes)]), /at most/);
  protocolError(t, Buffer.from([0x49, ...good.subarray(1)]), /not a HELLO/);
  protocolError(t, Buffer.from([FRAME_HELLO, 2, 0, ...good.subarray(3)]), /version 2\.0/);
  const flags = Buffer.from(good); flags[3] = 0x10; protocolError(t, flags, /flag/);
  protocolError(t, good.subarray(0, good.length - 1), /truncated/);
  // timestamp above 2^53
  const ts = Buffer.from(good); ts.writeBigUInt64LE(1n << 60n, 36); protocolError(t, ts, /2\^53/);
  // peer id length above the bound
  const pid = Buffer.from(good); pid[64] = 200; protocolError(t, pid, /peerId is 200 bytes/);
  // invalid UTF-8 and control characters in a name
  const m = minimalHello(id, { nodeName: 'ab' });
  const nb = encodeHello(m); const at = 64 + 1 + id.peerId.length + 1;
  const bad = Buffer.from(nb); bad[at] = 0xff; protocolError(t, bad, /not UTF-8/);
  const ctl = Buffer.from(nb); ctl[at] = 0x0a; protocolError(t, ctl, /not allowed/);
  // extensions out of order / duplicate / truncated
  const e1 = encodeHello(minimalHello(id));
  protocolError(t, Buffer.concat([e1, Buffer.from([5, 0, 0, 5, 0, 0])]), /ascending/);
  protocolError(t, Buffer.concat([e1, Buffer.from([0, 0, 0])]), /ascending/);
  protocolError(t, Buffer.concat([e1, Buffer.from([5, 9, 0, 1])]), /truncated/);
  const many = Buffer.concat(Array.from({ length: 17 }, (_, i) => Buffer.from([i + 1, 0, 0])));
  protocolError(t, Buffer.concat([e1, many]), /more than 16/);
});

test('encode refuses out-of-bounds fields (API misuse)', (t) => {
  const bad = [
    { nodeName: 'x'.repeat(65) }, { siteName: 'a\nb' }, { yggAddr: 'has space' }, { nonce: new Uint8Array(15) },
    { publicKey: new Uint8Array(31) }, { capabilities: 2 ** 32 }, { spiralSlot: -1 }, { timestampMs: 1.5 },
    { vdf: { height: 1, verifiedWork: 1n << 64n } }, { extensions: [{ tag: 2, value: new Uint8Array(0) }, { tag: 2, value: new Uint8Array(0) }] },
    { extensions: [{ tag: 1, value: new Uint8Array(1000) }] },
  ];
  for (const over of bad) {
    const err = t.throws(() => encodeHello(fullHello(id, over)), undefined, JSON.stringify(Object.keys(over)));
    t.true(isLagoonError(err, 'ERR_INVALID_ARGUMENT'));
  }
});

test(`fuzz: 3000 random, truncated and mutated buffers give ERR_PROTOCOL or a HELLO (seed ${SEED})`, (t) => {
  const r = rng(SEED);
  const byte = (): number => Math.floor(r() * 256);
  const seeds = [encodeHello(fullHello(id)), encodeHello(minimalHello(id))];
  const started = performance.now();
  let ok = 0;
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const base = seeds[i % 2]!;
    let buf: Buffer;
    switch (i % 3) {
      case 0: buf = Buffer.from(Array.from({ length: Math.floor(r() * 1100) }, byte)); if (r() < 0.5 && buf.length > 0) buf[0] = FRAME_HELLO; if (r() < 0.5 && buf.length > 1) buf[1] = 1; break;
      case 1: buf = base.subarray(0, Math.floor(r() * base.length)); break;
      default: {
        buf = Buffer.from(base);
        const flips = 1 + Math.floor(r() * 4);
        for (let k = 0; k < flips; k++) buf[Math.floor(r() * buf.length)] = byte();
        if (r() < 0.3) buf = Buffer.concat([buf, Buffer.from(Array.from({ length: Math.floor(r() * 40) }, byte))]);
      }
    }
    try {
      const h = decodeHello(buf);
      ok++;
      // Whatever decodes re-encodes to the same bytes (canonical form).
      t.true(encodeHello(h).equals(buf));
    } catch (err) {
      rejected++;
      if (!isLagoonError(err, 'ERR_PROTOCOL') || err.origin !== 'peer') t.fail(`seed ${SEED} case ${i}: ${String(err)}`);
    }
  }
  t.true(ok > 0 && rejected > 0, `ok=${ok} rejected=${rejected}`);
  t.true(performance.now() - started < 3000);
});
