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
