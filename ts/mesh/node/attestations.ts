/**
 * VDF attestations both ways: the work this node verified of each neighbour
 * (it signs that and sends it to them), and what neighbours attested about
 * this node (the strongest go into its record, where they weigh in slot
 * conflicts).
 */
import type { MeshCrypto, VerifiedWork } from './crypto.js';
import { MAX_ATTESTATIONS } from './records.js';

export class Attestations {
  readonly #work = new Map<string, VerifiedWork>();
  readonly #ofMe = new Map<string, { bytes: Uint8Array; steps: number }>();
  /** Peers we sent an attestation since we last verified them anew (forget). */
  readonly #sent = new Set<string>();

  constructor(readonly crypto: MeshCrypto) {}

  /**
   * Work we verified of `peerId`. One that is not `steps` within [fromHeight, toHeight] of a chain cannot be
   * attested (the signer refuses it, and a refusal thrown from the periodic attestation round would end the
   * node): it is not kept, and false says so.
   */
  verified(peerId: string, work: VerifiedWork): boolean {
    if (!(work.fromHeight <= work.toHeight && work.steps <= work.toHeight - work.fromHeight)) return false;
    this.#work.set(peerId, work);
    return true;
  }
  forget(peerId: string): void {
    this.#work.delete(peerId);
    this.#sent.delete(peerId);
  }
  /** We verified this peer's work ourselves. */
  vouchFor(peerId: string): boolean { return this.#work.has(peerId); }

  /** Signed attestations of the work we verified, for the linked peers among `peers`. */
  toSend(peers: Iterable<string>, keyOf: (peerId: string) => Uint8Array | undefined): { peerId: string; attestation: Uint8Array }[] {
    const out: { peerId: string; attestation: Uint8Array }[] = [];
    for (const p of peers) {
      const attestation = this.#sign(p, keyOf(p));
      if (attestation !== undefined) out.push({ peerId: p, attestation });
    }
    return out;
  }

  /** A signed attestation of the work we verified of `peerId` if we never sent it one, else undefined. */
  first(peerId: string, key: Uint8Array | undefined): Uint8Array | undefined {
    return this.#sent.has(peerId) ? undefined : this.#sign(peerId, key);
  }

  /** An attestation of the work we verified of `peerId` (none if there is none to attest), marked sent. */
  #sign(peerId: string, key: Uint8Array | undefined): Uint8Array | undefined {
    const w = this.#work.get(peerId);
    if (w === undefined || key === undefined || w.steps <= 0) return undefined;
    this.#sent.add(peerId);
    return this.crypto.attest(key, w);
  }

  /** An attestation about us from `from`: rejected if it is not, kept if stronger than what `from` said before. */
  receive(from: string, bytes: Uint8Array): 'rejected' | 'weaker' | 'kept' {
    const c = this.crypto.checkAttestation(bytes);
    if (c === undefined || c.subject !== this.crypto.peerId || c.attester !== from) return 'rejected';
    const held = this.#ofMe.get(from);
    if (held !== undefined && held.steps >= c.steps) return 'weaker';
    this.#ofMe.set(from, { bytes, steps: c.steps });
    if (this.#ofMe.size > MAX_ATTESTATIONS * 4) {
      const weakest = [...this.#ofMe.entries()].sort((a, b) => a[1].steps - b[1].steps)[0]!;
      this.#ofMe.delete(weakest[0]);
    }
    return 'kept';
  }

  /** The strongest attestations about us, for our record. */
  best(): Uint8Array[] {
    return [...this.#ofMe.values()].sort((a, b) => b.steps - a.steps).slice(0, MAX_ATTESTATIONS).map((a) => a.bytes);
  }
}
