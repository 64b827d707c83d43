/**
 * Tombstones: "node X (its record up to seq S, at slot s) is dead", signed by
 * the neighbour that pruned it after it failed its VDF windows, kept for a TTL.
 * While one is held, a record of X with seq ≤ S is refused, so sync between a
 * node that pruned X and one that has not cannot resurrect the ghost.
 *
 * Anyone can sign a tombstone, so it is never trusted to remove a live node
 * for long: X sees tombstones about itself (it is in their scope) and refutes
 * them by republishing its record with a higher seq, which tombstones never
 * cover (SWIM's incarnation rule).
 */
import type { MeshCrypto } from './crypto.js';

export interface Tombstone {
  /** Pruning neighbour, its public key. */
  readonly by: string;
  readonly byPublicKey: Uint8Array;
  readonly subject: string;
  readonly subjectSeq: number;
  readonly slot: number;
  /** Wall-clock ms after which it lapses. */
  readonly untilMs: number;
  /** The signed encoding, as sent. */
  readonly bytes: Uint8Array;
}

interface Wire { by: string; pk: string; subject: string; seq: number; slot: number; until: number }

export function makeTombstone(crypto: MeshCrypto, subject: string, subjectSeq: number, slot: number, untilMs: number): Tombstone {
  const body = Buffer.from(JSON.stringify({ by: crypto.peerId, pk: Buffer.from(crypto.publicKey).toString('base64'), subject, seq: subjectSeq, slot, until: untilMs } satisfies Wire));
  const sig = Buffer.from(crypto.sign(body));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return { by: crypto.peerId, byPublicKey: crypto.publicKey, subject, subjectSeq, slot, untilMs, bytes: Buffer.concat([len, body, sig]) };
}

/** Parse and verify; undefined for anything malformed or forged. */
export function openTombstone(crypto: MeshCrypto, bytes: Uint8Array): Tombstone | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length < 2) return undefined;
  const n = b.readUInt16BE(0);
  if (b.length < 2 + n) return undefined;
  const body = b.subarray(2, 2 + n);
  const sig = b.subarray(2 + n);
  let w: Partial<Wire>;
  try {
    w = JSON.parse(body.toString('utf8')) as Partial<Wire>;
  } catch {
    return undefined;
  }
  if (typeof w.by !== 'string' || typeof w.pk !== 'string' || typeof w.subject !== 'string') return undefined;
  if (!Number.isSafeInteger(w.seq) || !Number.isSafeInteger(w.slot) || !Number.isSafeInteger(w.until)) return undefined;
  const pk = new Uint8Array(Buffer.from(w.pk, 'base64'));
  if (!crypto.verify(w.by, pk, body, sig)) return undefined;
  return { by: w.by, byPublicKey: pk, subject: w.subject, subjectSeq: w.seq as number, slot: w.slot as number, untilMs: w.until as number, bytes: new Uint8Array(b) };
}

/** Bounded: one tombstone per subject (the highest seq), the soonest to lapse evicted first when full. */
export class TombstoneSet {
  readonly #bySubject = new Map<string, Tombstone>();
  constructor(readonly max: number) {}

  get size(): number { return this.#bySubject.size; }

  /** True if it was new information (store it and pass it on). */
  add(t: Tombstone, nowWallMs: number): boolean {
    if (t.untilMs <= nowWallMs) return false;
    const held = this.#bySubject.get(t.subject);
    if (held !== undefined && held.subjectSeq >= t.subjectSeq) return false;
    if (held === undefined && this.#bySubject.size >= this.max) {
      let soonest: Tombstone | undefined;
      for (const x of this.#bySubject.values()) if (soonest === undefined || x.untilMs < soonest.untilMs) soonest = x;
      if (soonest !== undefined) this.#bySubject.delete(soonest.subject);
    }
    this.#bySubject.set(t.subject, t);
    return true;
  }

  /** Is a record of `subject` at `seq` buried? */
  buries(subject: string, seq: number, nowWallMs: number): boolean {
    const t = this.#bySubject.get(subject);
    return t !== undefined && t.untilMs > nowWallMs && seq <= t.subjectSeq;
  }

  get(subject: string): Tombstone | undefined { return this.#bySubject.get(subject); }

  sweep(nowWallMs: number): void {
    for (const [k, t] of this.#bySubject) if (t.untilMs <= nowWallMs) this.#bySubject.delete(k);
  }

  values(): IterableIterator<Tombstone> { return this.#bySubject.values(); }
}
