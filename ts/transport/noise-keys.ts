/**
 * The node's Ed25519 identity as a Noise static key pair for noise-curve-ed,
 * which wants libsodium's 64-byte secret key (seed || public key).
 */
import type { KeyObject } from 'node:crypto';
import curve from 'noise-curve-ed';
import type { NoiseKeyPair } from 'noise-handshake';
import { LagoonError } from '../core/errors.js';

export { curve };

/** What the link layer needs of an identity (a subset of core's Identity). */
export interface LinkIdentity {
  readonly peerId: string;
  readonly publicKey: Buffer;
  readonly privateKey: KeyObject;
}

const cache = new WeakMap<KeyObject, NoiseKeyPair>();

export function noiseKeyPair(identity: LinkIdentity): NoiseKeyPair {
  const cached = cache.get(identity.privateKey);
  if (cached !== undefined) return cached;
  if (identity.privateKey.asymmetricKeyType !== 'ed25519') {
    throw LagoonError.invalidArgument(`link identity must be an Ed25519 key, got ${identity.privateKey.asymmetricKeyType}`);
  }
  const jwk = identity.privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw LagoonError.invalidArgument('link identity has no private part');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pair = curve.generateKeyPair(seed);
  seed.fill(0);
  if (!pair.publicKey.equals(identity.publicKey)) {
    throw LagoonError.invalidArgument('link identity: public key does not match the private key');
  }
  cache.set(identity.privateKey, pair);
  return pair;
}
