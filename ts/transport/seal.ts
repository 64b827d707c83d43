/**
 * Encryption of link frames with the Noise transport cipher states.
 *
 * A Noise message is at most 65535 bytes, so a frame of plaintext P is sealed
 * as consecutive Noise messages over chunks of ≤ 65519 bytes, each with the
 * associated data `[1]` if it is the frame's last chunk and `[0]` otherwise.
 * Sealed size is a pure function of the plaintext size, so the receiver can cut
 * a sealed frame back into messages; the last-chunk flag (authenticated) stops
 * a node in the middle from splitting or merging frames, and the per-direction
 * nonces (kept by the library) stop reordering, dropping and replay.
 */
import CipherState from 'noise-handshake/cipher.js';
import { NOISE_MAX_MESSAGE_BYTES, NOISE_MAX_NONCE, NOISE_MAX_PLAINTEXT_BYTES, NOISE_TAG_BYTES } from './constants.js';

const AD_MORE = Buffer.from([0]);
const AD_LAST = Buffer.from([1]);

/** Sealed size of a plaintext of `n` bytes (n ≥ 1). */
export function sealedSize(n: number): number {
  const full = Math.floor(n / NOISE_MAX_PLAINTEXT_BYTES);
  const rem = n % NOISE_MAX_PLAINTEXT_BYTES;
  return full * NOISE_MAX_MESSAGE_BYTES + (rem > 0 ? rem + NOISE_TAG_BYTES : 0);
}

/** Plaintext size of a sealed frame of `n` bytes, or -1 if no plaintext seals to that size. */
export function openedSize(n: number): number {
  const full = Math.floor(n / NOISE_MAX_MESSAGE_BYTES);
  const rem = n % NOISE_MAX_MESSAGE_BYTES;
  if (rem > 0 && rem <= NOISE_TAG_BYTES) return -1;
  const size = full * NOISE_MAX_PLAINTEXT_BYTES + (rem > 0 ? rem - NOISE_TAG_BYTES : 0);
  return size > 0 ? size : -1;
}

export class NonceExhausted extends Error {}

function chunks(n: number): number {
  return Math.ceil(n / NOISE_MAX_PLAINTEXT_BYTES);
}

/** One direction's cipher. Any exception from `open` means the frame is forged or corrupt. */
export class FrameSealer {
  private readonly cipher: CipherState;
  constructor(key: Buffer) {
    this.cipher = new CipherState(key);
  }

  /** Encrypt `plaintext` (already including the frame-type byte). */
  seal(plaintext: Buffer): Buffer {
    const n = chunks(plaintext.length);
    if (this.cipher.nonce + n > NOISE_MAX_NONCE) throw new NonceExhausted('send nonce exhausted');
    if (n === 1) return this.cipher.encrypt(plaintext, AD_LAST);
    const out = Buffer.allocUnsafe(sealedSize(plaintext.length));
    let o = 0;
    for (let i = 0; i < n; i++) {
      const part = plaintext.subarray(i * NOISE_MAX_PLAINTEXT_BYTES, (i + 1) * NOISE_MAX_PLAINTEXT_BYTES);
      const c = this.cipher.encrypt(part, i === n - 1 ? AD_LAST : AD_MORE);
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  /** Decrypt a sealed frame; throws on any authentication failure or impossible size. */
  open(sealed: Buffer): Buffer {
    const size = openedSize(sealed.length);
    if (size < 0) throw new Error(`sealed frame of ${sealed.length} bytes has no valid plaintext size`);
    const n = chunks(size);
    if (this.cipher.nonce + n > NOISE_MAX_NONCE) throw new NonceExhausted('receive nonce exhausted');
    if (n === 1) return this.cipher.decrypt(sealed, AD_LAST);
    const out = Buffer.allocUnsafe(size);
    let o = 0;
    for (let i = 0; i < n; i++) {
      const part = sealed.subarray(i * NOISE_MAX_MESSAGE_BYTES, (i + 1) * NOISE_MAX_MESSAGE_BYTES);
      const p = this.cipher.decrypt(part, i === n - 1 ? AD_LAST : AD_MORE);
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** Wipe the key. */
  destroy(): void {
    if (this.cipher.hasKey) this.cipher._clear();
  }
}
