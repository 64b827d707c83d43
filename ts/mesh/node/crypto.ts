/**
 * What the mesh node machine needs from cryptography, injected so the
 * simulator can swap Ed25519 and VDF attestations for cheap stand-ins at large
 * N (docs/sim.md) while the real node and one CI scenario use the real ones.
 */
import { sign as edSign } from 'node:crypto';
import { peerIdFromPublicKey, verifySignature, type Identity } from '../../core/identity.js';
import { seedOf, signAttestation, verifyAttestation } from '../vdf/engine.js';

/** What a neighbour verified of a subject's VDF work (from the VDF handshake's PeerView). */
export interface VerifiedWork {
  readonly steps: number;
  readonly fromHeight: number;
  readonly toHeight: number;
  readonly end: Uint8Array;
}

export interface CheckedAttestation {
  readonly attester: string;
  readonly subject: string;
  readonly steps: number;
}

export interface MeshCrypto {
  readonly peerId: string;
  readonly publicKey: Uint8Array;
  sign(bytes: Uint8Array): Uint8Array;
  /** True iff `publicKey` hashes to `origin` and `signature` is its signature over `bytes`. */
  verify(origin: string, publicKey: Uint8Array, bytes: Uint8Array, signature: Uint8Array): boolean;
  /** Sign "I verified `work` of `subject`". */
  attest(subjectPublicKey: Uint8Array, work: VerifiedWork): Uint8Array;
  /** The attestation's facts if its signature holds, else undefined. */
  checkAttestation(bytes: Uint8Array): CheckedAttestation | undefined;
}

/** The real thing: Ed25519 node keys, native VDF attestations. */
export function ed25519Crypto(identity: Identity): MeshCrypto {
  const seed = seedOf(identity.privateKey);
  const idCache = new Map<string, string>();
  const idOf = (pk: Uint8Array): string => {
    const k = Buffer.from(pk).toString('hex');
    let id = idCache.get(k);
    if (id === undefined) {
      id = peerIdFromPublicKey(pk);
      if (idCache.size >= 4096) idCache.clear();
      idCache.set(k, id);
    }
    return id;
  };
  return {
    peerId: identity.peerId,
    publicKey: identity.publicKey,
    sign: (bytes) => new Uint8Array(edSign(null, bytes, identity.privateKey)),
    verify: (origin, pk, bytes, sig) => pk.length === 32 && sig.length === 64 && idOf(pk) === origin && verifySignature(pk, bytes, sig),
    attest: (subjectPk, w) => signAttestation(seed, {
      subject: Buffer.from(subjectPk), fromHeight: w.fromHeight, toHeight: w.toHeight, steps: w.steps, end: Buffer.from(w.end),
    }),
    checkAttestation: (bytes) => {
      const r = verifyAttestation(bytes);
      if (!r.ok) return undefined;
      return { attester: idOf(r.attestation.attester), subject: idOf(r.attestation.subject), steps: r.attestation.steps };
    },
  };
}
