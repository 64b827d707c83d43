/**
 * The VDF handshake as a sans-IO machine: one per node, both roles (prover to
 * its neighbours, verifier of its neighbours). No sockets, clock or randomness
 * inside: time is passed in (`now`, monotonic ms, never going back), nonces
 * come from the injected `random`, and every input returns the actions to
 * perform, in order. Timers are data: call `handleTimeout(now)` at
 * `nextTimeout()`.
 *
 * Inputs: neighbourAdded / neighbourRemoved, message (a frame from a peer),
 * windowClosed (result of `request-window`), opened (result of
 * `request-opening`), proofVerified (result of `verify-header` /
 * `verify-opening`), handleTimeout.
 * Outputs (`VdfAction`): send (to a direct neighbour only), absorb,
 * request-window, request-opening, verify-header, verify-opening, verdict.
 *
 * Per window, between prover P and verifier V (docs/vdf.md):
 *   P → V  PROOF(header_w)              signed, absorbs V's last nonce
 *   V → P  CHALLENGE(w, c, show)         c: fresh nonce, drawn after the header
 *   P → V  OPENING(w)                    segments drawn from (header, c) + show's
 * Proofs go to direct neighbours only and are never forwarded: the machine has
 * no path that sends a received frame on, and drops requests from non-neighbours.
 */
import { LagoonError } from '../../core/errors.js';
import { DEFAULT_VDF_CONFIG, NONCE_LEN, type VdfConfig } from './constants.js';
import type { HeaderFacts, RejectReason } from './engine.js';
import { decodeFrame, encodeFrame, type VdfFrame } from './messages.js';
import { EarlyWindows, earlyWindowTiming } from './early-windows.js';

export type Verdict = 'alive' | 'dead';

/** Header rejections that are about chaining to the previous accepted header, not about the header itself. */
const CHAINING: ReadonlySet<RejectReason> = new Set(['gap', 'replay', 'fork']);

export type VdfAction =
  | { type: 'send'; peerId: string; frame: Uint8Array }
  | { type: 'absorb'; nonce: Uint8Array }
  | { type: 'request-window' }
  | { type: 'request-opening'; peerId: string; window: number; challenge: Uint8Array; show: Uint8Array | null }
  | { type: 'verify-header'; peerId: string; id: number; publicKey: Uint8Array; header: Uint8Array; prev: Uint8Array | null; required: Uint8Array | null }
  | { type: 'verify-opening'; peerId: string; id: number; publicKey: Uint8Array; header: Uint8Array; opening: Uint8Array; challenge: Uint8Array; show: Uint8Array | null; k: number }
  | { type: 'verdict'; peerId: string; verdict: Verdict; height: number; work: number; reason: string };

export type VerifyResult =
  | { id: number; kind: 'header'; ok: true; facts: HeaderFacts }
  | { id: number; kind: 'opening'; ok: true }
  | { id: number; kind: 'header' | 'opening'; ok: false; reason: RejectReason };

export interface VdfCounters {
  framesMalformed: number;
  /** Frames or requests from peers that are not direct neighbours (dropped). */
  nonNeighbourDropped: number;
  proofsVerified: number;
  proofsInvalid: number;
  /** Headers that lacked our latest nonce (a challenge crossed a window close). */
  proofsStale: number;
  /** Headers that did not chain to the last one we accepted (windows lost with a link, a restarted prover) and were checked afresh. */
  proofsReanchored: number;
  challengesDropped: number;
  /** Windows closed early for a neighbour's first nonce (at most one per quarter window). */
  windowsEarly: number;
  /** Headers that arrived while the previous one from the same peer was being verified, held and checked after it. */
  headersHeld: number;
  windowsMissed: number;
  framesSent: number;
  bytesSent: number;
}

/** What this node knows about one neighbour's work. */
export interface PeerView {
  peerId: string;
  publicKey: Uint8Array;
  verdict: Verdict | 'unknown';
  /** Height at the end of the last fully verified window. */
  height: number;
  /** Steps verified by this node, done after its first nonce was absorbed. Never self-reported. */
  work: number;
  /** First height counted in `work` (for attestations). */
  fromHeight: number;
  /** Chain value at `height`. */
  end: Uint8Array | null;
  invalid: number;
  missed: number;
}

interface Pending { header: Uint8Array; facts: HeaderFacts; challenge: Uint8Array; show: Uint8Array | null }

interface PeerState extends PeerView {
  lastHeader: Uint8Array | null;
  lastNonce: Uint8Array;
  pending: Pending | null;
  verifying: { id: number; kind: 'header' | 'opening'; header: Uint8Array } | null;
  failures: number;
  deadline: number;
  anchored: boolean;
  challengesThisWindow: number;
  rechallenged: boolean;
  /** We sent it our last header and its challenge for it has not arrived (its nonce is not in our chain yet). */
  owesChallenge: boolean;
  /** The newest header that arrived while another from this peer was being checked. */
  held: Uint8Array | null;
  /** A relink extended the deadline since the last verified proof (`relinked`): once per proof. */
  relinkGraced: boolean;
}

export class VdfHandshake {
  readonly config: VdfConfig;
  readonly counters: VdfCounters = {
    framesMalformed: 0, nonNeighbourDropped: 0, proofsVerified: 0, proofsInvalid: 0, proofsStale: 0, proofsReanchored: 0,
    challengesDropped: 0, windowsEarly: 0, headersHeld: 0, windowsMissed: 0, framesSent: 0, bytesSent: 0,
  };
  #peers = new Map<string, PeerState>();
  #random: (n: number) => Uint8Array;
  #now = -Infinity;
  #nextWindowAt: number | undefined;
  #windowInFlight = false;
  /** Windows closed early for first nonces; undefined with `earlyWindows: false`. */
  readonly #early: EarlyWindows | undefined;
  readonly #owed = (): boolean => {
    for (const peer of this.#peers.values()) if (peer.owesChallenge) return true;
    return false;
  };
  #nextId = 1;

  constructor(random: (n: number) => Uint8Array, config: VdfConfig = DEFAULT_VDF_CONFIG) {
    this.config = config;
    this.#random = random;
    this.#early = config.earlyWindows ? new EarlyWindows(earlyWindowTiming(config)) : undefined;
  }

  #tick(now: number): void {
    if (!Number.isFinite(now) || now < this.#now) throw LagoonError.invalidArgument(`vdf: time went backwards (${now} < ${this.#now})`);
    this.#now = now;
  }

  #nonce(): Uint8Array {
    const n = this.#random(NONCE_LEN);
    if (n.length !== NONCE_LEN) throw LagoonError.invalidArgument('vdf: random() returned the wrong length');
    return n;
  }

  #send(out: VdfAction[], peerId: string, frame: VdfFrame): void {
    if (!this.#peers.has(peerId)) return; // never to a non-neighbour
    const bytes = encodeFrame(frame);
    this.counters.framesSent++;
    this.counters.bytesSent += bytes.length;
    out.push({ type: 'send', peerId, frame: bytes });
  }

  /**
   * Check `peerId`. A peer we already judged dead is judged again from scratch: a dead verdict is given once, and
   * one given while the peer was no SPIRAL neighbour (a linked peer checked for other reasons; the mesh ignores
   * such verdicts) was never given again once it became one, so it was never pruned.
   */
  neighbourAdded(peerId: string, publicKey: Uint8Array, now: number): VdfAction[] {
    this.#tick(now);
    const held = this.#peers.get(peerId);
    if (held !== undefined && held.verdict !== 'dead') return [];
    this.#peers.delete(peerId);
    if (this.#peers.size >= this.config.maxNeighbours) throw LagoonError.invalidArgument(`vdf: more than ${this.config.maxNeighbours} neighbours`);
    if (publicKey.length !== 32) throw LagoonError.invalidArgument('vdf: public key must be 32 bytes');
    const nonce = this.#nonce();
    this.#peers.set(peerId, {
      peerId, publicKey, verdict: 'unknown', height: 0, work: 0, fromHeight: 0, end: null, invalid: 0, missed: 0,
      lastHeader: null, lastNonce: nonce, pending: null, verifying: null, failures: 0,
      // The first proof may need a whole window to absorb the first nonce, so allow one more.
      deadline: now + 2 * this.config.windowMs + this.config.graceMs, anchored: false, challengesThisWindow: 0, rechallenged: false,
      owesChallenge: false, held: null, relinkGraced: false,
    });
    this.#nextWindowAt ??= now + this.config.windowMs;
    const out: VdfAction[] = [];
    this.#send(out, peerId, { type: 'challenge', window: null, nonce, show: null });
    return out;
  }

  /**
   * The link to a peer we kept checking (a neighbour whose link dropped) is back: our latest nonce again. The
   * peer may have dropped us from its own handshake while the link was down, and a prover sends its headers only
   * to peers in its handshake, so without a frame from us it stayed silent and we declared it dead.
   *
   * It gets the time a new neighbour gets for its first proof (its chain must absorb the nonce first), once per
   * verified proof. A process restarted just inside the deadline otherwise came back to windows missed while it
   * was down and was declared dead at the next one, before it could prove: a second prune of an honest node, which
   * with its crash's prune put it in other nodes' penalty boxes (the simulator's restart scenario, LAGOON_SEED=302).
   * Once per proof, so a peer that drops and relinks every window without proving is still dead in time.
   */
  relinked(peerId: string, now: number): VdfAction[] {
    this.#tick(now);
    const peer = this.#peers.get(peerId);
    const out: VdfAction[] = [];
    if (peer === undefined) return out;
    if (!peer.relinkGraced && peer.verdict !== 'dead') {
      peer.relinkGraced = true;
      peer.deadline = Math.max(peer.deadline, now + 2 * this.config.windowMs + this.config.graceMs);
    }
    this.#send(out, peerId, { type: 'challenge', window: null, nonce: peer.lastNonce, show: null });
    return out;
  }

  neighbourRemoved(peerId: string, now: number): VdfAction[] {
    this.#tick(now);
    this.#peers.delete(peerId);
    if (this.#peers.size === 0) this.#nextWindowAt = undefined;
    return [];
  }

  message(peerId: string, bytes: Uint8Array, now: number): VdfAction[] {
    this.#tick(now);
    const peer = this.#peers.get(peerId);
    if (!peer) {
      this.counters.nonNeighbourDropped++;
      return [];
    }
    const frame = decodeFrame(bytes);
    if (!frame) {
      this.counters.framesMalformed++;
      return [];
    }
    const out: VdfAction[] = [];
    if (frame.type === 'challenge') this.#onChallenge(out, peer, frame.window, frame.nonce, frame.show);
    else if (frame.type === 'proof') this.#onProof(out, peer, frame.header);
    else this.#onOpening(out, peer, frame.opening);
    return out;
  }

  #onChallenge(out: VdfAction[], peer: PeerState, window: number | null, nonce: Uint8Array, show: Uint8Array | null): void {
    if (peer.challengesThisWindow >= this.config.maxChallengesPerWindow) {
      this.counters.challengesDropped++;
      return;
    }
    peer.challengesThisWindow++;
    out.push({ type: 'absorb', nonce });
    // Either kind carries its latest nonce, which our next header must hold.
    peer.owesChallenge = false;
    // A nonce that no header of ours answers yet (a new neighbour's first, or one sent again): rather than leave
    // that verifier waiting up to a whole window, close one early. A joiner's neighbours each do this, so it is
    // meshed about a round trip after its last link instead of up to a window after it.
    if (window !== null) out.push({ type: 'request-opening', peerId: peer.peerId, window, challenge: nonce, show });
    else this.#early?.firstNonce(this.#now, this.#nextWindowAt);
    this.#maybeEarly(out);
  }

  #maybeEarly(out: VdfAction[]): void {
    if (this.#early === undefined || this.#windowInFlight || !this.#early.due(this.#now, this.#nextWindowAt, this.#owed)) return;
    this.#windowInFlight = true;
    this.counters.windowsEarly++;
    out.push({ type: 'request-window' });
  }

  #onProof(out: VdfAction[], peer: PeerState, header: Uint8Array): void {
    if (peer.verifying) {
      // Checked after the current one (and its opening): dropping it would make the next header a gap.
      if (peer.held !== null) this.counters.challengesDropped++;
      else this.counters.headersHeld++;
      peer.held = header;
      return;
    }
    peer.held = null; // superseded: a held header is older than this one
    this.#verifyHeader(out, peer, header);
  }

  #verifyHeader(out: VdfAction[], peer: PeerState, header: Uint8Array): void {
    const id = this.#nextId++;
    peer.verifying = { id, kind: 'header', header };
    out.push({ type: 'verify-header', peerId: peer.peerId, id, publicKey: peer.publicKey, header, prev: peer.lastHeader, required: peer.lastNonce });
  }

  #onOpening(out: VdfAction[], peer: PeerState, opening: Uint8Array): void {
    const p = peer.pending;
    if (!p || peer.verifying) {
      this.counters.challengesDropped++;
      return;
    }
    const id = this.#nextId++;
    peer.verifying = { id, kind: 'opening', header: p.header };
    out.push({
      type: 'verify-opening', peerId: peer.peerId, id, publicKey: peer.publicKey, header: p.header, opening,
      challenge: p.challenge, show: p.show, k: this.config.k,
    });
  }

  proofVerified(peerId: string, result: VerifyResult, now: number): VdfAction[] {
    this.#tick(now);
    const peer = this.#peers.get(peerId);
    if (!peer || peer.verifying?.id !== result.id) return [];
    const out = this.#verified(peer, result, now);
    // A header held meanwhile goes next, once this one's opening is no longer awaited.
    if (peer.held !== null && peer.verifying === null && peer.pending === null) {
      const held = peer.held;
      peer.held = null;
      this.#verifyHeader(out, peer, held);
    }
    return out;
  }

  #verified(peer: PeerState, result: VerifyResult, now: number): VdfAction[] {
    const peerId = peer.peerId;
    const header = peer.verifying!.header;
    peer.verifying = null;
    const out: VdfAction[] = [];
    if (!result.ok) {
      if (result.reason === 'nonce-missing' && result.kind === 'header') {
        this.counters.proofsStale++;
        // Our nonce never reached the prover (e.g. it took us as a neighbour only after our first
        // challenge arrived and dropped it): send it again, once per window, so its next window counts.
        if (!peer.rechallenged) {
          peer.rechallenged = true;
          this.#send(out, peerId, { type: 'challenge', window: null, nonce: peer.lastNonce, show: null });
        }
        return out;
      }
      if (result.kind === 'header' && CHAINING.has(result.reason) && peer.lastHeader !== null) {
        // It does not follow the last header we accepted: the windows between were lost with a link, went to us
        // while our nonce was stale, or the prover restarted its chain. Not a fault as long as it is fresh: check
        // it again on its own, against our latest nonce, and count only the work after that nonce (the windows
        // we never saw are not ours to count). A replayed old header lacks that nonce and stays unproved.
        this.counters.proofsReanchored++;
        peer.lastHeader = null;
        peer.anchored = false;
        this.#verifyHeader(out, peer, header);
        return out;
      }
      this.counters.proofsInvalid++;
      peer.invalid++;
      if (result.kind === 'opening') peer.pending = null;
      this.#fail(out, peer, `invalid ${result.kind}: ${result.reason}`);
      return out;
    }
    if (result.kind === 'header') {
      const challenge = this.#nonce();
      peer.lastHeader = header;
      peer.pending = { header, facts: result.facts, challenge, show: peer.lastNonce };
      this.#send(out, peerId, { type: 'challenge', window: result.facts.window, nonce: challenge, show: peer.lastNonce });
      peer.lastNonce = challenge;
      return out;
    }
    const facts = peer.pending?.facts;
    peer.pending = null;
    if (!facts) return out;
    this.counters.proofsVerified++;
    if (!peer.anchored) {
      // Attestations claim `work` steps within [fromHeight, height] of one chain. Re-anchored on the same chain
      // further on (windows lost with a link), the work we verified before still lies in that range; a chain
      // that starts below what we verified (the prover restarted from genesis) is another chain: count afresh.
      const anchor = facts.endHeight - facts.freshSteps;
      if (peer.work === 0 || anchor < peer.height) {
        peer.fromHeight = anchor;
        peer.work = 0;
      }
    }
    peer.work += peer.anchored ? facts.steps : facts.freshSteps;
    peer.anchored = true;
    peer.height = facts.endHeight;
    peer.end = facts.end;
    peer.failures = 0;
    peer.relinkGraced = false;
    peer.deadline = now + this.config.windowMs + this.config.graceMs;
    peer.verdict = 'alive';
    out.push({ type: 'verdict', peerId, verdict: 'alive', height: peer.height, work: peer.work, reason: 'verified' });
    return out;
  }

  #fail(out: VdfAction[], peer: PeerState, reason: string): void {
    peer.failures++;
    if (peer.failures >= this.config.deadAfterMissed && peer.verdict !== 'dead') {
      peer.verdict = 'dead';
      out.push({ type: 'verdict', peerId: peer.peerId, verdict: 'dead', height: peer.height, work: peer.work, reason });
    }
  }

  /** Result of `request-window`: the signed header, or null when no step ran. */
  windowClosed(header: Uint8Array | null, now: number): VdfAction[] {
    this.#tick(now);
    this.#windowInFlight = false;
    const out: VdfAction[] = [];
    if (header === null) return out;
    this.#early?.closed(now);
    for (const peer of this.#peers.values()) {
      peer.owesChallenge = true;
      this.#send(out, peer.peerId, { type: 'proof', header });
    }
    return out;
  }

  /** Result of `request-opening`. Sent only if `peerId` is still a neighbour. */
  opened(peerId: string, opening: Uint8Array | null, now: number): VdfAction[] {
    this.#tick(now);
    const out: VdfAction[] = [];
    if (opening === null) return out;
    if (!this.#peers.has(peerId)) {
      this.counters.nonNeighbourDropped++;
      return out;
    }
    this.#send(out, peerId, { type: 'opening', opening });
    return out;
  }

  handleTimeout(now: number): VdfAction[] {
    this.#tick(now);
    const out: VdfAction[] = [];
    if (this.#nextWindowAt !== undefined && now >= this.#nextWindowAt) {
      this.#nextWindowAt = Math.max(this.#nextWindowAt + this.config.windowMs, now + 1);
      for (const peer of this.#peers.values()) { peer.challengesThisWindow = 0; peer.rechallenged = false; }
      // The scheduled window answers any first nonce an early one was waiting for.
      this.#early?.scheduled();
      if (!this.#windowInFlight) {
        this.#windowInFlight = true;
        out.push({ type: 'request-window' });
      }
    }
    for (const peer of this.#peers.values()) {
      while (now >= peer.deadline) {
        peer.deadline += this.config.windowMs;
        peer.missed++;
        this.counters.windowsMissed++;
        this.#fail(out, peer, 'missed windows');
      }
    }
    this.#maybeEarly(out);
    return out;
  }

  /** The earliest time `handleTimeout` must be called, or undefined when idle. */
  nextTimeout(): number | undefined {
    let t = this.#nextWindowAt;
    for (const peer of this.#peers.values()) if (t === undefined || peer.deadline < t) t = peer.deadline;
    const early = this.#windowInFlight ? undefined : this.#early?.wakeAt(this.#owed);
    if (early !== undefined && (t === undefined || early < t)) t = early;
    return t;
  }

  /** Verified work of a neighbour, for slot conflicts and attestations; undefined for non-neighbours. */
  peer(peerId: string): PeerView | undefined {
    const p = this.#peers.get(peerId);
    if (!p) return undefined;
    return {
      peerId: p.peerId, publicKey: p.publicKey, verdict: p.verdict, height: p.height, work: p.work, fromHeight: p.fromHeight,
      end: p.end, invalid: p.invalid, missed: p.missed,
    };
  }

  neighbours(): string[] {
    return [...this.#peers.keys()];
  }
}
