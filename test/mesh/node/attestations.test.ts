import test from 'ava';
import { Attestations } from '../../../ts/mesh/node/attestations.js';
import { StandinKeys, standinCrypto } from '../../../ts/sim/mesh/standin-crypto.js';
import { Rng } from '../../../ts/sim/rng.js';

const keys = new StandinKeys();
const rng = new Rng(3);

test('work that is not steps within a height range of one chain is not kept, so it is never sent to the signer', (t) => {
  const me = standinCrypto(keys, keys.create(rng));
  const peer = standinCrypto(keys, keys.create(rng));
  const a = new Attestations(me);
  const end = new Uint8Array(32);
  const keyOf = () => peer.publicKey;
  // A prover that restarted from genesis, with the old chain's work kept: more steps than the range holds.
  t.false(a.verified(peer.peerId, { steps: 5000, fromHeight: 9000, toHeight: 1200, end }));
  t.false(a.verified(peer.peerId, { steps: 5000, fromHeight: 0, toHeight: 1200, end }));
  t.deepEqual(a.toSend([peer.peerId], keyOf), []);
  t.true(a.verified(peer.peerId, { steps: 1000, fromHeight: 200, toHeight: 1200, end }));
  t.is(a.toSend([peer.peerId], keyOf).length, 1);
});
