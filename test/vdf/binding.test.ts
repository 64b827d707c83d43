import test from 'ava';
import { randomBytes } from 'node:crypto';
import {
  VdfEngine, VdfProver, genesis, verifyHeader, verifyOpening, signAttestation, verifyAttestation,
} from '../../ts/mesh/vdf/engine.js';
import { blake3 } from '../../ts/core/native.js';
import { isLagoonError } from '../../ts/core/errors.js';

const SEED = Buffer.alloc(32, 42);
const N1 = Buffer.alloc(16, 1);
const N2 = Buffer.alloc(16, 2);
const K = 2;

function twoWindows(p: VdfProver): [Buffer, Buffer] {
  p.advance(100);
  p.absorb(N1);
  p.advance(20_000);
  const w0 = p.closeWindow()!;
  p.advance(10);
  p.absorb(N2);
  p.advance(30_000);
  return [w0, p.closeWindow()!];
}

test('genesis is BLAKE3("lagoon-vdf-genesis-v1" || public key)', (t) => {
  const p = new VdfProver(SEED);
  t.deepEqual(genesis(p.publicKey), blake3(Buffer.concat([Buffer.from('lagoon-vdf-genesis-v1'), p.publicKey])));
});

test('honest header and opening verify; determinism from a given key', async (t) => {
  const p = new VdfProver(SEED);
  const [w0, w1] = twoWindows(p);
  const [q0, q1] = twoWindows(new VdfProver(SEED));
  t.deepEqual(q0, w0);
  t.deepEqual(q1, w1);
  const h0 = await verifyHeader(p.publicKey, w0, null, N1);
  t.true(h0.ok);
  const h1 = await verifyHeader(p.publicKey, w1, w0, N2);
  if (!h1.ok) return t.fail(h1.reason);
  t.is(h1.facts.startHeight, 20_101);
  t.is(h1.facts.endHeight, p.height);
  const c = Buffer.alloc(16, 9);
  const o = p.open(1, c, N2, K);
  t.deepEqual(await verifyOpening(p.publicKey, w1, o, c, N2, K), { ok: true });
});

test('a flipped byte anywhere in the header or the opening is rejected with a reason', async (t) => {
  const p = new VdfProver(SEED);
  const [w0, w1] = twoWindows(p);
  const c = Buffer.alloc(16, 7);
  const o = p.open(1, c, N2, K);
  const reasons = new Set<string>();
  for (let i = 0; i < w1.length; i++) {
    const bad = Buffer.from(w1);
    bad[i]! ^= 0x04;
    const r = await verifyHeader(p.publicKey, bad, w0, N2);
    t.false(r.ok, `header byte ${i}`);
    if (!r.ok) reasons.add(r.reason);
  }
  for (let i = 0; i < o.length; i++) {
    const bad = Buffer.from(o);
    bad[i]! ^= 0x04;
    const r = await verifyOpening(p.publicKey, w1, bad, c, N2, K);
    t.false(r.ok, `opening byte ${i}`);
    if (!r.ok) reasons.add(r.reason);
  }
  t.true(reasons.has('signature'));
  t.true(reasons.has('merkle') || reasons.has('segment'));
});

test('wrong key, fork, gap, replay and a tampered nonce position are each rejected', async (t) => {
  const p = new VdfProver(SEED);
  const [w0, w1] = twoWindows(p);
  const other = new VdfProver(Buffer.alloc(32, 43));
  t.deepEqual(await verifyHeader(other.publicKey, w1, w0, N2), { ok: false, reason: 'signature' });
  t.deepEqual(await verifyHeader(p.publicKey, w1, w1, null), { ok: false, reason: 'replay' });
  t.deepEqual(await verifyHeader(p.publicKey, w0, w1, null), { ok: false, reason: 'replay' });
  p.advance(5);
  const w2 = p.closeWindow()!;
  t.deepEqual(await verifyHeader(p.publicKey, w2, w0, null), { ok: false, reason: 'gap' });
  const fork = new VdfProver(SEED);
  fork.advance(100);
  fork.absorb(N1);
  fork.advance(20_000);
  fork.closeWindow();
  fork.absorb(Buffer.alloc(16, 0xee));
  fork.advance(100);
  const f1 = fork.closeWindow()!;
  t.deepEqual(await verifyHeader(p.publicKey, f1, w1, null), { ok: false, reason: 'fork' });
  // Nonce positions are signed: moving one breaks the signature.
  const moved = Buffer.from(w1);
  const posAt = 2 + 8 + 8 + 4 + 4 + 96 + 2;
  moved.writeUInt32LE(moved.readUInt32LE(posAt) + 1, posAt);
  t.deepEqual(await verifyHeader(p.publicKey, moved, w0, N2), { ok: false, reason: 'signature' });
  t.deepEqual(await verifyHeader(p.publicKey, w1, w0, Buffer.alloc(16, 5)), { ok: false, reason: 'nonce-missing' });
});

test('a precomputed chain earns no weight: only steps after the verifier nonce are fresh', async (t) => {
  const p = new VdfProver(SEED);
  p.advance(200_000);
  p.absorb(N1);
  p.advance(499);
  const r = await verifyHeader(p.publicKey, p.closeWindow()!, null, N1);
  if (!r.ok) return t.fail(r.reason);
  t.is(r.facts.steps, 200_500);
  t.is(r.facts.freshSteps, 500);
});

test('attestations verify and a tampered one does not', (t) => {
  const subject = new VdfProver(SEED).publicKey;
  const att = signAttestation(Buffer.alloc(32, 9), { subject, fromHeight: 10, toHeight: 1000, steps: 900, end: Buffer.alloc(32, 3) });
  const r = verifyAttestation(att);
  if (!r.ok) return t.fail(r.reason);
  t.deepEqual(r.attestation.subject, subject);
  t.is(r.attestation.steps, 900);
  const bad = Buffer.from(att);
  bad[50]! ^= 1;
  t.deepEqual(verifyAttestation(bad), { ok: false, reason: 'signature' });
  t.throws(() => signAttestation(Buffer.alloc(32, 9), { subject, fromHeight: 10, toHeight: 20, steps: 11, end: Buffer.alloc(32) }));
});

test('the engine runs on its own thread, absorbs, proves, and closes idempotently', async (t) => {
  const e = new VdfEngine(randomBytes(32), { duty: 0.02, dutyPeriodMs: 10 });
  t.teardown(() => e.close());
  t.true(e.absorb(N1));
  const signal = AbortSignal.timeout(20_000);
  // Wait for progress by polling the engine on the event loop (no sleeps as synchronisation).
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (signal.aborted) return reject(new Error('engine made no progress'));
      const s = e.stats();
      if (s.height > 1_000 && s.pendingNonces === 0) return resolve();
      setImmediate(check);
    };
    check();
  });
  const w = await e.closeWindow();
  t.truthy(w);
  const h = await verifyHeader(e.publicKey, w!, null, N1);
  t.true(h.ok);
  const c = randomBytes(16);
  t.deepEqual(await verifyOpening(e.publicKey, w!, e.open(0, c, N1), c, N1), { ok: true });
  e.close();
  e.close();
  t.true(e.closed);
  const err = t.throws(() => e.absorb(N2));
  t.true(isLagoonError(err, 'ERR_CLOSED'));
  t.throws(() => new VdfEngine(Buffer.alloc(31)), { code: 'ERR_INVALID_ARGUMENT' } as never);
  t.throws(() => new VdfEngine(randomBytes(32), { duty: 0 }), { code: 'ERR_INVALID_ARGUMENT' } as never);
});
