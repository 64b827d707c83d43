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
const only = (sends: { to: string; msg: LivenessMsg }[], k: LivenessMsg['k']) => sends.filter((s) => s.msg.k === k).map((s) => s.msg);

test('a new neighbour gets a nonce at once and is proved at the prover\'s next window, not the verifier\'s', (t) => {
  const { v, p } = pair();
  const [challenge] = only(v.add('p').send, 'challenge');
  t.truthy(challenge, 'the nonce goes out when the neighbour is added');
  t.deepEqual(p.handle('v', challenge!).send, [], 'the prover answers at its window');
  p.add('v');
  const [proof] = only(p.window().send.filter((s) => s.to === 'v'), 'proof');
  const r = v.handle('p', proof!);
  t.deepEqual(r.verdicts.map((x) => x.alive), [true]);
  const [following] = only(r.send, 'challenge');
  t.not((following as { nonce: number }).nonce, (challenge as { nonce: number }).nonce, 'the next proof needs a nonce drawn after this one');
  // The same proof again proves nothing: it lacks the new nonce. Our nonce goes again, once per window.
  const again = v.handle('p', proof!);
  t.deepEqual(again.verdicts, []);
  t.is(v.counters.stale, 1);
  t.is(only(again.send, 'challenge').length, 1);
  t.is(only(v.handle('p', proof!).send, 'challenge').length, 0, 'not twice in one window');
  t.is(v.counters.invalid, 0, 'stale is not invalid');
});

test('adversaries never prove; a neighbour silent for three judged windows is dead; a relink sends the nonce again', (t) => {
  for (const behaviour of ['forge', 'replay', 'precompute', 'silent'] as const) {
    const { v, p } = pair(behaviour);
    p.handle('v', only(v.add('p').send, 'challenge')[0]!);
    p.add('v');
    let alive = 0;
    let dead = 0;
    for (let i = 0; i < 5; i++) {
      for (const s of p.window().send) if (s.to === 'v') for (const x of v.handle('p', s.msg).verdicts) if (x.alive) alive++;
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
  t.deepEqual(r.verdicts.map((x) => x.alive), [true], 'proved 45 ms after its nonce, not at the prover\'s window (1,000 ms)');
  t.is(p.counters.early, 1);
  // v answered with its next nonce; a second verifier's first nonce gets the next early proof, a quarter window on.
  p.handle('v', r.send[0]!.msg, 150);
  p.add('u');
  p.handle('u', u.add('p').send[0]!.msg, 160);
  t.is(p.nextTimeout(), 390);
  const second = p.handleTimeout(390).send;
  t.deepEqual(second.map((s) => s.to).sort(), ['u', 'v']);
  t.deepEqual(v.handle('p', second.find((s) => s.to === 'v')!.msg, 395).verdicts.map((x) => x.alive), [true], 'the early proof did not make v\'s nonce stale');
  t.is(p.counters.early, 2);
  // A first nonce in the last quarter before the scheduled window waits for it.
  p.handle('v', v.relinked('p').send[0]!.msg, 800);
  t.is(p.nextTimeout(), 1000);
});
