/**
 * Signers and verifiers for gossip. The real ones use the node's Ed25519 key
 * (core/identity.ts). The simulation stand-in keeps every byte and every
 * check of the protocol but replaces Ed25519 with a fast keyed checksum, so
 * 10,000 simulated nodes fit in a benchmark run. It is forgeable by design:
 * never use it outside the simulator.
 */
import { createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import type { Identity } from '../../core/identity.js';
import { SIG_BYTES } from './constants.js';
import type { Signer, Verify } from './messages.js';

export function identitySigner(identity: Identity): Signer {
  return { publicKey: identity.publicKey, sign: (b) => identity.sign(b) };
}

/**
 * Ed25519 verification with a small cache of parsed public keys (building a
 * KeyObject costs more than the verify itself). The cache is bounded: when
 * full it is cleared, which only costs re-parsing.
 */
export function ed25519Verifier(maxKeys = 1024): Verify {
  const keys = new Map<string, KeyObject>();
  return (publicKey, bytes, signature) => {
    if (publicKey.length !== 32 || signature.length !== SIG_BYTES) return false;
    const hex = Buffer.from(publicKey).toString('hex');
    let k = keys.get(hex);
    if (k === undefined) {
      try {
        k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
      } catch {
        return false;
      }
      if (keys.size >= maxKeys) keys.clear();
      keys.set(hex, k);
    }
    return edVerify(null, bytes, k, signature);
  };
}

/** FNV-1a over key ‖ bytes, spread to 64 bytes with xorshift: a checksum, not a signature. */
function simTag(key: Uint8Array, bytes: Uint8Array): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ (key[i] as number), 0x01000193);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  const out = new Uint8Array(SIG_BYTES);
  let x = h | 1;
  for (let i = 0; i < SIG_BYTES; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff; out[i + 1] = (x >>> 8) & 0xff; out[i + 2] = (x >>> 16) & 0xff; out[i + 3] = (x >>> 24) & 0xff;
  }
  return out;
}

/** SIMULATION ONLY: a signer whose "signature" is a checksum anyone can compute. */
export function simSigner(publicKey: Uint8Array): Signer {
  return { publicKey, sign: (b) => simTag(publicKey, b) };
}

/** SIMULATION ONLY: checks `simSigner` tags (catches corruption and wrong keys, not forgery). */
export const simVerify: Verify = (publicKey, bytes, signature) => {
  if (publicKey.length !== 32 || signature.length !== SIG_BYTES) return false;
  const t = simTag(publicKey, bytes);
  for (let i = 0; i < SIG_BYTES; i++) if (t[i] !== signature[i]) return false;
  return true;
};
