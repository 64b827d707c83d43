/**
 * Rotating Bloom filter: the gossip "seen" set in bounded memory.
 *
 * Two generations of m bits with k hashes each. Keys go into the current
 * generation; a query checks both. The current generation becomes the
 * previous one (and the old previous is cleared) every `rotateMs`, or early
 * when it holds `capacity` keys. So every key is remembered for at least
 * `rotateMs` unless more than `capacity` keys arrive within one period (then
 * for at least one generation's worth of keys; early rotations are counted).
 *
 * Sizing (standard formulae, n = capacity, p = target false-positive rate of
 * one full generation): m = ⌈−n·ln p / (ln 2)²⌉, k = round(m/n · ln 2). A query
 * against two full generations is a false positive with probability
 * 1 − (1 − p)² ≤ 2p. Defaults n = 100,000, p = 1e-6: m ≈ 2.88 Mbit (≈ 360 KiB)
 * per generation, k = 20, ≈ 720 KiB in all.
 *
 * Positions: see `#positions`. Hashing is keyed with a per-node secret from the injected RNG, so a peer
 * cannot craft message ids that collide in our filter (pollution attacks).
 */
export interface BloomOptions {
  readonly capacity: number;
  readonly falsePositiveRate: number;
  readonly rotateMs: number;
  /** Two 32-bit secrets for the keyed hash. */
  readonly secret: readonly [number, number];
}

export interface BloomStats {
  readonly bitsPerGeneration: number;
  readonly hashes: number;
  readonly bytes: number;
  readonly rotations: number;
  /** Rotations forced by a full generation before `rotateMs` elapsed. */
  readonly earlyRotations: number;
  readonly currentCount: number;
}

export function bloomSize(capacity: number, p: number): { bits: number; hashes: number } {
  const bits = Math.ceil((-capacity * Math.log(p)) / (Math.LN2 * Math.LN2));
  const hashes = Math.max(1, Math.round((bits / capacity) * Math.LN2));
  return { bits, hashes };
}

class Generation {
  readonly words: Uint32Array;
  count = 0;
  constructor(bits: number) { this.words = new Uint32Array(Math.ceil(bits / 32)); }
  clear(): void { this.words.fill(0); this.count = 0; }
}

export class RotatingBloom {
  readonly #bits: number;
  readonly #k: number;
  readonly #capacity: number;
  readonly #rotateMs: number;
  readonly #s1: number;
  readonly #s2: number;
  #current: Generation;
  #previous: Generation;
  #rotatedAt: number;
  #rotations = 0;
  #early = 0;
  // Scratch for the k bit positions of the last key (avoids an array per call).
  readonly #pos: Uint32Array;

  constructor(opts: BloomOptions, now: number) {
    const { bits, hashes } = bloomSize(opts.capacity, opts.falsePositiveRate);
    this.#bits = bits;
    this.#k = hashes;
    this.#capacity = opts.capacity;
    this.#rotateMs = opts.rotateMs;
    this.#s1 = opts.secret[0] | 0;
    this.#s2 = opts.secret[1] | 0;
    this.#current = new Generation(bits);
    this.#previous = new Generation(bits);
    this.#rotatedAt = now;
    this.#pos = new Uint32Array(hashes);
  }

  /** When the current generation rotates next (absolute ms). */
  get nextRotationAt(): number { return this.#rotatedAt + this.#rotateMs; }

  get stats(): BloomStats {
    return {
      bitsPerGeneration: this.#bits, hashes: this.#k, bytes: 2 * this.#current.words.byteLength,
      rotations: this.#rotations, earlyRotations: this.#early, currentCount: this.#current.count,
    };
  }

  /** Rotate if the period is over. Call with every `now` the machine sees. */
  tick(now: number): void {
    if (now >= this.#rotatedAt + this.#rotateMs) this.#rotate(now);
  }

  has(key: string): boolean {
    this.#positions(key);
    return this.#all(this.#current) || this.#all(this.#previous);
  }

  /** Add `key`; returns true when it was (probably) already there. */
  add(key: string, now: number): boolean {
    this.tick(now);
    this.#positions(key);
    const seen = this.#all(this.#current) || this.#all(this.#previous);
    if (seen) return true;
    if (this.#current.count >= this.#capacity) {
      this.#early++;
      this.#rotate(now);
    }
    const w = this.#current.words;
    for (let i = 0; i < this.#k; i++) {
      const p = this.#pos[i] as number;
      w[p >>> 5] = (w[p >>> 5] as number) | (1 << (p & 31));
    }
    this.#current.count++;
    return false;
  }

  #rotate(now: number): void {
    const old = this.#previous;
    old.clear();
    this.#previous = this.#current;
    this.#current = old;
    this.#rotatedAt = now;
    this.#rotations++;
  }

  #all(g: Generation): boolean {
    const w = g.words;
    for (let i = 0; i < this.#k; i++) {
      const p = this.#pos[i] as number;
      if (((w[p >>> 5] as number) & (1 << (p & 31))) === 0) return false;
    }
    return true;
  }

  /**
   * k positions from two keyed 32-bit hashes of the key: position i mixes
   * h1 + i·c1 and h2 + i·c2 through murmur3's finaliser and xors them. Plain
   * double hashing (h1 + i·h2 mod m) was tried first: in a small filter
   * (m ≈ 15 kbit, 30 keys) it gave 4 false positives per million probes
   * instead of ~0, because keys whose (h1, h2) nearly line up share most
   * positions; in the simulator that dropped a real message as a duplicate.
   * Full collisions now need both 32-bit hashes equal (2^-64).
   */
  #positions(key: string): void {
    let h1 = this.#s1 ^ 0x811c9dc5;
    let h2 = this.#s2 ^ 0x01000193;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    const m = this.#bits;
    for (let i = 0; i < this.#k; i++) {
      this.#pos[i] = ((fmix((h1 + Math.imul(i, 0x9e3779b9)) | 0) ^ fmix((h2 + Math.imul(i, 0x85ebca6b)) | 0)) >>> 0) % m;
    }
  }
}

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
