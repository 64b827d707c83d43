import test from 'ava';
import { FrameDecoder, encodeHeader, type DecodedItem } from '../../ts/transport/framing.js';
import { sealedSize, openedSize, FrameSealer } from '../../ts/transport/seal.js';
import { classify } from '../../ts/transport/sniff.js';
import { parseAddress } from '../../ts/transport/address.js';
import { NOISE_MAX_PLAINTEXT_BYTES } from '../../ts/transport/constants.js';
import { randomBytes } from 'node:crypto';

const enc = (f: Buffer): Buffer => Buffer.concat([encodeHeader(f.length), f]);
const frames = (items: DecodedItem[]): Buffer[] => items.flatMap((i) => (i.type === 'frame' ? [Buffer.from(i.frame)] : []));

test('decoder survives any chunking, keepalives included', (t) => {
  const input = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(70_000, 5), Buffer.from('end')];
  const stream = Buffer.concat(input.map(enc));
  for (const step of [1, 2, 3, 4, 5, 7, 4096, stream.length]) {
    const d = new FrameDecoder(100_000);
    const items: DecodedItem[] = [];
    for (let o = 0; o < stream.length; o += step) items.push(...d.push(stream.subarray(o, o + step)));
    t.deepEqual(items.map((i) => i.type), ['frame', 'keepalive', 'frame', 'frame'], `step ${step}`);
    t.deepEqual(frames(items), [input[0], input[2], input[3]], `step ${step}`);
    t.is(d.pendingBytes, 0);
  }
});

test('a length above the maximum is reported before any allocation and kills the decoder', (t) => {
  const d = new FrameDecoder(1000);
  const items = d.push(Buffer.concat([enc(Buffer.from('ok')), encodeHeader(0xffff_ffff), Buffer.alloc(10)]));
  t.deepEqual(items.map((i) => i.type), ['frame', 'oversized']);
  t.true(d.pendingBytes <= 1004);
  t.deepEqual(d.push(enc(Buffer.from('more'))), []);
});

test('pending memory stays within max + 4 while a frame streams in', (t) => {
  const d = new FrameDecoder(10_000);
  const s = enc(Buffer.alloc(10_000));
  for (let o = 0; o < s.length - 1; o += 333) {
    d.push(s.subarray(o, Math.min(o + 333, s.length - 1)));
    t.true(d.pendingBytes <= 10_004);
  }
});

test('sealed sizes are a bijection on valid sizes', (t) => {
  for (const n of [1, 2, NOISE_MAX_PLAINTEXT_BYTES - 1, NOISE_MAX_PLAINTEXT_BYTES, NOISE_MAX_PLAINTEXT_BYTES + 1, 3 * NOISE_MAX_PLAINTEXT_BYTES, 1 << 20]) {
    t.is(openedSize(sealedSize(n)), n, `n=${n}`);
  }
  t.is(openedSize(65535 + 5), -1);
  t.is(openedSize(0), -1);
});

test('sealing: round trip, and splitting or merging sealed frames is detected', (t) => {
  const key = randomBytes(32);
  const tx = new FrameSealer(key);
  const rx = new FrameSealer(Buffer.from(key));
  const big = randomBytes(2 * NOISE_MAX_PLAINTEXT_BYTES + 10);
  const sealed = tx.seal(big);
  t.true(rx.open(sealed).equals(big));
  // A relay cuts a multi-chunk frame at a chunk boundary: the first piece is not a last chunk.
  const tx2 = new FrameSealer(Buffer.from(key));
  const rx2 = new FrameSealer(Buffer.from(key));
  const s2 = tx2.seal(big);
  t.throws(() => rx2.open(s2.subarray(0, 65535)));
  // Flipped bit.
  const tx3 = new FrameSealer(Buffer.from(key));
  const rx3 = new FrameSealer(Buffer.from(key));
  const s3 = Buffer.from(tx3.seal(Buffer.from('hello')));
  s3[2]! ^= 1;
  t.throws(() => rx3.open(s3));
  // Replay of a frame already opened (nonce moved on).
  const tx4 = new FrameSealer(Buffer.from(key));
  const rx4 = new FrameSealer(Buffer.from(key));
  const s4 = tx4.seal(Buffer.from('once'));
  t.is(rx4.open(s4).toString(), 'once');
  t.throws(() => rx4.open(s4));
});

test('sniffing the first bytes', (t) => {
  const allowTls = { allowTls: true };
  t.is(classify(Buffer.from('LGN1'), allowTls), 'tcp');
  t.is(classify(Buffer.from('LG'), allowTls), 'more');
  t.is(classify(Buffer.from('LGN2'), allowTls), 'reject');
  t.is(classify(Buffer.from('GET /lagoon-link HTTP/1.1'), allowTls), 'ws');
  t.is(classify(Buffer.from('POST'), allowTls), 'reject');
  t.is(classify(Buffer.from([0x16, 0x03, 0x01]), allowTls), 'tls');
  t.is(classify(Buffer.from([0x16, 0x03, 0x01]), { allowTls: false }), 'reject');
  t.is(classify(Buffer.from([0x00]), allowTls), 'reject');
});

test('addresses', (t) => {
  t.deepEqual(parseAddress('10.0.0.1:9443'), { scheme: 'tcp', host: '10.0.0.1', port: 9443 });
  t.deepEqual(parseAddress('tls://[::1]:9443'), { scheme: 'tls', host: '::1', port: 9443 });
  t.deepEqual(parseAddress('ws://h:1'), { scheme: 'ws', url: 'ws://h:1/lagoon-link' });
  t.deepEqual(parseAddress('wss://h:1/x'), { scheme: 'wss', url: 'wss://h:1/x' });
  t.deepEqual(parseAddress('memory://n1'), { scheme: 'memory', name: 'n1' });
  t.throws(() => parseAddress('ftp://h:1'), { message: /ERR_INVALID_ARGUMENT/ });
  t.throws(() => parseAddress('h'), { message: /ERR_INVALID_ARGUMENT/ });
});
