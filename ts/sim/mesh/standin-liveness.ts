/**
 * A stand-in for the VDF handshake (ts/mesh/vdf/handshake.ts) for large
 * simulations, with the same shape and timing: a verifier sends a new
 * neighbour a fresh nonce at once, the prover answers with a proof bound to
 * its key, its window and that nonce when its own window closes, each valid
 * proof is followed by the next nonce, which also asks for the proof's
 * opening, and the opening (bound to that nonce) is what proves the peer
 * alive, as the real handshake's verdict waits for its OPENING: one round
 * trip after the proof. A neighbour with no opened proof for
 * `deadAfterMissed` of the verifier's windows is dead. A keyed tag stands
 * in for the chain. It keeps the properties the mesh relies on, so
 * adversaries that forge proofs, replay old windows or answer with a
 * precomputed chain (not containing the fresh nonce) fail here exactly as
 * they fail against the real handshake, which test/vdf checks with real
 * chains. The timing matters to join → meshed: a new neighbour is proved at
 * its prover's next window, as on real nodes. An earlier version challenged
 * at the verifier's own window and was answered at once, so every neighbour
 * a joiner found during its first window was proved at that window, which
 * flattered single joins (1,010 ms, against 1.1–2.2 s with this timing).
 * With `timing` it keeps the real prover's window schedule and closes
 * windows early for first nonces by the same policy object the real handshake
 * asks (ts/mesh/vdf/early-windows.ts); the owner then drives it by `start`,
 * `nextTimeout` and `handleTimeout`.
 */
import { createHash } from 'node:crypto';
import { EarlyWindows, type EarlyWindowTiming } from '../../mesh/vdf/early-windows.js';

export type ProverBehaviour = 'honest' | 'forge' | 'replay' | 'precompute' | 'silent';

export type LivenessMsg =
  /** A nonce for our next proof; after a proof, `open` asks for that window's opening (the real CHALLENGE(w, c)). */
  | { k: 'challenge'; nonce: number; first: boolean; open?: number }
  | { k: 'proof'; window: number; nonce: number; tag: string }
  /** Answers `open`: bound to the window and the nonce that asked, so it cannot be made before the ask. */
  | { k: 'opening'; window: number; tag: string };

export interface LivenessOut {
  send: { to: string; msg: LivenessMsg }[];
  verdicts: { peer: string; alive: boolean; steps: number }[];
}

export const STEPS_PER_WINDOW = 1000;

/** The real handshake's schedule (earlyWindowTiming of its config); `early: false` closes no window early. */
export interface LivenessTiming extends EarlyWindowTiming { readonly early: boolean }

interface Watched {
  nonce: number; judged: boolean; proved: boolean; resent: boolean; missed: number; work: number; dead: boolean; owes: boolean;
  /** A relink spared the next window since the last opened proof (`relinked`): once per proof. */
  graced: boolean;
  /** A valid proof waiting for its opening: its window, and the nonce the opening must be bound to. */
  opening: { window: number; nonce: number } | undefined;
}

export class StandinLiveness {
  readonly #watched = new Map<string, Watched>();
  /** The latest nonce each verifier sent us (what our next proof to it carries). */
  readonly #nonceFrom = new Map<string, number>();
  readonly #firstProof = new Map<string, LivenessMsg>();
  #window = 0;
  #nextWindowAt = Infinity;
  readonly #early: EarlyWindows | undefined;
  readonly #owed = (): boolean => {
    for (const w of this.#watched.values()) if (w.owes) return true;
    return false;
  };
  counters = { invalid: 0, stale: 0, missed: 0, early: 0 };

  constructor(
    readonly peerId: string,
    private readonly secret: Uint8Array,
    private readonly secretOf: (peerId: string) => Uint8Array | undefined,
    private readonly nextNonce: () => number,
    readonly behaviour: ProverBehaviour = 'honest',
    readonly deadAfterMissed = 3,
    readonly timing?: LivenessTiming,
  ) {
    this.#early = timing?.early === true ? new EarlyWindows(timing) : undefined;
  }

  /** Starts the window schedule (with `timing`). */
  start(now: number): void {
    if (this.timing !== undefined) this.#nextWindowAt = now + this.timing.windowMs;
  }

  nextTimeout(): number {
    return Math.min(this.#nextWindowAt, this.#early?.wakeAt(this.#owed) ?? Infinity);
  }

  handleTimeout(now: number): LivenessOut {
    if (this.timing !== undefined && now >= this.#nextWindowAt) {
      this.#nextWindowAt = now + this.timing.windowMs;
      return this.window(now);
    }
    const out: LivenessOut = { send: [], verdicts: [] };
    this.#maybeEarly(now, out);
    return out;
  }

  /**
   * Watch `peer`: its first nonce goes out at once. A peer we judged dead while it was no neighbour of ours (a
   * linked peer that challenged us; the machine ignores such verdicts) is judged again from scratch: its dead
   * verdict had been given, so it was never given again, and a forger taken back as a neighbour once its penalty
   * lapsed was never pruned (the adversaries scenario, with first attestations sent at once).
   */
  add(peer: string): LivenessOut {
    const out: LivenessOut = { send: [], verdicts: [] };
    if (this.#watched.get(peer)?.dead === false) return out;
    const nonce = this.nextNonce();
    this.#watched.set(peer, { nonce, judged: false, proved: false, resent: false, missed: 0, work: 0, dead: false, owes: false, graced: false, opening: undefined });
    out.send.push({ to: peer, msg: { k: 'challenge', nonce, first: true } });
    return out;
  }

  /**
   * A link to a peer we kept watching came back: our nonce again (the peer may have dropped us while the link
   * was down, and proves only to peers that sent it one). The real handshake's `relinked`: the next window is not
   * judged, as after a first nonce, once per opened proof.
   */
  relinked(peer: string): LivenessOut {
    const out: LivenessOut = { send: [], verdicts: [] };
    const w = this.#watched.get(peer);
    if (w === undefined) return out;
    if (!w.graced && !w.dead) {
      w.graced = true;
      w.judged = false;
    }
    out.send.push({ to: peer, msg: { k: 'challenge', nonce: w.nonce, first: true } });
    return out;
  }

  remove(peer: string): void {
    this.#watched.delete(peer);
    this.#nonceFrom.delete(peer);
    this.#firstProof.delete(peer);
  }

  watching(): IterableIterator<string> { return this.#watched.keys(); }

  /**
   * Our window closes: prove to every peer we are paired with (as the real prover sends its header to all its
   * peers), with the latest nonce it sent us, and judge the window.
   */
  window(now = 0): LivenessOut {
    const out: LivenessOut = { send: [], verdicts: [] };
    this.#early?.scheduled();
    this.#proveAll(now, out);
    for (const [peer, w] of this.#watched) {
      // The first window after a nonce went out is not judged: the prover's window may close after ours.
      if (w.judged && !w.proved) {
        w.missed++;
        this.counters.missed++;
        if (w.missed >= this.deadAfterMissed && !w.dead) {
          w.dead = true;
          out.verdicts.push({ peer, alive: false, steps: w.work });
        }
      }
      w.judged = true;
      w.proved = false;
      w.resent = false;
    }
    return out;
  }

  #proveAll(now: number, out: LivenessOut): void {
    this.#window++;
    this.#early?.closed(now);
    for (const [verifier, w] of this.#watched) {
      w.owes = true;
      const proof = this.#prove(verifier, this.#window, this.#nonceFrom.get(verifier) ?? -1);
      if (proof !== undefined) out.send.push({ to: verifier, msg: proof });
    }
  }

  #maybeEarly(now: number, out: LivenessOut): void {
    if (this.#early === undefined || !this.#early.due(now, this.#nextWindowAt, this.#owed)) return;
    this.counters.early++;
    this.#proveAll(now, out);
  }

  handle(from: string, msg: LivenessMsg, now = 0): LivenessOut {
    const out: LivenessOut = { send: [], verdicts: [] };
    if (msg.k === 'challenge') {
      this.#nonceFrom.set(from, msg.nonce);
      const w = this.#watched.get(from);
      if (w !== undefined) w.owes = false;
      if (msg.open !== undefined) {
        const opening = this.#open(msg.open, msg.nonce);
        if (opening !== undefined) out.send.push({ to: from, msg: opening });
      }
      if (msg.first) this.#early?.firstNonce(now, this.#nextWindowAt);
      this.#maybeEarly(now, out);
      return out;
    }
    const w = this.#watched.get(from);
    if (w === undefined) return out; // proofs only count from peers we watch
    const secret = this.secretOf(from);
    if (msg.k === 'opening') {
      const pending = w.opening;
      if (pending === undefined || pending.window !== msg.window) return out; // not asked for, or superseded: nothing to check
      w.opening = undefined;
      if (secret === undefined || msg.tag !== openingTag(secret, msg.window, pending.nonce)) { this.counters.invalid++; return out; }
      w.proved = true;
      w.missed = 0;
      w.dead = false;
      w.graced = false;
      w.work += STEPS_PER_WINDOW;
      out.verdicts.push({ peer: from, alive: true, steps: w.work });
      return out;
    }
    if (secret === undefined || msg.tag !== proofTag(secret, msg.window, msg.nonce)) { this.counters.invalid++; return out; }
    if (msg.nonce !== w.nonce) {
      // Signed by the prover but without our latest nonce (it never reached the prover, or the proof is old):
      // proves nothing now. Our nonce goes again, once per window (the real handshake's proofsStale).
      this.counters.stale++;
      if (!w.resent) {
        w.resent = true;
        out.send.push({ to: from, msg: { k: 'challenge', nonce: w.nonce, first: true } });
      }
      return out;
    }
    // The next window's proof must carry a nonce drawn after this one arrived, and the same nonce asks for this
    // proof's opening (the real handshake's CHALLENGE(w, c)); the opening proves the peer alive.
    w.nonce = this.nextNonce();
    w.opening = { window: msg.window, nonce: w.nonce };
    out.send.push({ to: from, msg: { k: 'challenge', nonce: w.nonce, first: false, open: msg.window } });
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

  /** The opening of our proof for `window`, asked for with `nonce`. A forger's does not check; the rest have proved honestly by then. */
  #open(window: number, nonce: number): LivenessMsg | undefined {
    if (this.behaviour === 'silent' || window > this.#window) return undefined;
    const secret = this.behaviour === 'forge' ? new Uint8Array(1) : this.secret;
    return { k: 'opening', window, tag: openingTag(secret, window, nonce) };
  }
}

function openingTag(secret: Uint8Array, window: number, nonce: number): string {
  return createHash('sha256').update(secret).update(`open/${window}/${nonce}`).digest('hex').slice(0, 32);
}

function proofTag(secret: Uint8Array, window: number, nonce: number): string {
  return createHash('sha256').update(secret).update(`${window}/${nonce}`).digest('hex').slice(0, 32);
}
