/**
 * Wire frames of the VDF handshake (inside an authenticated link). Every
 * frame starts with a type byte; every length is checked. See docs/vdf.md.
 *
 *   CHALLENGE 0x01 | u8 flags (1 = window present, 2 = show present) | [u64 window] | [16] nonce | [16 show]
 *   PROOF     0x02 | window header bytes (crates/lagoon-vdf/README.md)
 *   OPENING   0x03 | opening bytes
 */
import { NONCE_LEN, VDF_LIMITS } from './constants.js';

export const FRAME_CHALLENGE = 0x01;
export const FRAME_PROOF = 0x02;
export const FRAME_OPENING = 0x03;
/** Largest header: 124 fixed + 64 nonces × 20 + 64 signature. */
export const MAX_PROOF_BYTES = 124 + VDF_LIMITS.maxNonces * 20 + 64;
/** Largest opening: 59 fixed + 9 segments × (69 + 16 × 32). */
export const MAX_OPENING_BYTES = 59 + VDF_LIMITS.maxOpened * (69 + VDF_LIMITS.maxPath * 32);

export interface ChallengeFrame {
  type: 'challenge';
  /** The window this challenge asks to open, or null for a first challenge. */
  window: number | null;
  /** Fresh nonce: absorbed into the chain and, with `window`, the opening challenge. */
  nonce: Uint8Array;
  /** The verifier's previous nonce, whose segment must be opened too. */
  show: Uint8Array | null;
}
export interface ProofFrame { type: 'proof'; header: Uint8Array }
export interface OpeningFrame { type: 'opening'; opening: Uint8Array }
export type VdfFrame = ChallengeFrame | ProofFrame | OpeningFrame;

export function encodeFrame(f: VdfFrame): Uint8Array {
  switch (f.type) {
    case 'challenge': {
      const flags = (f.window !== null ? 1 : 0) | (f.show !== null ? 2 : 0);
      const out = Buffer.alloc(2 + (f.window !== null ? 8 : 0) + NONCE_LEN + (f.show !== null ? NONCE_LEN : 0));
      out[0] = FRAME_CHALLENGE;
      out[1] = flags;
      let at = 2;
      if (f.window !== null) at = out.writeBigUInt64LE(BigInt(f.window), at);
      out.set(f.nonce, at);
      at += NONCE_LEN;
      if (f.show !== null) out.set(f.show, at);
      return out;
    }
    case 'proof':
      return Buffer.concat([Buffer.of(FRAME_PROOF), f.header]);
    case 'opening':
      return Buffer.concat([Buffer.of(FRAME_OPENING), f.opening]);
  }
}

/** Decodes a frame, or returns null when it is malformed (the caller counts it). */
export function decodeFrame(bytes: Uint8Array): VdfFrame | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 1) return null;
  const body = b.subarray(1);
  switch (b[0]) {
    case FRAME_CHALLENGE: {
      const flags = body[0];
      if (flags === undefined || (flags & ~3) !== 0) return null;
      const hasWindow = (flags & 1) !== 0;
      const hasShow = (flags & 2) !== 0;
      if (body.length !== 1 + (hasWindow ? 8 : 0) + NONCE_LEN + (hasShow ? NONCE_LEN : 0)) return null;
      let at = 1;
      let window: number | null = null;
      if (hasWindow) {
        const w = body.readBigUInt64LE(at);
        if (w > BigInt(Number.MAX_SAFE_INTEGER)) return null;
        window = Number(w);
        at += 8;
      }
      const nonce = Uint8Array.from(body.subarray(at, at + NONCE_LEN));
      at += NONCE_LEN;
      const show = hasShow ? Uint8Array.from(body.subarray(at, at + NONCE_LEN)) : null;
      return { type: 'challenge', window, nonce, show };
    }
    case FRAME_PROOF:
      return body.length > 0 && body.length <= MAX_PROOF_BYTES ? { type: 'proof', header: Uint8Array.from(body) } : null;
    case FRAME_OPENING:
      return body.length > 0 && body.length <= MAX_OPENING_BYTES ? { type: 'opening', opening: Uint8Array.from(body) } : null;
    default:
      return null;
  }
}
