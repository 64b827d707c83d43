/**
 * A stand-in for the VDF handshake (ts/mesh/vdf/handshake.ts) for large
 * simulations: the same shape (a verifier challenges each direct neighbour
 * with a fresh nonce per window; the prover answers with a proof bound to its
 * key, the window and that nonce; a neighbour with no valid proof for
 * `deadAfterMissed` windows is dead) with a keyed tag instead of a chain. It
 * keeps the properties the mesh relies on, so adversaries that forge proofs,
 * replay old windows or answer with a precomputed chain (not containing the
 * fresh nonce) fail here exactly as they fail against the real handshake,
 * which test/vdf checks with real chains.
 */
import { createHash } from 'node:crypto';

export type ProverBehaviour = 'honest' | 'forge' | 'replay' | 'precompute' | 'silent';

export type LivenessMsg =
  | { k: 'challenge'; window: number; nonce: number }
  | { k: 'proof'; window: number; nonce: number; tag: string };

export interface LivenessOut {
  send: { to: string; msg: LivenessMsg }[];
  verdicts: { peer: string; alive: boolean; steps: number }[];
}

export const STEPS_PER_WINDOW = 1000;

interface Watched { window: number; nonce: number; proved: boolean; missed: number; work: number; dead: boolean }

export class StandinLiveness {
  readonly #watched = new Map<string, Watched>();
  readonly #firstProof = new Map<string, LivenessMsg>();
  #window = 0;
  counters = { invalid: 0, missed: 0 };

  constructor(
    readonly peerId: string,
    private readonly secret: Uint8Array,
    private readonly secretOf: (peerId: string) => Uint8Array | undefined,
    private readonly nextNonce: () => number,
    readonly behaviour: ProverBehaviour = 'honest',
    readonly deadAfterMissed = 3,
  ) {}

  add(peer: string): void {
    if (!this.#watched.has(peer)) this.#watched.set(peer, { window: -1, nonce: -1, proved: true, missed: 0, work: 0, dead: false });
  }

  remove(peer: string): void {
    this.#watched.delete(peer);
    this.#firstProof.delete(peer);
  }

  watching(): IterableIterator<string> { return this.#watched.keys(); }

  /** A window closes: judge the last one, challenge every neighbour for the next. */
  window(): LivenessOut {
    const out: LivenessOut = { send: [], verdicts: [] };
    this.#window++;
    for (const [peer, w] of this.#watched) {
      if (w.window >= 0 && !w.proved) {
        w.missed++;
        this.counters.missed++;
        if (w.missed >= this.deadAfterMissed && !w.dead) {
          w.dead = true;
          out.verdicts.push({ peer, alive: false, steps: w.work });
        }
      }
      w.window = this.#window;
      w.nonce = this.nextNonce();
      w.proved = false;
      out.send.push({ to: peer, msg: { k: 'challenge', window: w.window, nonce: w.nonce } });
    }
    return out;
  }

  handle(from: string, msg: LivenessMsg): LivenessOut {
    const out: LivenessOut = { send: [], verdicts: [] };
    if (msg.k === 'challenge') {
      const proof = this.#prove(from, msg.window, msg.nonce);
      if (proof !== undefined) out.send.push({ to: from, msg: proof });
      return out;
    }
    const w = this.#watched.get(from);
    if (w === undefined) return out; // proofs only count from direct neighbours
    const secret = this.secretOf(from);
    const valid = secret !== undefined && msg.window === w.window && msg.nonce === w.nonce && msg.tag === proofTag(secret, msg.window, msg.nonce);
    if (!valid) { this.counters.invalid++; return out; }
    if (w.proved) return out;
    w.proved = true;
    w.missed = 0;
    w.dead = false;
    w.work += STEPS_PER_WINDOW;
    out.verdicts.push({ peer: from, alive: true, steps: w.work });
    return out;
  }

  #prove(verifier: string, window: number, nonce: number): LivenessMsg | undefined {
    switch (this.behaviour) {
      case 'silent': return undefined;
      case 'forge': return { k: 'proof', window, nonce, tag: 'f'.repeat(32) };
      case 'precompute': return { k: 'proof', window, nonce: 0, tag: proofTag(this.secret, window, 0) };
      case 'replay': {
        const first = this.#firstProof.get(verifier);
        if (first !== undefined) return first;
        const p: LivenessMsg = { k: 'proof', window, nonce, tag: proofTag(this.secret, window, nonce) };
        this.#firstProof.set(verifier, p);
        return p;
      }
      case 'honest': return { k: 'proof', window, nonce, tag: proofTag(this.secret, window, nonce) };
    }
  }
}

function proofTag(secret: Uint8Array, window: number, nonce: number): string {
  return createHash('sha256').update(secret).update(`${window}/${nonce}`).digest('hex').slice(0, 32);
}
