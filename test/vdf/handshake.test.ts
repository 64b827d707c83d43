import test from 'ava';
import { VdfHandshake, type VdfAction } from '../../ts/mesh/vdf/handshake.js';
import { DEFAULT_VDF_CONFIG, vdfConfig } from '../../ts/mesh/vdf/constants.js';
import { encodeFrame, decodeFrame } from '../../ts/mesh/vdf/messages.js';
import { VdfProver, verifyHeader, verifyOpening } from '../../ts/mesh/vdf/engine.js';
import type { HeaderFacts } from '../../ts/mesh/vdf/engine.js';

/** Deterministic RNG (xorshift) so runs replay. */
function rng(seed = 1): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

const PK = new Uint8Array(32).fill(7);
const facts = (window: number, endHeight: number, steps = 1000, freshSteps = steps): HeaderFacts =>
  ({ window, startHeight: endHeight - steps, endHeight, steps, freshSteps, noncePosition: steps - freshSteps, end: Buffer.alloc(32) });
const of = <T extends VdfAction['type']>(acts: VdfAction[], type: T) => acts.filter((a): a is Extract<VdfAction, { type: T }> => a.type === type);

/** Feeds one honest window from `peer` through `m` with fake (successful) verification. */
function honestWindow(m: VdfHandshake, peer: string, window: number, now: number, steps = 1000, freshSteps = steps): VdfAction[] {
  const header = new Uint8Array([window, 1, 2, 3]);
  const [vh] = of(m.message(peer, encodeFrame({ type: 'proof', header }), now), 'verify-header');
  if (!vh) throw new Error('no verify-header');
  const acts = m.proofVerified(peer, { id: vh.id, kind: 'header', ok: true, facts: facts(window, (window + 1) * steps, steps, freshSteps) }, now);
  const [vo] = of(m.message(peer, encodeFrame({ type: 'opening', opening: new Uint8Array([9]) }), now), 'verify-opening');
  if (!vo) throw new Error('no verify-opening');
  return [...acts, ...m.proofVerified(peer, { id: vo.id, kind: 'opening', ok: true }, now)];
}

test('frames round-trip and malformed frames decode to null', (t) => {
  const c = { type: 'challenge' as const, window: 5, nonce: new Uint8Array(16).fill(1), show: new Uint8Array(16).fill(2) };
  t.deepEqual(decodeFrame(encodeFrame(c)), c);
  t.deepEqual(decodeFrame(encodeFrame({ ...c, window: null, show: null })), { ...c, window: null, show: null });
  const bad = encodeFrame(c);
  t.is(decodeFrame(bad.subarray(0, bad.length - 1)), null);
  t.is(decodeFrame(new Uint8Array([0x09])), null);
  t.is(decodeFrame(new Uint8Array([])), null);
  t.is(decodeFrame(new Uint8Array([0x02])), null);
});

test('config rejects unknown keys and bad values', (t) => {
  t.throws(() => vdfConfig({ nope: 1 } as never), { code: 'ERR_CONFIG' } as never);
  t.throws(() => vdfConfig({ duty: 2 }), { code: 'ERR_CONFIG' } as never);
  t.throws(() => vdfConfig({ maxSegments: 1000 }), { code: 'ERR_CONFIG' } as never);
  t.is(vdfConfig({ k: 3 }).k, 3);
});

test('a neighbour gets a challenge; verified windows give alive verdicts with height and work', (t) => {
  const m = new VdfHandshake(rng());
  const first = m.neighbourAdded('b', PK, 0);
  t.is(of(first, 'send').length, 1);
  const acts = honestWindow(m, 'b', 0, 1000, 1000, 400);
  const challenge = of(acts, 'send')[0];
  t.truthy(challenge);
  const frame = decodeFrame(challenge!.frame);
  t.is(frame?.type, 'challenge');
  t.deepEqual(of(acts, 'verdict')[0], { type: 'verdict', peerId: 'b', verdict: 'alive', height: 1000, work: 400, reason: 'verified' });
  const acts2 = honestWindow(m, 'b', 1, 2200);
  t.is(of(acts2, 'verdict')[0]?.work, 1400, 'later windows count fully, the first only after our nonce');
  t.is(m.peer('b')?.height, 2000);
});

test('a peer that goes silent is declared dead within 5 s under default settings', (t) => {
  const m = new VdfHandshake(rng(), DEFAULT_VDF_CONFIG);
  m.neighbourAdded('b', PK, 0);
  let now = 0;
  for (let w = 0; w < 5; w++) {
    now += DEFAULT_VDF_CONFIG.windowMs;
    m.handleTimeout(now);
    honestWindow(m, 'b', w, now);
  }
  const silentSince = now;
  let deadAt: number | undefined;
  for (let i = 0; i < 100 && deadAt === undefined; i++) {
    const next = m.nextTimeout();
    if (next === undefined) break;
    now = next;
    if (of(m.handleTimeout(now), 'verdict').some((v) => v.verdict === 'dead')) deadAt = now;
  }
  t.truthy(deadAt);
  t.true(deadAt! - silentSince <= 5000, `dead after ${deadAt! - silentSince} ms`);
  t.is(m.peer('b')?.verdict, 'dead');
});

test('a peer judged dead and added again is judged again from scratch: a fresh nonce, and a dead verdict if it stays silent', (t) => {
  // A dead verdict is given once. One given while the peer was no SPIRAL neighbour (the mesh ignores it) was never
  // given again once the peer became one, so a silent peer taken back as a neighbour was never pruned.
  const m = new VdfHandshake(rng(), vdfConfig({ deadAfterMissed: 2, windowMs: 100, graceMs: 0 }));
  const deadWithin = (from: number): number | undefined => {
    for (let now = from, i = 0; i < 100; i++) {
      now = m.nextTimeout()!;
      if (of(m.handleTimeout(now), 'verdict').some((v) => v.peerId === 'b' && v.verdict === 'dead')) return now;
    }
    return undefined;
  };
  m.neighbourAdded('b', PK, 0);
  const first = deadWithin(0);
  t.truthy(first);
  const again = m.neighbourAdded('b', PK, first!);
  t.is(of(again, 'send').length, 1, 'a fresh challenge goes out');
  t.is(decodeFrame(of(again, 'send')[0]!.frame)?.type, 'challenge');
  t.is(m.peer('b')?.verdict, 'unknown');
  const second = deadWithin(first!);
  t.truthy(second, 'and it is declared dead again');
  m.neighbourAdded('b', PK, second!);
  t.deepEqual(m.neighbourAdded('b', PK, second! + 1), [], 'a peer being checked is left as it is');
});

test('dead after N missed windows, configurable', (t) => {
  const m = new VdfHandshake(rng(), vdfConfig({ deadAfterMissed: 5, windowMs: 100, graceMs: 0 }));
  m.neighbourAdded('b', PK, 0);
  honestWindow(m, 'b', 0, 10);
  const verdicts: number[] = [];
  for (let now = 10; now <= 1000; now += 10) for (const v of of(m.handleTimeout(now), 'verdict')) verdicts.push(now);
  t.deepEqual(verdicts, [10 + 100 + 400]);
  t.true((m.peer('b')?.missed ?? 0) >= 5);
});

test("a relinked neighbour gets a new neighbour's time for its first proof, once per verified proof", (t) => {
  // A process restarted just inside the deadline came back to windows it missed while down and was declared dead
  // at the next one, before it could prove (the simulator's restart scenario, LAGOON_SEED=302).
  const cfg = vdfConfig({ deadAfterMissed: 3, windowMs: 100, graceMs: 0 });
  /** Step to `until`, relinking at `relinks` and proving at `proofs`: the times of dead verdicts. */
  const run = (m: VdfHandshake, from: number, until: number, relinks: number[], proofs: number[] = []): number[] => {
    const dead: number[] = [];
    for (let now = from; now <= until; now += 10) {
      if (relinks.includes(now)) m.relinked('b', now);
      if (proofs.includes(now)) honestWindow(m, 'b', now, now);
      for (const v of of(m.handleTimeout(now), 'verdict')) if (v.verdict === 'dead') dead.push(now);
    }
    return dead;
  };
  const proved = () => {
    const m = new VdfHandshake(rng(), cfg);
    m.neighbourAdded('b', PK, 0);
    honestWindow(m, 'b', 0, 10);
    return m;
  };
  t.deepEqual(run(proved(), 20, 1000, []), [310], 'silent since 10: dead at its third missed deadline');
  t.deepEqual(run(proved(), 20, 1000, [250]), [450], 'relinked at 250: two windows from then, as a new neighbour gets');
  t.deepEqual(run(proved(), 20, 1000, [250, 300, 400]), [450], 'once: relinking again without a proof extends nothing');
  // A proof between two relinks earns the next one its time again.
  t.deepEqual(run(proved(), 20, 2000, [250, 640, 700], [400]), [840]);
  t.deepEqual(run(proved(), 20, 2000, [250, 640], [400, 800]), [1100], 'proved in time after the second relink (at 800; silent again, dead three windows later)');
});

test('invalid proofs are counted per peer and lead to dead', (t) => {
  const m = new VdfHandshake(rng());
  m.neighbourAdded('b', PK, 0);
  m.neighbourAdded('c', PK, 0);
  const out: VdfAction[] = [];
  for (let i = 0; i < 3; i++) {
    const [vh] = of(m.message('b', encodeFrame({ type: 'proof', header: new Uint8Array([i]) }), 10 + i), 'verify-header');
    out.push(...m.proofVerified('b', { id: vh!.id, kind: 'header', ok: false, reason: 'signature' }, 10 + i));
  }
  t.is(m.peer('b')?.invalid, 3);
  t.is(m.peer('c')?.invalid, 0);
  t.is(of(out, 'verdict')[0]?.verdict, 'dead');
  // A header missing our nonce (challenge crossed the window close) is stale, not invalid.
  const [vh] = of(m.message('c', encodeFrame({ type: 'proof', header: new Uint8Array([1]) }), 20), 'verify-header');
  m.proofVerified('c', { id: vh!.id, kind: 'header', ok: false, reason: 'nonce-missing' }, 20);
  t.is(m.peer('c')?.invalid, 0);
  t.is(m.counters.proofsStale, 1);
});

test('proofs go to direct neighbours only: requests from others are dropped and counted, nothing is forwarded', (t) => {
  const m = new VdfHandshake(rng());
  m.neighbourAdded('b', PK, 0);
  m.neighbourAdded('c', PK, 0);
  const challenge = encodeFrame({ type: 'challenge', window: 0, nonce: new Uint8Array(16).fill(3), show: null });
  t.deepEqual(m.message('stranger', challenge, 1), []);
  t.deepEqual(m.message('stranger', encodeFrame({ type: 'proof', header: new Uint8Array([1]) }), 1), []);
  t.is(m.counters.nonNeighbourDropped, 2);
  // An opening produced for a peer that stopped being a neighbour is not sent.
  const req = of(m.message('b', challenge, 2), 'request-opening');
  t.is(req.length, 1);
  m.neighbourRemoved('b', 3);
  t.deepEqual(m.opened('b', new Uint8Array([1, 2]), 4), []);
  // Our window proof goes to each current neighbour and nobody else.
  const sends = of(m.windowClosed(new Uint8Array([5, 5]), 5), 'send');
  t.deepEqual(sends.map((s) => s.peerId), ['c']);
  // A proof received from c never leaves the machine towards anyone.
  const acts = m.message('c', encodeFrame({ type: 'proof', header: new Uint8Array([7]) }), 6);
  t.deepEqual(of(acts, 'send'), []);
});

test('time must not go backwards; neighbour table is bounded', (t) => {
  const m = new VdfHandshake(rng(), vdfConfig({ maxNeighbours: 1 }));
  m.neighbourAdded('a', PK, 10);
  t.throws(() => m.handleTimeout(5), { code: 'ERR_INVALID_ARGUMENT' } as never);
  t.throws(() => m.neighbourAdded('b', PK, 11), { code: 'ERR_INVALID_ARGUMENT' } as never);
});

/**
 * Two handshake machines with real provers and native verification. Frames are delivered within the 10 ms tick
 * they were sent in unless `cut` says the link is down, in which case they are lost.
 */
function realPair(cfg = vdfConfig({ windowMs: 100, graceMs: 100 })) {
  const nodes = new Map<string, { m: VdfHandshake; p: VdfProver }>();
  nodes.set('a', { m: new VdfHandshake(rng(11), cfg), p: new VdfProver(Buffer.alloc(32, 1)) });
  nodes.set('b', { m: new VdfHandshake(rng(22), cfg), p: new VdfProver(Buffer.alloc(32, 2)) });
  const queue: Array<[string, string, Uint8Array]> = [];
  const delivered: Array<[string, string, Uint8Array]> = [];
  const verdicts: Array<{ at: string; peer: string; verdict: string; work: number; now: number }> = [];
  let now = 0;
  const run = async (self: string, acts: VdfAction[]): Promise<void> => {
    const n = nodes.get(self)!;
    for (const a of acts) {
      if (a.type === 'send') queue.push([self, a.peerId, a.frame]);
      else if (a.type === 'absorb') n.p.absorb(a.nonce);
      else if (a.type === 'request-window') await run(self, n.m.windowClosed(n.p.closeWindow(), now));
      else if (a.type === 'request-opening') await run(self, n.m.opened(a.peerId, n.p.open(a.window, a.challenge, a.show, cfg.k), now));
      else if (a.type === 'verify-header') {
        const r = await verifyHeader(a.publicKey, a.header, a.prev, a.required);
        await run(self, n.m.proofVerified(a.peerId, r.ok ? { id: a.id, kind: 'header', ok: true, facts: r.facts } : { id: a.id, kind: 'header', ok: false, reason: r.reason }, now));
      } else if (a.type === 'verify-opening') {
        const r = await verifyOpening(a.publicKey, a.header, a.opening, a.challenge, a.show, a.k);
        await run(self, n.m.proofVerified(a.peerId, r.ok ? { id: a.id, kind: 'opening', ok: true } : { id: a.id, kind: 'opening', ok: false, reason: r.reason }, now));
      } else if (a.type === 'verdict') verdicts.push({ at: self, peer: a.peerId, verdict: a.verdict, work: a.work, now });
    }
  };
  return {
    nodes, verdicts, delivered, run,
    get now() { return now; },
    view: (at: string, of: string) => nodes.get(at)!.m.peer(of)!,
    /** `id`'s process restarts: same key, a new chain from genesis (window 0 again) and a new handshake. */
    restart(id: string, seed: number): void {
      nodes.set(id, { m: new VdfHandshake(rng(seed), cfg), p: new VdfProver(Buffer.alloc(32, id === 'a' ? 1 : 2)) });
    },
    async pair(): Promise<void> {
      await run('a', nodes.get('a')!.m.neighbourAdded('b', nodes.get('b')!.p.publicKey, now));
      await run('b', nodes.get('b')!.m.neighbourAdded('a', nodes.get('a')!.p.publicKey, now));
    },
    async ticks(count: number, cut = false): Promise<void> {
      for (let tick = 0; tick < count; tick++) {
        now += 10;
        for (const [, n] of nodes) n.p.advance(2_000);
        for (const [id, n] of nodes) await run(id, n.m.handleTimeout(now));
        while (queue.length > 0) {
          const [from, to, frame] = queue.shift()!;
          if (cut) continue;
          delivered.push([from, to, frame]);
          await run(to, nodes.get(to)!.m.message(from, frame, now));
        }
      }
    },
  };
}

test('two machines with real provers and native verification reach alive and accumulate work', async (t) => {
  const w = realPair();
  await w.pair();
  await w.ticks(100);
  const a = w.view('a', 'b');
  const b = w.view('b', 'a');
  t.is(a.verdict, 'alive');
  t.is(b.verdict, 'alive');
  t.true(a.work > 100_000, `work ${a.work}`);
  t.true(a.work <= a.height);
  t.is(w.nodes.get('a')!.m.counters.proofsInvalid, 0);
  t.true(w.verdicts.length > 10);
});

test('a neighbour whose link was down for several windows is alive again after the link is back (re-anchored, not a gap)', async (t) => {
  // The windows proved while the link was down never reached us, so the first header after it does not chain to
  // the last one we accepted. That is a gap in what we saw, not a fault of the prover: we check it afresh
  // against our nonce and count only the work done after it.
  const w = realPair();
  await w.pair();
  await w.ticks(30);
  t.is(w.view('a', 'b').verdict, 'alive');
  const before = w.view('a', 'b');
  await w.ticks(60, true);
  t.is(w.view('a', 'b').verdict, 'dead', 'silent for 6 windows');
  const downAt = w.now;
  await w.run('a', w.nodes.get('a')!.m.relinked('b', w.now));
  await w.run('b', w.nodes.get('b')!.m.relinked('a', w.now));
  await w.ticks(50);
  const after = w.view('a', 'b');
  t.is(after.verdict, 'alive');
  t.is(w.view('b', 'a').verdict, 'alive');
  t.true(w.verdicts.some((v) => v.at === 'a' && v.verdict === 'alive' && v.now > downAt && v.now <= downAt + 300), 'alive within three windows of the link coming back');
  t.is(w.nodes.get('a')!.m.counters.proofsInvalid, 0, 'the gap is not counted as an invalid proof');
  t.true(w.nodes.get('a')!.m.counters.proofsReanchored >= 1);
  t.true(after.height > before.height);
  // Work is what we verified: the windows we never saw are not in it.
  t.true(after.work < after.height - before.height + before.work, `work ${after.work}`);
  t.true(after.work > before.work);
  t.true(after.work <= after.height - after.fromHeight, 'within the attested range');
});

test('a neighbour that restarted (same key, its chain from window 0 again) is alive again; a replayed old header proves nothing', async (t) => {
  const w = realPair();
  await w.pair();
  await w.ticks(30);
  const old = w.delivered.filter(([from, , f]) => from === 'b' && decodeFrame(f)?.type === 'proof').map(([, , f]) => f);
  t.true(old.length >= 2);
  t.is(w.view('a', 'b').verdict, 'alive');
  const a = w.nodes.get('a')!.m;
  // An old header of b's, replayed to a: signed by b, but without a's latest nonce.
  const verdictsBefore = w.verdicts.length;
  const invalidBefore = a.counters.proofsInvalid;
  await w.run('a', a.message('b', old[0]!.subarray(0), w.now));
  t.is(w.verdicts.length, verdictsBefore, 'no verdict from a replay');
  t.is(a.counters.proofsInvalid, invalidBefore);
  t.true(a.counters.proofsStale >= 1, 'checked afresh, it lacks our nonce');
  // b restarts: its handshake no longer knows a and its chain starts over.
  w.restart('b', 33);
  await w.ticks(10, true);
  const backAt = w.now;
  await w.run('b', w.nodes.get('b')!.m.neighbourAdded('a', w.nodes.get('a')!.p.publicKey, w.now));
  await w.run('a', a.relinked('b', w.now));
  await w.ticks(40);
  const after = w.view('a', 'b');
  t.is(after.verdict, 'alive');
  t.true(w.verdicts.some((v) => v.at === 'a' && v.peer === 'b' && v.verdict === 'alive' && v.now > backAt), 'proved again after the restart');
  // Its work is counted on the new chain: an attestation's steps must lie within [fromHeight, height] (the
  // native signer refuses otherwise, and a real node threw here when the old chain's work was kept).
  t.true(after.work > 0 && after.work <= after.height - after.fromHeight, `work ${after.work} in [${after.fromHeight}, ${after.height}]`);
  t.is(a.counters.proofsInvalid, invalidBefore);
});

test('a proof lacking our nonce (our first challenge was dropped) gets the nonce sent again, once per window', (t) => {
  const m = new VdfHandshake(rng());
  const [first] = of(m.neighbourAdded('b', PK, 0), 'send');
  const firstNonce = (decodeFrame(first!.frame) as { nonce: Uint8Array }).nonce;
  const stale = (now: number) => {
    const [vh] = of(m.message('b', encodeFrame({ type: 'proof', header: new Uint8Array([now & 0xff]) }), now), 'verify-header');
    return m.proofVerified('b', { id: vh!.id, kind: 'header', ok: false, reason: 'nonce-missing' }, now + 1);
  };
  const [again] = of(stale(100), 'send');
  const f = decodeFrame(again!.frame);
  t.like(f, { type: 'challenge', window: null, show: null });
  t.deepEqual((f as { nonce: Uint8Array }).nonce, firstNonce);
  t.is(of(stale(200), 'send').length, 0, 'not twice in one window');
  t.is(m.counters.proofsStale, 2);
  t.is(m.peer('b')?.invalid, 0, 'stale is not invalid');
});

test('a peer we kept checking while its link was down hears our latest nonce again when the link is back', (t) => {
  // It may have dropped us from its own handshake meanwhile, and a prover sends headers only to peers in its
  // handshake: without a frame from us it stayed silent, and we declared it dead.
  const m = new VdfHandshake(rng());
  const [first] = of(m.neighbourAdded('b', PK, 0), 'send');
  const firstNonce = (decodeFrame(first!.frame) as { nonce: Uint8Array }).nonce;
  const [again] = of(m.relinked('b', 500), 'send');
  const f = decodeFrame(again!.frame);
  t.like(f, { type: 'challenge', window: null, show: null });
  t.deepEqual((f as { nonce: Uint8Array }).nonce, firstNonce);
  // After a verified window the nonce to send is the one drawn after it.
  const acts = honestWindow(m, 'b', 1, 600);
  const latest = (decodeFrame(of(acts, 'send')[0]!.frame) as { nonce: Uint8Array }).nonce;
  t.notDeepEqual(latest, firstNonce);
  t.deepEqual((decodeFrame(of(m.relinked('b', 700), 'send')[0]!.frame) as { nonce: Uint8Array }).nonce, latest);
  t.deepEqual(m.relinked('stranger', 800), [], 'nothing to a peer we do not check');
});

/** Sends `peer`'s challenge (window null: a first nonce, or window w: the answer to our header w). */
const challengeFrom = (m: VdfHandshake, peer: string, window: number | null, now: number): VdfAction[] =>
  m.message(peer, encodeFrame({ type: 'challenge', window, nonce: new Uint8Array(16).fill(now & 0xff), show: null }), now);

test('a first nonce closes a window early, at most once per quarter window, after the other neighbours have answered our last header', (t) => {
  const m = new VdfHandshake(rng(), vdfConfig({ windowMs: 1000, graceMs: 500, dutyPeriodMs: 20 }));
  m.neighbourAdded('b', PK, 0);
  m.neighbourAdded('c', PK, 0);
  t.is(of(m.handleTimeout(1000), 'request-window').length, 1);
  t.deepEqual(of(m.windowClosed(new Uint8Array([1]), 1001), 'send').map((s) => s.peerId), ['b', 'c']);
  challengeFrom(m, 'c', 0, 1010);
  m.neighbourAdded('d', PK, 1300);
  // d's first nonce: an early window is wanted at 1345 (two duty periods), but b has not answered header 0 yet.
  t.deepEqual(of(challengeFrom(m, 'd', null, 1305), 'request-window'), []);
  t.is(m.nextTimeout(), 1501, 'waits for b, at most graceMs after our last header');
  t.deepEqual(of(challengeFrom(m, 'b', 0, 1320), 'request-window'), [], 'b answered, but d\'s nonce is not absorbed yet');
  t.is(m.nextTimeout(), 1345);
  t.is(of(m.handleTimeout(1345), 'request-window').length, 1);
  t.is(m.counters.windowsEarly, 1);
  t.deepEqual(of(m.windowClosed(new Uint8Array([2]), 1346), 'send').map((s) => s.peerId), ['b', 'c', 'd']);
  // Another first nonce soon after: the next early window is a quarter window after the last (1345 + 250).
  m.neighbourAdded('e', PK, 1400);
  challengeFrom(m, 'e', null, 1401);
  for (const p of ['b', 'c', 'd']) challengeFrom(m, p, 1, 1402);
  t.is(m.nextTimeout(), 1595);
  t.is(of(m.handleTimeout(1595), 'request-window').length, 1);
  m.windowClosed(new Uint8Array([3]), 1596);
  t.is(m.counters.windowsEarly, 2);
  for (const p of ['b', 'c', 'd', 'e']) challengeFrom(m, p, 2, 1600);
  // One more would fall in the last quarter before the scheduled window (1845 >= 2000 - 250): that one answers.
  m.neighbourAdded('f', PK, 1700);
  challengeFrom(m, 'f', null, 1700);
  t.is(m.nextTimeout(), 2000);
  t.is(of(m.handleTimeout(2000), 'request-window').length, 1);
  m.windowClosed(new Uint8Array([4]), 2001);
  t.is(m.counters.windowsEarly, 2);
  // A first nonce in the last quarter before a scheduled window gets that window.
  for (const p of ['b', 'c', 'd', 'e', 'f']) challengeFrom(m, p, 3, 2010);
  m.neighbourAdded('g', PK, 2800);
  challengeFrom(m, 'g', null, 2800);
  t.deepEqual(of(m.handleTimeout(2999), 'request-window'), []);
  t.is(m.counters.windowsEarly, 2);
  // However often a peer sends first nonces, early windows stay a quarter window apart.
  let at = 3001;
  m.handleTimeout(3000);
  m.windowClosed(new Uint8Array([5]), 3000);
  for (const p of ['b', 'c', 'd', 'e', 'f', 'g']) challengeFrom(m, p, 4, 3000);
  const closes: number[] = [];
  for (; at < 7000; at += 5) {
    challengeFrom(m, 'g', null, at);
    const acts = m.handleTimeout(at);
    if (of(acts, 'request-window').length > 0) {
      closes.push(at);
      m.windowClosed(new Uint8Array([6]), at);
      for (const p of ['b', 'c', 'd', 'e', 'f', 'g']) challengeFrom(m, p, 5, at);
    }
  }
  const early = closes.filter((c) => (c - 1) % 1000 !== 0); // the scheduled ones close at x001 here
  t.true(early.length >= 3, `windows at ${closes.join(', ')}`);
  for (let i = 1; i < early.length; i++) t.true(early[i]! - early[i - 1]! >= 250, `windows at ${closes.join(', ')}`);
  t.true(closes.length <= 4 * 5, `${closes.length} windows in 4 s`);
});

test('a neighbour that never answers our header holds an early window back by graceMs at most; earlyWindows: false turns them off', (t) => {
  const m = new VdfHandshake(rng(), vdfConfig({ windowMs: 1000, graceMs: 300, dutyPeriodMs: 20 }));
  m.neighbourAdded('b', PK, 0);
  m.handleTimeout(1000);
  m.windowClosed(new Uint8Array([1]), 1000);
  m.neighbourAdded('d', PK, 1100);
  challengeFrom(m, 'd', null, 1100);
  t.is(m.nextTimeout(), 1300);
  t.is(of(m.handleTimeout(1300), 'request-window').length, 1);
  const off = new VdfHandshake(rng(), vdfConfig({ windowMs: 1000, graceMs: 300, dutyPeriodMs: 20, earlyWindows: false }));
  off.neighbourAdded('d', PK, 0);
  t.deepEqual(of(challengeFrom(off, 'd', null, 100), 'request-window'), []);
  t.is(off.nextTimeout(), 1000);
  t.throws(() => vdfConfig({ earlyWindows: 'yes' as never }), { code: 'ERR_CONFIG' } as never);
});

test('a header that arrives while the previous one is being checked is held and checked after its opening, not dropped', (t) => {
  const m = new VdfHandshake(rng());
  m.neighbourAdded('b', PK, 0);
  const [vh] = of(m.message('b', encodeFrame({ type: 'proof', header: new Uint8Array([0]) }), 10), 'verify-header');
  t.deepEqual(of(m.message('b', encodeFrame({ type: 'proof', header: new Uint8Array([1]) }), 11), 'verify-header'), []);
  t.is(m.counters.headersHeld, 1);
  m.proofVerified('b', { id: vh!.id, kind: 'header', ok: true, facts: facts(0, 1000) }, 12);
  const [vo] = of(m.message('b', encodeFrame({ type: 'opening', opening: new Uint8Array([9]) }), 13), 'verify-opening');
  const after = m.proofVerified('b', { id: vo!.id, kind: 'opening', ok: true }, 14);
  t.is(of(after, 'verdict')[0]?.verdict, 'alive');
  const [next] = of(after, 'verify-header');
  t.deepEqual(next?.header, new Uint8Array([1]));
  t.deepEqual(next?.prev, new Uint8Array([0]), 'chained to the one just accepted');
  t.is(m.counters.challengesDropped, 0);
});

test('with real provers, neighbours are proved within a few duty periods of pairing instead of a window', async (t) => {
  const firstAlive = async (earlyWindows: boolean): Promise<number> => {
    const w = realPair(vdfConfig({ windowMs: 400, graceMs: 200, earlyWindows }));
    await w.pair();
    await w.ticks(200);
    t.is(w.view('a', 'b').verdict, 'alive');
    t.is(w.nodes.get('a')!.m.counters.proofsInvalid + w.nodes.get('b')!.m.counters.proofsInvalid, 0);
    t.is(w.nodes.get('a')!.m.counters.proofsStale + w.nodes.get('b')!.m.counters.proofsStale, 0);
    // One early window each (for the other's first nonce), none in the steady state after it.
    t.is(w.nodes.get('b')!.m.counters.windowsEarly, earlyWindows ? 1 : 0);
    t.is(w.nodes.get('a')!.m.counters.windowsEarly, earlyWindows ? 1 : 0);
    return Math.max(...['a', 'b'].map((at) => w.verdicts.find((v) => v.at === at && v.verdict === 'alive')!.now));
  };
  const early = await firstAlive(true);
  const late = await firstAlive(false);
  t.true(early <= 60, `early ${early} ms`);
  t.true(late >= 400, `scheduled ${late} ms`);
});

test('a held header that a newer one overtakes is dropped, not checked after it', (t) => {
  const m = new VdfHandshake(rng());
  m.neighbourAdded('b', PK, 0);
  const [vh] = of(m.message('b', encodeFrame({ type: 'proof', header: new Uint8Array([0]) }), 10), 'verify-header');
  m.message('b', encodeFrame({ type: 'proof', header: new Uint8Array([1]) }), 11); // held
  m.proofVerified('b', { id: vh!.id, kind: 'header', ok: true, facts: facts(0, 1000) }, 12);
  // Header 2 comes while header 0's opening is awaited and nothing is being checked: it is checked at once.
  const [v2] = of(m.message('b', encodeFrame({ type: 'proof', header: new Uint8Array([2]) }), 13), 'verify-header');
  t.deepEqual(v2?.header, new Uint8Array([2]));
  m.proofVerified('b', { id: v2!.id, kind: 'header', ok: true, facts: facts(1, 2000) }, 14);
  const [vo] = of(m.message('b', encodeFrame({ type: 'opening', opening: new Uint8Array([9]) }), 15), 'verify-opening');
  const after = m.proofVerified('b', { id: vo!.id, kind: 'opening', ok: true }, 16);
  t.is(of(after, 'verdict')[0]?.verdict, 'alive');
  t.deepEqual(of(after, 'verify-header'), [], 'header 1, older, is not checked after header 2');
});
