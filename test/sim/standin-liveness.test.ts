/** The simulator's stand-in for the VDF handshake: the real handshake's shape and timing, with a keyed tag for the chain. */
import test from 'ava';
import { StandinLiveness, type LivenessMsg, type ProverBehaviour } from '../../ts/sim/mesh/standin-liveness.js';

const secrets = new Map([['v', new Uint8Array([1])], ['p', new Uint8Array([2])]]);
let next = 100;
const pair = (behaviour: ProverBehaviour = 'honest') => {
  const v = new StandinLiveness('v', secrets.get('v')!, (id) => secrets.get(id), () => next++);
  const p = new StandinLiveness('p', secrets.get('p')!, (id) => secrets.get(id), () => next++, behaviour);
  return { v, p };
};
const only = <K extends LivenessMsg['k']>(sends: { to: string; msg: LivenessMsg }[], k: K) =>
  sends.filter((s) => s.msg.k === k).map((s) => s.msg as Extract<LivenessMsg, { k: K }>);
/** Deliver `msgs` (from `from` to `to`) and every answer they draw, back and forth, until quiet: the alive verdicts each side reached. */
const settle = (nodes: Record<string, StandinLiveness>, from: string, to: string, msgs: LivenessMsg[]): Record<string, number> => {
  const alive: Record<string, number> = {};
  let queue = msgs.map((m) => ({ from, to, m }));
  for (let i = 0; i < 10 && queue.length > 0; i++) {
    const next: typeof queue = [];
    for (const q of queue) {
      const r = nodes[q.to]!.handle(q.from, q.m);
      for (const x of r.verdicts) if (x.alive) alive[q.to] = (alive[q.to] ?? 0) + 1;
      for (const s of r.send) next.push({ from: q.to, to: s.to, m: s.msg });
    }
    queue = next;
  }
  return alive;
};

test('a new neighbour gets a nonce at once and is proved at the prover\'s next window, not the verifier\'s', (t) => {
  const { v, p } = pair();
  const [challenge] = only(v.add('p').send, 'challenge');
  t.truthy(challenge, 'the nonce goes out when the neighbour is added');
  t.deepEqual(p.handle('v', challenge!).send, [], 'the prover answers at its window');
  p.add('v');
  const [proof] = only(p.window().send.filter((s) => s.to === 'v'), 'proof');
  const r = v.handle('p', proof!);
  t.deepEqual(r.verdicts, [], 'a proof alone proves nothing yet: its opening does, a round trip later');
  const [following] = only(r.send, 'challenge');
  t.not(following!.nonce, challenge!.nonce, 'the next proof needs a nonce drawn after this one');
  t.is(following!.open, proof!.window, 'the same nonce asks for the opening');
  const [opening] = only(p.handle('v', following!).send, 'opening');
  t.deepEqual(v.handle('p', opening!).verdicts.map((x) => x.alive), [true]);
  t.deepEqual(v.handle('p', opening!).verdicts, [], 'an opening counts once');
  // The same proof again proves nothing: it lacks the new nonce. Our nonce goes again, once per window.
  const again = v.handle('p', proof!);
  t.deepEqual(again.verdicts, []);
  t.is(v.counters.stale, 1);
  t.is(only(again.send, 'challenge').length, 1);
  t.is(only(v.handle('p', proof!).send, 'challenge').length, 0, 'not twice in one window');
  t.is(v.counters.invalid, 0, 'stale is not invalid');
});

test('an opening bound to another nonce than the one that asked for it proves nothing', (t) => {
  const { v, p } = pair();
  p.handle('v', only(v.add('p').send, 'challenge')[0]!);
  p.add('v');
  const [ask] = only(v.handle('p', only(p.window().send, 'proof')[0]!).send, 'challenge');
  // What a prover could make before the ask: an opening for some other nonce.
  const [early] = only(p.handle('v', { ...ask!, nonce: ask!.nonce + 1 }).send, 'opening');
  t.deepEqual(v.handle('p', early!).verdicts, []);
  t.is(v.counters.invalid, 1);
});

test('adversaries never prove; a neighbour silent for three judged windows is dead; a relink sends the nonce again', (t) => {
  for (const behaviour of ['forge', 'replay', 'precompute', 'silent'] as const) {
    const { v, p } = pair(behaviour);
    p.handle('v', only(v.add('p').send, 'challenge')[0]!);
    p.add('v');
    let alive = 0;
    let dead = 0;
    for (let i = 0; i < 5; i++) {
      alive += settle({ v, p }, 'p', 'v', p.window().send.filter((s) => s.to === 'v').map((s) => s.msg))['v'] ?? 0;
      for (const x of v.window().verdicts) if (!x.alive) dead++;
      for (const s of v.relinked('p').send) p.handle('v', s.msg);
    }
    // The replaying prover answers its first nonce honestly, as on a real new link, and then only replays it.
    t.is(alive, behaviour === 'replay' ? 1 : 0, behaviour);
    t.is(dead, 1, `${behaviour}: dead once`);
  }
  const { v } = pair();
  t.deepEqual(v.relinked('p').send, [], 'nothing to a peer we do not watch');
});

test("a relink spares the next window, as a first nonce does, once per opened proof", (t) => {
  // The real handshake's relinked: a process restarted just inside the deadline came back to windows it missed
  // while down, and was dead at the next one before it could prove (the restart scenario, LAGOON_SEED=302).
  const deadAt = (relinks: number[], proofs: number[] = []): number[] => {
    const { v, p } = pair();
    p.handle('v', only(v.add('p').send, 'challenge')[0]!);
    p.add('v');
    const dead: number[] = [];
    for (let i = 0; i < 12; i++) {
      if (i === 0 || proofs.includes(i)) settle({ v, p }, 'p', 'v', p.window().send.filter((s) => s.to === 'v').map((s) => s.msg));
      if (relinks.includes(i)) for (const s of v.relinked('p').send) p.handle('v', s.msg);
      for (const x of v.window().verdicts) if (!x.alive) dead.push(i);
    }
    return dead;
  };
  t.deepEqual(deadAt([]), [3], 'proved in window 0, then silent: dead at the third judged window');
  t.deepEqual(deadAt([2]), [4], 'relinked before window 2: window 2 is not judged');
  t.deepEqual(deadAt([2, 3]), [4], 'once: a second relink without a proof spares nothing');
  t.deepEqual(deadAt([2, 6], [4]), [8], 'an opened proof between relinks earns the next relink its window again');
});

test('a peer judged dead and added again (it became a neighbour) is judged again from scratch', (t) => {
  // Judged dead while it was no neighbour (the mesh ignores that verdict), it was never judged again, and a forger
  // taken back as a neighbour once its penalty lapsed was never pruned.
  const { v } = pair('silent');
  t.is(only(v.add('p').send, 'challenge').length, 1);
  let dead = 0;
  for (let i = 0; i < 5; i++) for (const x of v.window().verdicts) if (!x.alive) dead++;
  t.is(dead, 1);
  t.is(only(v.add('p').send, 'challenge').length, 1, 'a fresh nonce');
  for (let i = 0; i < 5; i++) for (const x of v.window().verdicts) if (!x.alive) dead++;
  t.is(dead, 2, 'dead again');
  t.deepEqual(v.add('p').send.length, 1);
  t.deepEqual(v.add('p').send, [], 'a peer being judged is left as it is');
});

test('with the real schedule, a first nonce is proved early (2 duty periods later), at most once per quarter window, as the real prover does', (t) => {
  const timing = { windowMs: 1000, graceMs: 500, delayMs: 40, early: true };
  const mk = (id: string) => new StandinLiveness(id, new Uint8Array([id.charCodeAt(0)]), (x) => new Uint8Array([x.charCodeAt(0)]), () => next++, 'honest', 3, timing);
  const p = mk('p');
  const v = mk('v');
  const u = mk('u');
  p.start(0);
  const [ch] = v.add('p').send;
  p.add('v');
  t.deepEqual(p.handle('v', ch!.msg, 100).send, []);
  t.is(p.nextTimeout(), 140);
  const early = p.handleTimeout(140).send.filter((s) => s.to === 'v');
  t.is(early.length, 1);
  const r = v.handle('p', early[0]!.msg, 145);
  // v answers with its next nonce, which asks for the opening.
  const [opening] = only(p.handle('v', r.send[0]!.msg, 150).send, 'opening');
  t.deepEqual(v.handle('p', opening!, 155).verdicts.map((x) => x.alive), [true], 'proved 55 ms after its nonce (proof and opening), not at the prover\'s window (1,000 ms)');
  t.is(p.counters.early, 1);
  // A second verifier's first nonce gets the next early proof, a quarter window on.
  p.add('u');
  p.handle('u', u.add('p').send[0]!.msg, 160);
  t.is(p.nextTimeout(), 390);
  const second = p.handleTimeout(390).send;
  t.deepEqual(second.map((s) => s.to).sort(), ['u', 'v']);
  t.deepEqual(settle({ v, p }, 'p', 'v', [second.find((s) => s.to === 'v')!.msg]), { v: 1 }, 'the early proof did not make v\'s nonce stale');
  t.is(p.counters.early, 2);
  // A first nonce in the last quarter before the scheduled window waits for it.
  p.handle('v', v.relinked('p').send[0]!.msg, 800);
  t.is(p.nextTimeout(), 1000);
});
