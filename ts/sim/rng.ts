/**
 * Seedable PRNG for the simulator. Nothing in `ts/sim/` may call `Math.random`;
 * every random choice flows from one seed through an `Rng` or a fork of it.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic, 128-bit state).
 * Chosen because it passes PractRand and BigCrush, needs only 32-bit adds,
 * shifts and xors (which V8 keeps in int32 registers, unlike 64-bit xoshiro
 * variants that need BigInt or split words), and has a 2^32 minimum cycle
 * thanks to its counter word. Not cryptographic; never use it for keys.
 *
 * The state is seeded by splitmix32 from a 53-bit integer seed, and `fork(label)`
 * derives a child from the *initial* key plus a hash of the label, so adding or
 * removing a fork never shifts the parent's stream or any sibling's.
 */
import { LagoonError } from '../core/errors.js';

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

type Key = readonly [number, number, number, number];

export class Rng {
  /** The key this stream was created from; forks derive from it, not from the current state. */
  #key: Key;
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;

  /** `seed`: a non-negative integer below 2^53 (e.g. from `LAGOON_SEED`). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw LagoonError.invalidArgument(`rng seed must be a non-negative safe integer, got ${seed}`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    this.#key = expandKey(lo, hi ^ 0x9e3779b9);
    this.#install(this.#key);
  }

  #install(key: Key): void {
    this.#key = key;
    [this.#a, this.#b, this.#c, this.#d] = key;
    for (let i = 0; i < 12; i++) this.next(); // let the counter word spread through the state
  }

  /** Next 32-bit unsigned integer, uniform in [0, 2^32). */
  next(): number {
    const a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). `n` in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw LagoonError.invalidArgument(`rng.int(n) needs an integer in [1, 2^32], got ${n}`);
    }
    // Reject the top sliver of [0, 2^32) that would make low values more likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.next();
      if (x < limit) return x % n;
    }
  }

  /** Uniform float in [0, 1) with 53 bits of precision. */
  float(): number {
    const hi = this.next() >>> 5; // 27 bits
    const lo = this.next() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** True with probability `p` (0 never, 1 always; draws one value either way so streams stay aligned). */
  chance(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw LagoonError.invalidArgument(`rng.chance(p) needs p in [0, 1], got ${p}`);
    return this.float() < p;
  }

  /** A uniformly chosen element; throws on an empty array (API misuse). */
  pick<T>(arr: readonly T[]): T {
    if (arr.length === 0) throw LagoonError.invalidArgument('rng.pick on an empty array');
    return arr[this.int(arr.length)] as T;
  }

  /** In-place Fisher–Yates shuffle; returns `arr`. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i] as T;
      arr[i] = arr[j] as T;
      arr[j] = tmp;
    }
    return arr;
  }

  /**
   * An independent sub-stream named `label`. Same parent seed + same label gives
   * the same stream, regardless of how much of the parent has been consumed.
   */
  fork(label: string): Rng {
    const key = this.#key;
    const h = fnv1a32(label);
    const child = new Rng(0);
    child.#install(expandKey(key[0] ^ h, (key[1] + Math.imul(key[2] ^ key[3], 0x85ebca6b) + h) | 0));
    return child;
  }
}

/** splitmix32 expansion of two words into four well-mixed state words. */
function expandKey(lo: number, hi: number): [number, number, number, number] {
  let s = (lo ^ Math.imul(hi, 0x27d4eb2d)) | 0;
  const out: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s ^ (s >>> 16);
    z = Math.imul(z, 0x21f0aaad);
    z ^= z >>> 15;
    z = Math.imul(z, 0x735a2d97);
    z ^= z >>> 15;
    out[i] = (z ^ (i === 1 ? hi : 0)) | 0;
  }
  return out;
}

/** FNV-1a, 32-bit, over UTF-16 code units. Used for labels and trace hashing. */
export function fnv1a32(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
