/** The VDF driver's own guards (the handshake itself is handshake.test.ts). */
import test from 'ava';
import { ephemeralIdentity } from '../../ts/core/identity.js';
import { silentLogger } from '../../ts/core/logger.js';
import { vdfConfig } from '../../ts/mesh/vdf/constants.js';
import { VdfDriver } from '../../ts/mesh/vdf/driver.js';

test('peers past maxNeighbours are left unchecked, not thrown on, unless one may make room', (t) => {
  // Linked peers that send VDF frames are checked as well as neighbours, and how many link is up to them: the
  // handshake throws past maxNeighbours, which from a frame handler would have ended the process.
  const sent: string[] = [];
  const d = new VdfDriver(ephemeralIdentity(), vdfConfig({ maxNeighbours: 2 }), { send: (p) => { sent.push(p); }, verdict: () => undefined }, silentLogger());
  try {
    const peers = [ephemeralIdentity(), ephemeralIdentity(), ephemeralIdentity()];
    for (const p of peers) t.notThrows(() => d.neighbourAdded(p.peerId, p.publicKey));
    t.deepEqual(d.machine.neighbours(), [peers[0]!.peerId, peers[1]!.peerId]);
    t.deepEqual(sent, [peers[0]!.peerId, peers[1]!.peerId], 'the first two are challenged; the third is not');
    d.neighbourRemoved(peers[0]!.peerId);
    d.neighbourAdded(peers[2]!.peerId, peers[2]!.publicKey);
    t.true(d.machine.neighbours().includes(peers[2]!.peerId), 'room again once one is removed');
    // Full again: a neighbour displaces a peer checked for other reasons, and only such a peer.
    const neighbour = ephemeralIdentity();
    d.neighbourAdded(neighbour.peerId, neighbour.publicKey, () => false);
    t.false(d.machine.neighbours().includes(neighbour.peerId), 'nothing evictable: left unchecked');
    d.neighbourAdded(neighbour.peerId, neighbour.publicKey, (p) => p === peers[2]!.peerId);
    t.deepEqual(d.machine.neighbours().sort(), [peers[1]!.peerId, neighbour.peerId].sort());
  } finally {
    d.close();
  }
});
