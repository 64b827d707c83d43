/** Shared fixtures for the HELLO tests: a seeded RNG, sample HELLOs, nodes. */
import { ephemeralIdentity, type Identity } from '../../../ts/core/identity.js';
import { HELLO_VERSION, CAPABILITY } from '../../../ts/mesh/hello/constants.js';
import { createHelloNode, type HelloNode, type LocalHello } from '../../../ts/mesh/hello/machine.js';
import type { Hello } from '../../../ts/mesh/hello/messages.js';
import { rng, SEED } from '../../helpers/seeded.js';

export { SEED, rng } from '../../helpers/seeded.js';

export function seededBytes(seed: number): (n: number) => Uint8Array {
  const r = rng(seed);
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

export function fullHello(id: Identity, over: Partial<Hello> = {}): Hello {
  return {
    protocolVersion: HELLO_VERSION,
    peerId: id.peerId,
    publicKey: id.publicKey,
    nodeName: 'lagoon-fra-1 ✓',
    siteName: 'per.example',
    spiralSlot: 7,
    vdf: { height: 123456, verifiedWork: (1n << 64n) - 1n },
    yggAddr: '200:1234:5678::1',
    yggPeerUri: 'tcp://[200:1234:5678::1]:9443',
    capabilities: (CAPABILITY.irc | CAPABILITY.vdf | 0x80000000) >>> 0,
    timestampMs: 1_795_000_000_000,
    nonce: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
    extensions: [{ tag: 3, value: Uint8Array.of(1, 2, 3) }, { tag: 200, value: new Uint8Array(0) }],
    ...over,
  };
}

export function minimalHello(id: Identity, over: Partial<Hello> = {}): Hello {
  return fullHello(id, { nodeName: '', siteName: '', spiralSlot: null, vdf: null, yggAddr: null, yggPeerUri: null, capabilities: 0, extensions: [], ...over });
}

export const LOCAL: LocalHello = {
  nodeName: 'n', siteName: 'per.example', spiralSlot: null, vdf: null, yggAddr: null, yggPeerUri: null, capabilities: CAPABILITY.irc,
};

export function node(id: Identity = ephemeralIdentity(), seed = SEED, config = {}): HelloNode {
  return createHelloNode({ peerId: id.peerId, publicKey: id.publicKey, randomBytes: seededBytes(seed), config });
}
