/**
 * When a prover closes a VDF window early for a first nonce (docs/vdf.md,
 * "Early windows"), sans-IO: the real handshake (handshake.ts) and the
 * simulator's stand-in (ts/sim/mesh/standin-liveness.ts) both ask this one
 * schedule, so the join times the simulator measures follow the policy the
 * nodes run, not a copy of it that can drift.
 *
 * The rules, and why:
 * - an early window closes `delayMs` after the first nonce (the chain thread
 *   must have absorbed it, or the header would not hold it);
 * - at most one per quarter window, so a peer resending first nonces cannot
 *   make us close windows at will (at most four early headers per window);
 * - none in the last quarter before the scheduled window: that one answers,
 *   and an early header just before it would leave the other neighbours'
 *   next nonces no time to arrive;
 * - it waits until every neighbour that had our last header has sent the
 *   nonce for the next one (or `graceMs` after that header), so the early
 *   header is not stale for them.
 */

export interface EarlyWindowTiming {
  /** The scheduled window's period. */
  readonly windowMs: number;
  /** How long a verifier has to answer a header with its next nonce. */
  readonly graceMs: number;
  /** From a first nonce to the earliest early window (the real handshake: 2 · dutyPeriodMs). */
  readonly delayMs: number;
}

export class EarlyWindows {
  readonly #t: EarlyWindowTiming;
  /** When an early window is wanted; undefined when none is. */
  #at: number | undefined;
  #lastCloseAt = -Infinity;
  #lastEarlyAt = -Infinity;

  constructor(timing: EarlyWindowTiming) {
    this.#t = timing;
  }

  /** Whether an early window is wanted (due or not). */
  get wanted(): boolean {
    return this.#at !== undefined;
  }

  /** A first nonce arrived at `now`; `nextWindowAt` is the scheduled window (undefined: none is scheduled). */
  firstNonce(now: number, nextWindowAt: number | undefined): void {
    if (this.#at !== undefined || nextWindowAt === undefined) return;
    const at = Math.max(now + this.#t.delayMs, this.#lastEarlyAt + this.#t.windowMs / 4);
    if (at >= nextWindowAt - this.#t.windowMs / 4) return;
    this.#at = at;
  }

  /** A header went out at `now` (any window, early or scheduled): verifiers owe their next nonces from here. */
  closed(now: number): void {
    this.#lastCloseAt = now;
  }

  /** The scheduled window is closing: it answers the first nonces an early one was waiting for. */
  scheduled(): void {
    this.#at = undefined;
  }

  /**
   * Whether to close an early window at `now`: true once (the caller closes it). `owed` tells whether a neighbour
   * that had our last header has not yet sent its next nonce; asked only when it matters.
   */
  due(now: number, nextWindowAt: number | undefined, owed: () => boolean): boolean {
    if (this.#at === undefined || now < this.#at) return false;
    if (nextWindowAt === undefined || now >= nextWindowAt - this.#t.windowMs / 4) {
      this.#at = undefined;
      return false;
    }
    if (now < this.#lastCloseAt + this.#t.graceMs && owed()) return false;
    this.#at = undefined;
    this.#lastEarlyAt = now;
    return true;
  }

  /** When `due` may next become true without a message arriving, or undefined when no early window is wanted. */
  wakeAt(owed: () => boolean): number | undefined {
    if (this.#at === undefined) return undefined;
    // Until every nonce is in, the early window waits for one (a message) or for the grace to run out.
    return owed() ? Math.max(this.#at, this.#lastCloseAt + this.#t.graceMs) : this.#at;
  }
}

/** The real handshake's early-window timing for a VDF config. */
export function earlyWindowTiming(config: { windowMs: number; graceMs: number; dutyPeriodMs: number }): EarlyWindowTiming {
  return { windowMs: config.windowMs, graceMs: config.graceMs, delayMs: 2 * config.dutyPeriodMs };
}
