import test from 'ava';
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { genesis, nativeLimits, verifyHeader, verifyOpening, VdfProver } from '../../ts/mesh/vdf/engine.js';
import { DEFAULT_VDF_CONFIG, VDF_LIMITS, vdfConfig } from '../../ts/mesh/vdf/constants.js';
import { blake3 } from '../../ts/core/native.js';

/**
 * A hostile peer signs, with its own key, a window header declaring sizes no
 * honest engine produces (one segment of ~2^32 steps: ≈ 7 min to recompute
 * before the bounds). Verification on the libuv pool must refuse it with
 * reason `shape` before doing any work.
 */

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

function attacker(seed = 66): { key: KeyObject; pk: Buffer } {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.alloc(32, seed)]), format: 'der', type: 'pkcs8' });
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  return { key, pk: Buffer.from(x!, 'base64url') };
}

/** A signed one-segment window 0 and a Merkle-consistent opening of its segment 0 (format: crates/lagoon-vdf/README.md). */
function forged(steps: number, segmentLen: number, challenge: Buffer): { pk: Buffer; header: Buffer; opening: Buffer } {
  const { key, pk } = attacker();
  const start = genesis(pk);
  const end = Buffer.alloc(32, 0xee);
  const leaf = blake3(Buffer.concat([Buffer.of(0), Buffer.alloc(4), start, end]));
  const body = Buffer.alloc(2 + 8 + 8 + 4 + 4 + 96 + 2);
  body[0] = 1;
  body[1] = 1;
  body.writeUInt32LE(steps, 18);
  body.writeUInt32LE(segmentLen, 22);
  start.copy(body, 26);
  end.copy(body, 58);
  leaf.copy(body, 90);
  const signature = sign(null, Buffer.concat([Buffer.from('lagoon-vdf-window-v1\0'), pk, body]), key);
  const header = Buffer.concat([body, signature]);
  const head = Buffer.alloc(2 + 8 + 32 + 16 + 1);
  head[0] = 1;
  head[1] = 2;
  blake3(header).copy(head, 10);
  challenge.copy(head, 42);
  head[58] = 1;
  const seg = Buffer.concat([Buffer.alloc(4), start, end, Buffer.of(0)]);
  return { pk, header, opening: Buffer.concat([head, seg]) };
}

test('the TS mirror of the protocol bounds matches the native crate', (t) => {
  t.deepEqual(nativeLimits(), VDF_LIMITS);
  t.is(VDF_LIMITS.maxWindowSteps, VDF_LIMITS.maxSegments * VDF_LIMITS.maxSegmentLen);
  t.is(VDF_LIMITS.maxOpeningSteps, VDF_LIMITS.maxOpened * VDF_LIMITS.maxSegmentLen);
  t.true(DEFAULT_VDF_CONFIG.k <= VDF_LIMITS.maxK);
  t.throws(() => vdfConfig({ k: VDF_LIMITS.maxK + 1 }), { code: 'ERR_CONFIG' } as never);
});

test('a hostile header declaring a 2^32-step segment is rejected with "shape" at once, on every pool thread', async (t) => {
  const c = Buffer.alloc(16, 3);
  const { pk, header, opening } = forged(0xffff_ffff, 0xffff_ffff, c);
  // Twice the libuv pool (4 threads): before the bounds, this queue would have blocked the pool for ~1 h.
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    i % 2 === 0 ? verifyOpening(pk, header, opening, c, null, DEFAULT_VDF_CONFIG.k) : verifyHeader(pk, header, null, null)));
  const ms = performance.now() - t0;
  for (const r of results) t.deepEqual(r, { ok: false, reason: 'shape' });
  t.true(ms < 1000, `8 hostile verifications took ${ms.toFixed(1)} ms`);
});

test('each declared size above its bound is "shape"; at the bound the segment is checked for real, in milliseconds', async (t) => {
  const c = Buffer.alloc(16, 4);
  const L = VDF_LIMITS.maxSegmentLen;
  for (const [steps, segmentLen] of [[L + 1, L + 1], [VDF_LIMITS.maxWindowSteps + 1, L], [VDF_LIMITS.maxSegments + 1, 1]] as const) {
    const { pk, header, opening } = forged(steps, segmentLen, c);
    t.deepEqual(await verifyHeader(pk, header, null, null), { ok: false, reason: 'shape' }, `steps ${steps}, segment ${segmentLen}`);
    t.deepEqual(await verifyOpening(pk, header, opening, c, null), { ok: false, reason: 'shape' });
  }
  // The same forgery at the bound passes the shape check and fails on its fake end.
  const { pk, header, opening } = forged(L, L, c);
  t.true((await verifyHeader(pk, header, null, null)).ok);
  const t0 = performance.now();
  t.deepEqual(await verifyOpening(pk, header, opening, c, null), { ok: false, reason: 'segment' });
  t.true(performance.now() - t0 < 1000);
  // k above the bound is refused by the verifier (and by the prover).
  const p = new VdfProver(Buffer.alloc(32, 5));
  p.advance(50_000);
  const w = p.closeWindow()!;
  const o = p.open(0, c, null, VDF_LIMITS.maxK);
  t.deepEqual(await verifyOpening(p.publicKey, w, o, c, null, VDF_LIMITS.maxK), { ok: true });
  t.deepEqual(await verifyOpening(p.publicKey, w, o, c, null, VDF_LIMITS.maxK + 1), { ok: false, reason: 'shape' });
  t.throws(() => p.open(0, c, null, VDF_LIMITS.maxK + 1), { message: /k-too-large/ });
});

test('an honest prover never exceeds the segment bound: long windows get more segments', async (t) => {
  const p = new VdfProver(Buffer.alloc(32, 6), 2);
  const n = Buffer.alloc(16, 1);
  p.absorb(n);
  p.advance(VDF_LIMITS.maxSegmentLen * 20);
  const w = p.closeWindow()!;
  t.is(w.readUInt32LE(22), VDF_LIMITS.maxSegmentLen);
  const h = await verifyHeader(p.publicKey, w, null, n);
  t.true(h.ok);
  const c = Buffer.alloc(16, 2);
  t.deepEqual(await verifyOpening(p.publicKey, w, p.open(0, c, n), c, n), { ok: true });
});
