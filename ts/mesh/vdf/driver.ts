/**
 * Runs the VDF handshake machine (handshake.ts) for a real node: the native
 * chain engine (a thread under a duty cycle), native verification on the
 * libuv pool, and one timer. The owner feeds it neighbour changes and VDF
 * frames and gets frames to send and verdicts back. On the wire a VDF frame
 * is prefixed with FRAME_VDF (0x56, 'V') so it shares mesh links with the
 * other protocols.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Identity } from '../../core/identity.js';
import type { Logger } from '../../core/logger.js';
import { VdfHandshake, type PeerView, type VdfAction } from './handshake.js';
import { seedOf, VdfEngine, verifyHeader, verifyOpening } from './engine.js';
import type { VdfConfig } from './constants.js';
import { DriverTimer } from '../../core/driver-timer.js';

export const FRAME_VDF = 0x56;

export function isVdfFrame(f: Uint8Array): boolean {
  return f.length >= 2 && f[0] === FRAME_VDF;
}

export interface VdfDriverHooks {
  send(peerId: string, frame: Uint8Array): void;
  verdict(peerId: string, alive: boolean, view: PeerView | undefined): void;
}

export class VdfDriver {
  readonly machine: VdfHandshake;
  readonly #engine: VdfEngine;
  readonly #hooks: VdfDriverHooks;
  readonly #log: Logger;
  readonly #timer = new DriverTimer();
  #closed = false;

  constructor(identity: Identity, config: VdfConfig, hooks: VdfDriverHooks, log: Logger) {
    this.machine = new VdfHandshake((n) => randomBytes(n), config);
    this.#engine = new VdfEngine(seedOf(identity.privateKey), { duty: config.duty, dutyPeriodMs: config.dutyPeriodMs, maxSegments: config.maxSegments });
    this.#hooks = hooks;
    this.#log = log;
  }

  /**
   * Check `peerId`'s proofs. The handshake checks at most maxNeighbours peers (it throws past that): when full, a
   * peer `evictable` says may go makes room (a SPIRAL neighbour displaces a peer checked for other reasons);
   * otherwise this one is left unchecked, which is logged, not thrown (linked peers that send VDF frames are
   * checked too, and how many link is up to them).
   */
  neighbourAdded(peerId: string, publicKey: Uint8Array, evictable?: (peerId: string) => boolean): void {
    const watched = this.machine.neighbours();
    if (watched.includes(peerId)) {
      // Judged dead already (while no neighbour of ours): the handshake judges it again from scratch.
      if (this.machine.peer(peerId)?.verdict === 'dead') this.#run(this.machine.neighbourAdded(peerId, publicKey, performance.now()));
      return;
    }
    if (watched.length >= this.machine.config.maxNeighbours) {
      const victim = evictable === undefined ? undefined : watched.find(evictable);
      if (victim === undefined) {
        this.#log.warn({ peer: peerId, max: this.machine.config.maxNeighbours }, 'vdf: too many peers to check; not checking this one');
        return;
      }
      this.neighbourRemoved(victim);
    }
    this.#run(this.machine.neighbourAdded(peerId, publicKey, performance.now()));
  }

  /** A link came up: if we were checking that peer already, it hears our nonce again (VdfHandshake.relinked). */
  relinked(peerId: string): void {
    this.#run(this.machine.relinked(peerId, performance.now()));
  }

  neighbourRemoved(peerId: string): void {
    this.#run(this.machine.neighbourRemoved(peerId, performance.now()));
  }

  /** A frame that starts with FRAME_VDF. */
  message(peerId: string, frame: Uint8Array): void {
    this.#run(this.machine.message(peerId, frame.subarray(1), performance.now()));
  }

  close(): void {
    this.#closed = true;
    this.#timer.clear();
    this.#engine.close();
  }

  #run(actions: VdfAction[]): void {
    if (this.#closed) return;
    for (const a of actions) this.#do(a);
    this.#arm();
  }

  #do(a: VdfAction): void {
    switch (a.type) {
      case 'send': {
        const f = new Uint8Array(a.frame.length + 1);
        f[0] = FRAME_VDF;
        f.set(a.frame, 1);
        this.#hooks.send(a.peerId, f);
        break;
      }
      case 'absorb': this.#engine.absorb(a.nonce); break;
      case 'request-window':
        this.#engine.closeWindow().then(
          (header) => this.#run(this.machine.windowClosed(header, performance.now())),
          (err: unknown) => { this.#log.warn({ err }, 'vdf window failed'); this.#run(this.machine.windowClosed(null, performance.now())); },
        );
        break;
      case 'request-opening': {
        let opening: Uint8Array | null = null;
        try {
          opening = this.#engine.open(a.window, a.challenge, a.show, this.machine.config.k);
        } catch (err) {
          this.#log.warn({ err, peer: a.peerId }, 'vdf opening failed');
        }
        this.#run(this.machine.opened(a.peerId, opening, performance.now()));
        break;
      }
      case 'verify-header':
        verifyHeader(a.publicKey, a.header, a.prev, a.required).then(
          (r) => this.#run(this.machine.proofVerified(a.peerId, r.ok ? { id: a.id, kind: 'header', ok: true, facts: r.facts } : { id: a.id, kind: 'header', ok: false, reason: r.reason }, performance.now())),
          (err: unknown) => this.#log.warn({ err }, 'vdf verify failed'),
        );
        break;
      case 'verify-opening':
        verifyOpening(a.publicKey, a.header, a.opening, a.challenge, a.show, a.k).then(
          (r) => this.#run(this.machine.proofVerified(a.peerId, r.ok ? { id: a.id, kind: 'opening', ok: true } : { id: a.id, kind: 'opening', ok: false, reason: r.reason }, performance.now())),
          (err: unknown) => this.#log.warn({ err }, 'vdf verify failed'),
        );
        break;
      case 'verdict':
        this.#hooks.verdict(a.peerId, a.verdict === 'alive', this.machine.peer(a.peerId));
        break;
    }
  }

  #arm(): void {
    if (this.#closed) this.#timer.clear();
    else this.#timer.arm(this.machine.nextTimeout(), () => this.#run(this.machine.handleTimeout(performance.now())));
  }

}
