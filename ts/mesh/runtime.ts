/**
 * The real node's driver of the mesh node machine (node/machine.ts) and the
 * VDF handshake (vdf/driver.ts) over MeshService links: the one place with a
 * clock and a timer for them. MeshService authenticates links (Noise XX +
 * HELLO); this feeds link events and frames to the machines and carries out
 * what they ask: send, dial a neighbour, close a link, probe an entry point.
 * The simulator's driver (ts/sim/mesh/world.ts) does the same with simulated
 * links, so both run the same machine. docs/mesh-node.md.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Identity } from '../core/identity.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { MeshService } from './service.js';
import { MeshNode, type MeshNodeAction, type MeshNodeEvent } from './node/machine.js';
import { isMeshFrame } from './node/messages.js';
import { ed25519Crypto } from './node/crypto.js';
import { zigzagTopology } from './node/topology.js';
import type { MeshNodeConfig } from './node/constants.js';
import { VdfDriver, isVdfFrame } from './vdf/driver.js';
import { DEFAULT_VDF_CONFIG, type VdfConfig } from './vdf/constants.js';
import { DriverTimer } from '../core/driver-timer.js';

/** After the machine threw on a timeout, when to try its timers again. */
const TIMER_RETRY_AFTER_ERROR_MS = 1000;
/**
 * Timer inputs in a row after which the machine's timer is still due (its nextTimeout() at or before now): a bug
 * that would have the event loop call it every millisecond (a restarted node's refresh did, before its slot,
 * docs/sim.md "Restarts past the scope"). It is counted and logged like a throw, and tried a second later.
 */
export const MAX_TIMER_DUE_AGAIN = 100;

export interface MeshRuntimeOptions {
  readonly identity: Identity;
  readonly service: MeshService;
  /** Addresses neighbours may dial us at (empty: a silent node, which dials its neighbours itself). */
  readonly addrs: readonly string[];
  readonly name: string;
  /** No entry point is configured: this node is the first of its mesh and takes slot 0 (it merges with others later by conflicts). */
  readonly first: boolean;
  readonly config?: Partial<MeshNodeConfig>;
  readonly vdf?: VdfConfig;
  readonly logger?: Logger;
}

export interface MeshRuntimeStatus {
  readonly slot: number | null;
  readonly neighbours: string[];
  readonly records: number;
  readonly tombstones: number;
  readonly counters: MeshNode['counters'];
  readonly vdf: { readonly counters: unknown; readonly peers: unknown[] };
  /** A slot, and a link to and a verified VDF proof from every SPIRAL neighbour, now. */
  readonly meshed: boolean;
  /** Ms from this runtime's start to the first time it was meshed (join → meshed on a real node), or null. */
  readonly meshedAfterMs: number | null;
  /** Inputs the node machine threw on (a bug), dropped and logged instead of ending the process. */
  readonly machineErrors: number;
  /** Smoothed round trip per linked peer, ms, where measured (PING/PONG on the mesh link). */
  readonly rttMs: Record<string, number>;
  /** The splice round this node waits now (a multiple of its slowest neighbour's round trip), ms. */
  readonly spliceRoundMs: number;
}

export class MeshRuntime extends EventEmitter<{ event: [MeshNodeEvent] }> {
  readonly machine: MeshNode;
  readonly #svc: MeshService;
  readonly #vdf: VdfDriver;
  readonly #log: Logger;
  readonly #first: boolean;
  readonly #timer = new DriverTimer();
  #closed = false;
  #startedAt = 0;
  #meshedAfterMs: number | null = null;
  #machineErrors = 0;
  #dueAgain = 0;

  constructor(opts: MeshRuntimeOptions) {
    super();
    this.#svc = opts.service;
    this.#log = (opts.logger ?? silentLogger()).child({ name: 'lagoon:mesh' });
    this.machine = new MeshNode({
      crypto: ed25519Crypto(opts.identity), topology: zigzagTopology(), addrs: opts.addrs, name: opts.name,
      ...(opts.config !== undefined ? { config: opts.config } : {}),
    });
    this.#vdf = new VdfDriver(opts.identity, opts.vdf ?? DEFAULT_VDF_CONFIG, {
      send: (peerId, frame) => { this.#svc.send(peerId, frame); },
      verdict: (peerId, alive, view) => {
        const work = view !== undefined && view.end !== null
          ? { steps: view.work, fromHeight: view.fromHeight, toHeight: view.height, end: view.end } : undefined;
        this.#input('verdict', peerId, () => this.machine.verdict(peerId, alive, work, performance.now(), Date.now()));
      },
    }, this.#log);
    this.#first = opts.first;
  }

  /** Attach to the service's events and start. */
  start(): void {
    this.#svc.on('peer-up', (p) => {
      this.#vdf.relinked(p.peerId);
      this.#input('link up', p.peerId, () => this.machine.linkUp(p.peerId, p.hello.publicKey, p.viaEntry, performance.now(), Date.now()));
    });
    this.#svc.on('peer-down', (p) => {
      // A SPIRAL neighbour whose link dropped stays watched: if it does not come back with proofs it is
      // declared dead like a silent one (a killed process closes its sockets; a lost host does not).
      if (!this.machine.neighbours.has(p.peerId)) this.#vdf.neighbourRemoved(p.peerId);
      this.#input('link down', p.peerId, () => this.machine.linkDown(p.peerId, performance.now(), Date.now()));
      // Alone again: go back to the entry points until the mesh is reached.
      if (this.machine.linkCount === 0) this.#svc.parkEntryPoints(false);
    });
    this.#svc.on('frame', (peerId, frame) => {
      if (isMeshFrame(frame)) this.#input('frame', peerId, () => this.machine.frame(peerId, frame, performance.now(), Date.now()));
      else if (isVdfFrame(frame)) {
        // A linked peer that counts us as its neighbour before we count it as ours (views converge at
        // slightly different times): prove to it and check it too, so neither declares the other dead.
        const e = this.#svc.peer(peerId);
        if (e !== undefined && !this.#vdf.machine.neighbours().includes(peerId)) this.#vdf.neighbourAdded(peerId, e.hello.publicKey);
        this.#vdf.message(peerId, frame);
      }
    });
    this.#startedAt = performance.now();
    this.#run(this.machine.start(performance.now(), Date.now(), this.#first));
    for (const p of this.#svc.status().links) {
      const e = this.#svc.peer(p.peerId);
      if (e !== undefined) this.#input('link up', e.peerId, () => this.machine.linkUp(e.peerId, e.hello.publicKey, e.viaEntry, performance.now(), Date.now()));
    }
  }

  /** Inputs the machine threw on (see `#input`). */
  get machineErrors(): number { return this.#machineErrors; }

  status(): MeshRuntimeStatus {
    return {
      slot: this.machine.slot, neighbours: [...this.machine.neighbours], records: this.machine.recordCount, tombstones: this.machine.tombstoneCount,
      counters: structuredClone(this.machine.counters),
      vdf: { counters: { ...this.#vdf.machine.counters }, peers: this.#vdf.machine.neighbours().map((p) => { const v = this.#vdf.machine.peer(p); return v === undefined ? null : { peerId: p, verdict: v.verdict, height: v.height, work: v.work }; }) },
      meshed: this.#meshed(), meshedAfterMs: this.#meshedAfterMs, machineErrors: this.#machineErrors,
      rttMs: this.#rtts(), spliceRoundMs: this.machine.spliceRoundMs,
    };
  }

  #rtts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const l of this.#svc.status().links) {
      const rtt = this.machine.rttOf(l.peerId);
      if (rtt !== undefined) out[l.peerId] = Math.round(rtt * 100) / 100;
    }
    return out;
  }

  #meshed(): boolean {
    if (this.machine.slot === null || this.machine.neighbours.size === 0) return false;
    for (const p of this.machine.neighbours) if (this.#svc.peer(p) === undefined || this.#vdf.machine.peer(p)?.verdict !== 'alive') return false;
    return true;
  }

  close(): void {
    this.#closed = true;
    this.#timer.clear();
    this.#vdf.close();
  }

  /**
   * Feed one input to the machine. A throw is a bug in the machine, and inputs come from peers: one peer's frame
   * must not end the node for everyone (a joiner's offer once threw on encoding, docs/sim.md "Restarts"). The input
   * is dropped, logged with what it was, and counted; the machine's state is what the input left it.
   */
  #input(what: string, peerId: string | undefined, fn: () => MeshNodeAction[]): void {
    let actions: MeshNodeAction[];
    try {
      actions = fn();
    } catch (err) {
      this.#machineErrors++;
      this.#log.error({ err, input: what, peer: peerId }, 'mesh: the node machine threw on an input; dropped (a bug)');
      // Keep the timer going, but a timeout that throws is tried again a second later, not in a tight loop.
      this.#arm(what === 'timer' ? performance.now() + TIMER_RETRY_AFTER_ERROR_MS : undefined);
      return;
    }
    this.#run(actions);
    if (what === 'timer') this.#checkDueAgain();
  }

  #checkDueAgain(): void {
    const next = this.machine.nextTimeout();
    if (this.#closed || next === undefined || next > performance.now()) {
      this.#dueAgain = 0;
      return;
    }
    if (++this.#dueAgain < MAX_TIMER_DUE_AGAIN) return;
    this.#dueAgain = 0;
    this.#machineErrors++;
    this.#log.error({ input: 'timer', dueAgain: MAX_TIMER_DUE_AGAIN }, 'mesh: the node machine left its timer due after handling it (a bug); tried again a second later');
    this.#arm(performance.now() + TIMER_RETRY_AFTER_ERROR_MS);
  }

  #run(actions: MeshNodeAction[]): void {
    if (this.#closed) return;
    for (const a of actions) this.#do(a);
    this.#arm();
    if (this.#meshedAfterMs === null && this.#meshed()) {
      this.#meshedAfterMs = Math.round(performance.now() - this.#startedAt);
      this.#log.info({ ms: this.#meshedAfterMs, neighbours: this.machine.neighbours.size }, 'mesh: meshed (every neighbour linked and proved)');
    }
  }

  #do(a: MeshNodeAction): void {
    switch (a.type) {
      case 'send': this.#svc.send(a.peerId, a.frame); break;
      case 'close': this.#svc.disconnect(a.peerId, a.reason); break;
      case 'probe-entry': this.#svc.probeEntryPoint(); break;
      case 'dial':
        for (const addr of a.addrs.slice(0, 2)) {
          this.#svc.connect(addr, { expectPeerId: a.peerId }).then(
            () => undefined,
            (err: unknown) => this.#log.debug({ peer: a.peerId, addr, err: (err as Error).message }, 'mesh neighbour dial failed'),
          );
        }
        break;
      case 'event': {
        const e = a.event;
        if (e.e === 'neighbours') {
          for (const n of e.added) this.#vdf.neighbourAdded(n.peerId, n.publicKey, (p) => !this.machine.neighbours.has(p));
          // A former neighbour's link lingers, and it may still count us as its neighbour (views converge at
          // slightly different times): we keep proving to it, and checking it, until the link goes (peer-down).
          // Dropped at once, it heard from us no more and pruned us after deadAfterMissed windows. One whose link
          // went while it was a neighbour (kept watched then) goes now: no peer-down will come for it.
          for (const p of e.removed) if (this.#svc.peer(p) === undefined) this.#vdf.neighbourRemoved(p);
        } else if (e.e === 'watch') {
          this.#vdf.neighbourAdded(e.peerId, e.publicKey);
        } else if (e.e === 'slot') {
          this.#log.info({ slot: e.slot, why: e.why }, 'mesh slot');
          // Joined: the bootstrap link is no longer needed, and entry points are only probed from now on.
          this.#svc.parkEntryPoints(true);
        } else {
          this.#log.info({ event: e.e, ...('peerId' in e ? { peer: e.peerId } : {}), ...('slot' in e ? { slot: e.slot } : {}) }, `mesh ${e.e}`);
        }
        this.emit('event', e);
        break;
      }
    }
  }

  #arm(notBefore?: number): void {
    const next = this.machine.nextTimeout();
    if (this.#closed) this.#timer.clear();
    else this.#timer.arm(next !== undefined && notBefore !== undefined ? Math.max(next, notBefore) : next, () => this.#input('timer', undefined, () => this.machine.handleTimeout(performance.now(), Date.now())));
  }

}
