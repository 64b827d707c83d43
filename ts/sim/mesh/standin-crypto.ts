/**
 * Cheap stand-ins for Ed25519 and VDF attestations, for simulations of
 * thousands of nodes (docs/sim.md). Each node holds a secret; a "signature"
 * is a keyed SHA-256 tag that only the registry (standing in for the maths of
 * public-key verification) can check. A node's machine only ever gets its own
 * signer, so an adversarial node can no more forge another's record,
 * tombstone or attestation than it could with real keys.
 */
import { createHash } from 'node:crypto';
import type { CheckedAttestation, MeshCrypto, VerifiedWork } from '../../mesh/node/crypto.js';
import type { Rng } from '../rng.js';

export class StandinKeys {
  readonly #secrets = new Map<string, Uint8Array>();

  /** A fresh key pair: `publicKey` 32 bytes, peerId derived from it. */
  create(rng: Rng): { peerId: string; publicKey: Uint8Array; secret: Uint8Array } {
    const publicKey = new Uint8Array(32);
    const secret = new Uint8Array(32);
    for (let i = 0; i < 32; i++) { publicKey[i] = rng.int(256); secret[i] = rng.int(256); }
    const peerId = standinPeerId(publicKey);
    this.#secrets.set(peerId, secret);
    return { peerId, publicKey, secret };
  }

  /**
   * Checks are memoised by (origin, signature, bytes digest-free length): every
   * node of a simulation checks the same record, and a real node would check
   * it once too. The cache only ever answers for a tag it computed.
   */
  check(origin: string, publicKey: Uint8Array, bytes: Uint8Array, sig: Uint8Array): boolean {
    const secret = this.#secrets.get(origin);
    if (secret === undefined || sig.length !== 16 || standinPeerId(publicKey) !== origin) return false;
    const key = `${origin}|${Buffer.from(sig).toString('latin1')}|${bytes.length}`;
    const known = this.#checked.get(key);
    if (known !== undefined && Buffer.compare(known, bytes) === 0) return true;
    const ok = Buffer.compare(tag(secret, bytes), sig) === 0;
    if (ok) {
      if (this.#checked.size >= 200_000) this.#checked.clear();
      this.#checked.set(key, Buffer.from(bytes));
    }
    return ok;
  }

  readonly #checked = new Map<string, Buffer>();
}

export function standinPeerId(publicKey: Uint8Array): string {
  return `sim/${Buffer.from(publicKey.subarray(0, 10)).toString('hex')}`;
}

function tag(secret: Uint8Array, bytes: Uint8Array): Buffer {
  return createHash('sha256').update(secret).update(bytes).digest().subarray(0, 16);
}

export function standinCrypto(keys: StandinKeys, me: { peerId: string; publicKey: Uint8Array; secret: Uint8Array }): MeshCrypto {
  const sign = (bytes: Uint8Array): Uint8Array => new Uint8Array(tag(me.secret, bytes));
  return {
    peerId: me.peerId,
    publicKey: me.publicKey,
    sign,
    verify: (origin, pk, bytes, sig) => keys.check(origin, pk, bytes, sig),
    attest(subjectPk: Uint8Array, w: VerifiedWork): Uint8Array {
      const body = Buffer.from(JSON.stringify({ a: me.peerId, apk: Buffer.from(me.publicKey).toString('hex'), s: standinPeerId(subjectPk), n: w.steps }));
      return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body, sign(body)]);
    },
    checkAttestation(bytes: Uint8Array): CheckedAttestation | undefined {
      if (bytes.length < 2) return undefined;
      const n = (bytes[0]! << 8) | bytes[1]!;
      const body = bytes.subarray(2, 2 + n);
      try {
        const j = JSON.parse(Buffer.from(body).toString('utf8')) as { a: string; apk: string; s: string; n: number };
        if (!keys.check(j.a, Buffer.from(j.apk, 'hex'), body, bytes.subarray(2 + n))) return undefined;
        return { attester: j.a, subject: j.s, steps: j.n };
      } catch {
        return undefined;
      }
    },
  };
}
