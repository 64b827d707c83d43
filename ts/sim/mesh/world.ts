/**
 * Mesh nodes in the simulator: each simulated node runs the real mesh node
 * machine (ts/mesh/node/machine.ts) behind a thin driver that plays the part
 * MeshService plays on real sockets: links (open/accept/close messages stand
 * for an authenticated connection; the peerId is the simulator's node id, as
 * the Noise handshake proves it for real), dials, entry points, and a
 * liveness machine per node (the stand-in VDF handshake, or the real one's
 * verdicts in the real node). docs/sim.md, "Mesh scenarios".
 */
import type { Out, SimNode } from '../simulator.js';
import type { Rng } from '../rng.js';
import { MeshNode, type MeshNodeAction, type MeshNodeEvent } from '../../mesh/node/machine.js';
import type { MeshCrypto } from '../../mesh/node/crypto.js';
import type { MeshNodeConfig } from '../../mesh/node/constants.js';
import type { Topology } from '../../mesh/node/topology.js';
import type { RecordInterner } from '../../mesh/node/record-interner.js';
import type { SporeRecord } from '../../mesh/spore/store.js';
import { StandinLiveness, type LivenessMsg, type ProverBehaviour } from './standin-liveness.js';
import { DEFAULT_VDF_CONFIG } from '../../mesh/vdf/constants.js';
import { earlyWindowTiming } from '../../mesh/vdf/early-windows.js';

export type SimMeshMsg =
  | { k: 'open'; publicKey: Uint8Array; entry: boolean }
  | { k: 'accept'; publicKey: Uint8Array }
  | { k: 'close' }
  | { k: 'frame'; bytes: Uint8Array }
  | LivenessMsg;

/** Wall clock of simulated time 0 (records carry wall-clock seqs). */
export const SIM_WALL_EPOCH_MS = 1_800_000_000_000;
const LINK_MSG_BYTES = 64;
/** PeerCacheService's defaults: cached peers dialled at start, and how long the entry points wait for them. */
const CACHE_DIALS = 8;
const BOOTSTRAP_DELAY_MS = 3000;
const LIVENESS_MSG_BYTES = 48;

export interface SimMeshNodeOptions {
  readonly crypto: MeshCrypto;
  readonly secret: Uint8Array;
  readonly secretOf: (peerId: string) => Uint8Array | undefined;
  readonly topology: Topology;
  readonly rng: Rng;
  /** Node ids of entry points (LAGOON_PEERS); empty for the first node. */
  readonly entries: readonly string[];
  /** Whether this node broadcasts its address (silent nodes dial, never get dialled). */
  readonly broadcast?: boolean;
  readonly behaviour?: ProverBehaviour;
  readonly windowMs?: number;
  /** Whether provers close a window early for a first nonce, as the real handshake does by default. Default true. */
  readonly earlyWindows?: boolean;
  readonly config?: Partial<MeshNodeConfig>;
  /**
   * On a restart, dial peers it was linked to as entry points first and the entry points only `bootstrapDelayMs`
   * later, as a real node's peer cache does (PeerCacheService.attach: up to 8 cached peers, then LAGOON_PEERS). The
   * cached peers are the SPIRAL neighbours it had, up to 8 in a random order: the peers it kept links to longest.
   * Without this a restarted node joins through its first entry point at once.
   */
  readonly peerCache?: boolean;
  /** When the node starts (joins), virtual ms. */
  readonly startAtMs: number;
  readonly onEvent?: (node: string, e: MeshNodeEvent, nowMs: number) => void;
  /** When another node of the world started (for the join → meshed measurement). */
  readonly startedAtOf?: (peerId: string) => number | undefined;
  /** Shared by every node of the world: one decoded copy of each record. */
  readonly interner?: RecordInterner;
  /**
   * Start already placed (MeshNode.resume): our own record and the records we hold, asked for once at the start and
   * not kept (a settled world's snapshot, docs/sim.md "Settled worlds"). The entry points are not dialled.
   */
  readonly resume?: () => { own: SporeRecord; records: Iterable<SporeRecord> };
}

export class SimMeshNode implements SimNode<SimMeshMsg> {
  readonly id: string;
  readonly crypto: MeshCrypto;
  /** The node's machine and liveness: replaced by a fresh pair when the process restarts (`restart`). */
  machine: MeshNode;
  liveness: StandinLiveness;
  /** Times the node's process restarted. */
  restarts = 0;
  readonly links = new Map<string, { entry: boolean }>();
  readonly #pending = new Map<string, boolean>();
  /** Peers to dial as entry points before the configured ones, once (a restart with `peerCache`). */
  #cached: string[] = [];
  readonly #o: SimMeshNodeOptions;
  #started = false;
  #nextEntryDial = Infinity;
  bytesIn = 0;
  /** Bytes received before this node had a slot (what joining cost it). */
  joinBytes = 0;
  /** Peers whose VDF proof (stand-in) this node has verified at least once. */
  readonly #proved = new Set<string>();
  /**
   * When the node started, and when it was first meshed (virtual ms): a slot,
   * and a link to and a verified proof from every neighbour it wants that was
   * in the mesh before it (neighbours that started later are their own joins,
   * measured when they join). `fullyMeshedAtMs` counts every neighbour.
   */
  startedAtMs: number | undefined;
  meshedAtMs: number | undefined;
  fullyMeshedAtMs: number | undefined;
  /** When a neighbour older than this node last became a linked neighbour (its first proof is due within a window). */
  olderNeighbourAddedAtMs: number | undefined;
  /**
   * When the node last became meshed, against the neighbours it wants now, or undefined while it is not: an older
   * neighbour it adds later unmeshes it until that one is linked and proved. `meshedAtMs` is the first time, against
   * the neighbours it had computed then; a lone joiner's set keeps growing for a second or more after that as its
   * splices settle, so `lastMeshedAtMs` read just before the next join is what that join took (docs/sim.md, "Trickle").
   */
  lastMeshedAtMs: number | undefined;
  /** Neighbours, links, proofs or the slot changed since `lastMeshedAtMs` was last decided. */
  #meshedStale = true;

  constructor(opts: SimMeshNodeOptions) {
    this.#o = opts;
    this.id = opts.crypto.peerId;
    this.crypto = opts.crypto;
    this.machine = this.#newMachine();
    this.liveness = this.#newLiveness();
  }

  #newMachine(): MeshNode {
    const o = this.#o;
    return new MeshNode({
      crypto: o.crypto, topology: o.topology, addrs: o.broadcast === false ? [] : [`sim:${this.id}`], name: this.id.slice(4, 12),
      ...(o.config !== undefined ? { config: o.config } : {}),
      ...(o.interner !== undefined ? { interner: o.interner } : {}),
    });
  }

  #newLiveness(): StandinLiveness {
    const o = this.#o;
    // The real defaults' schedule, early windows included (the policy object the real handshake asks).
    const timing = { ...earlyWindowTiming({ ...DEFAULT_VDF_CONFIG, windowMs: o.windowMs ?? 1000 }), early: o.earlyWindows !== false };
    return new StandinLiveness(this.id, o.secret, o.secretOf, () => o.rng.int(2 ** 31), o.behaviour ?? 'honest', 3, timing);
  }

  /**
   * The process restarts (a crash and a supervisor, an upgrade): the same identity, nothing else kept. A fresh
   * machine and liveness (its VDF windows count from 0 again), no links; it joins through its entry point at once,
   * as a real node started again from its data directory does (test/node/mesh-restart.test.ts).
   */
  restart(now: number): Out<SimMeshMsg>[] {
    this.#cached = this.#o.peerCache === true ? this.#o.rng.shuffle([...this.machine.neighbours]).slice(0, CACHE_DIALS) : [];
    this.machine = this.#newMachine();
    this.liveness = this.#newLiveness();
    this.links.clear();
    this.#pending.clear();
    this.#proved.clear();
    this.#meshedStale = true;
    this.#nextEntryDial = Infinity;
    this.#started = false;
    this.restarts++;
    return this.handleTimeout(now);
  }

  get started(): boolean { return this.#started; }

  nextTimeout(): number | undefined {
    if (!this.#started) return this.#o.startAtMs;
    const m = this.machine.nextTimeout() ?? Infinity;
    const t = Math.min(m, this.liveness.nextTimeout(), this.#nextEntryDial);
    return Number.isFinite(t) ? t : undefined;
  }

  handleTimeout(now: number): Out<SimMeshMsg>[] {
    const out: Out<SimMeshMsg>[] = [];
    if (!this.#started) {
      this.#started = true;
      this.startedAtMs ??= now; // a restart is not a join: join → meshed is measured from the first start
      this.liveness.start(now);
      const snapshot = this.restarts === 0 ? this.#o.resume?.() : undefined;
      if (snapshot !== undefined) {
        this.#apply(this.machine.resume(snapshot.own, snapshot.records, now, SIM_WALL_EPOCH_MS + now), now, out);
        return out;
      }
      this.#apply(this.machine.start(now, SIM_WALL_EPOCH_MS + now, this.#o.entries.length === 0), now, out);
      this.#dialEntry(now, out);
      return out;
    }
    if (now >= this.liveness.nextTimeout()) this.#liveness(this.liveness.handleTimeout(now), now, out);
    if (now >= this.#nextEntryDial) this.#dialEntry(now, out);
    if (now >= (this.machine.nextTimeout() ?? Infinity)) this.#apply(this.machine.handleTimeout(now, SIM_WALL_EPOCH_MS + now), now, out);
    return out;
  }

  handle(from: string, msg: SimMeshMsg, now: number): Out<SimMeshMsg>[] {
    const out: Out<SimMeshMsg>[] = [];
    if (!this.#started) return out;
    const wall = SIM_WALL_EPOCH_MS + now;
    switch (msg.k) {
      case 'open':
        out.push({ send: { to: from, msg: { k: 'accept', publicKey: this.#o.crypto.publicKey }, bytes: LINK_MSG_BYTES } });
        // A node never dials a peer it holds a link to (crossing dials cross before either is accepted: links have
        // no jitter here), so this peer restarted: its old link is gone (a killed process's sockets close).
        if (this.links.has(from)) this.#down(from, now, out);
        this.links.set(from, { entry: false });
        this.#apply(this.machine.linkUp(from, msg.publicKey, false, now, wall), now, out);
        this.#liveness(this.liveness.relinked(from), now, out);
        break;
      case 'accept': {
        const entry = this.#pending.get(from);
        this.#pending.delete(from);
        if (entry === undefined || this.links.has(from)) break;
        this.links.set(from, { entry });
        this.#meshedStale = true;
        this.#apply(this.machine.linkUp(from, msg.publicKey, entry, now, wall), now, out);
        this.#liveness(this.liveness.relinked(from), now, out);
        break;
      }
      case 'close':
        this.#down(from, now, out);
        break;
      case 'frame':
        if (!this.links.has(from)) break;
        this.bytesIn += msg.bytes.length;
        if (this.machine.slot === null) this.joinBytes += msg.bytes.length;
        this.#apply(this.machine.frame(from, msg.bytes, now, wall), now, out);
        break;
      default:
        if (!this.links.has(from)) break;
        // As in the real runtime: a linked peer that counts us as its neighbour before we count it as ours is
        // checked too (proofs we verify ourselves are what lifts a penalty, MeshNode.verdict).
        if (msg.k === 'challenge') this.#liveness(this.liveness.add(from), now, out);
        this.#liveness(this.liveness.handle(from, msg, now), now, out);
    }
    return out;
  }

  #down(peer: string, now: number, out: Out<SimMeshMsg>[]): void {
    if (!this.links.delete(peer)) return;
    this.#meshedStale = true;
    // As in the real runtime: a SPIRAL neighbour whose link dropped stays watched until it proves or is pruned.
    if (!this.machine.neighbours.has(peer)) this.liveness.remove(peer);
    this.#apply(this.machine.linkDown(peer, now, SIM_WALL_EPOCH_MS + now), now, out);
    if (this.machine.slot === null) this.#nextEntryDial = Math.min(this.#nextEntryDial, now + 1000);
  }

  #dialEntry(now: number, out: Out<SimMeshMsg>[]): void {
    if (this.#cached.length > 0) {
      for (const p of this.#cached) if (!this.links.has(p)) this.#open(p, true, out);
      this.#cached = [];
      this.#nextEntryDial = this.machine.slot === null ? now + BOOTSTRAP_DELAY_MS : Infinity;
      return;
    }
    this.#nextEntryDial = this.machine.slot === null ? now + 2000 : Infinity;
    const entry = this.#o.entries[0];
    if (entry === undefined || this.links.has(entry)) return;
    this.#open(entry, true, out);
  }

  /** Dial `to`: the link is up when its `accept` comes back (#pending remembers whether it is an entry link). */
  #open(to: string, entry: boolean, out: Out<SimMeshMsg>[]): void {
    this.#pending.set(to, entry);
    out.push({ send: { to, msg: { k: 'open', publicKey: this.#o.crypto.publicKey, entry }, bytes: LINK_MSG_BYTES } });
  }

  #liveness(r: ReturnType<StandinLiveness['window']>, now: number, out: Out<SimMeshMsg>[]): void {
    for (const s of r.send) out.push({ send: { to: s.to, msg: s.msg, bytes: LIVENESS_MSG_BYTES } });
    for (const v of r.verdicts) {
      if (v.alive && !this.#proved.has(v.peer)) {
        this.#proved.add(v.peer);
        this.#meshedStale = true;
      }
      const work = { steps: v.steps, fromHeight: 0, toHeight: v.steps, end: new Uint8Array(32) };
      this.#apply(this.machine.verdict(v.peer, v.alive, work, now, SIM_WALL_EPOCH_MS + now), now, out);
    }
  }

  #apply(actions: MeshNodeAction[], now: number, out: Out<SimMeshMsg>[]): void {
    this.#applyActions(actions, now, out);
    if (!this.#meshedStale) return;
    this.#meshedStale = false;
    if (this.machine.slot === null || this.machine.neighbours.size === 0) {
      this.lastMeshedAtMs = undefined;
      return;
    }
    let older = true;
    let all = true;
    for (const p of this.machine.neighbours) {
      if (this.links.has(p) && this.#proved.has(p)) continue;
      all = false;
      if (this.#olderThanUs(p)) older = false;
    }
    if (!older) this.lastMeshedAtMs = undefined;
    else {
      this.lastMeshedAtMs ??= now;
      this.meshedAtMs ??= now;
    }
    if (all) this.fullyMeshedAtMs ??= now;
  }

  /** Was `peer` in the mesh before us (not its own join, measured when it joins)? */
  #olderThanUs(peer: string): boolean {
    return (this.#o.startedAtOf?.(peer) ?? -Infinity) <= (this.startedAtMs ?? 0);
  }

  #applyActions(actions: MeshNodeAction[], now: number, out: Out<SimMeshMsg>[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          if (this.links.has(a.peerId)) out.push({ send: { to: a.peerId, msg: { k: 'frame', bytes: a.frame }, bytes: a.frame.length } });
          break;
        case 'dial': {
          const target = a.addrs.find((x) => x.startsWith('sim:'))?.slice(4);
          if (target === undefined || this.links.has(target)) break;
          this.#open(target, false, out);
          break;
        }
        case 'close':
          if (this.links.has(a.peerId)) out.push({ send: { to: a.peerId, msg: { k: 'close' }, bytes: LINK_MSG_BYTES } });
          this.#down(a.peerId, now, out);
          break;
        case 'probe-entry':
          this.#dialEntry(now, out);
          break;
        case 'event':
          if (a.event.e === 'neighbours' || a.event.e === 'slot') this.#meshedStale = true;
          if (a.event.e === 'neighbours') {
            // A former neighbour stays paired until its link goes (#down), as in the real runtime; one already
            // unlinked goes now.
            for (const n of a.event.added) {
              if (this.#olderThanUs(n.peerId)) this.olderNeighbourAddedAtMs = now;
              this.#liveness(this.liveness.add(n.peerId), now, out);
            }
            for (const p of a.event.removed) if (!this.links.has(p)) this.liveness.remove(p);
          } else if (a.event.e === 'watch') this.#liveness(this.liveness.add(a.event.peerId), now, out);
          this.#o.onEvent?.(this.id, a.event, now);
          break;
      }
    }
  }
}
