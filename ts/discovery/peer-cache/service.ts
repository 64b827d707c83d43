/**
 * PeerCacheService: the driver of the peer cache and the cache-gossip machine
 * on a real MeshService. The one place here with a clock, timers and files:
 *
 * - open(): load the file (a corrupt one is moved aside, logged and counted).
 * - attach(mesh, bootstrap): dial the best cached peers first (ε-greedy), and
 *   only once each has answered or failed (or after bootstrapDelayMs) the
 *   bootstrap addresses; record every dial outcome from the mesh's events;
 *   run cache gossip over the mesh's frames.
 * - saves on significant change, at most once per saveIntervalMs, and at close.
 */
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Identity } from '../../core/identity.js';
import type { MeshService } from '../../mesh/service.js';
import type { PeerEntry } from '../../mesh/peer-table.js';
import { PeerCache, type CacheEntry } from './cache.js';
import type { CacheGossipConfig } from './constants.js';
import { CacheGossipMachine, type Advertised, type CacheGossipAction, type CacheGossipCounters } from './machine.js';
import { isCacheFrame } from './messages.js';
import { loadCacheFile, saveCacheFile } from './persist.js';
import { isShareableAddress, type SignedRecord } from './record.js';

/** What the service needs from the mesh (MeshService, or a fake in tests). */
export type MeshLike = Pick<MeshService, 'peerId' | 'on' | 'off' | 'send' | 'addEntryPoint' | 'connect'>;

export interface PeerCacheServiceOptions {
  readonly identity: Identity;
  readonly file: string;
  readonly max: number;
  readonly saveIntervalMs: number;
  readonly gossip?: Partial<CacheGossipConfig>;
  readonly logger?: Logger;
  /** Cached peers dialled at attach. Default 8. */
  readonly dialCandidates?: number;
  /** Longest wait for the cached dials before the bootstrap addresses are added, ms. Default 3 s (seed 002: 2–5 s). */
  readonly bootstrapDelayMs?: number;
  /** ε of the ε-greedy pick. Default 0.1. */
  readonly epsilon?: number;
  /** Uniform [0, 1). Default Math.random (the driver may use real randomness; the machine never does). */
  readonly random?: () => number;
  /** Wall clock, Unix ms. Default Date.now. */
  readonly now?: () => number;
}

export interface PeerCacheServiceCounters {
  /** Files found corrupt and moved aside. */
  corruptFiles: number;
  /** Entries dropped on load because they failed validation. */
  invalidEntries: number;
  saves: number;
  saveErrors: number;
  /** Cached addresses handed to the mesh at start. */
  cachedDials: number;
  /** Frames the mesh refused to send (back-pressure or no link). */
  sendFailures: number;
}

export interface PeerCacheStatus {
  readonly size: number;
  readonly max: number;
  readonly broadcasting: boolean;
  readonly links: number;
  /** Best entries, without addresses: a silent peer's address is never shown to anybody. */
  readonly best: Array<{ peerId: string; score: number; successes: number; failures: number; rttAvgMs: number | null; lastSeenMs: number | null; signed: boolean }>;
  readonly counters: PeerCacheServiceCounters & { readonly gossip: CacheGossipCounters; readonly cache: PeerCache['counters'] };
}

/** 'saved' after each successful write; 'learned' per new or changed signed record (tests and tools wait on these instead of sleeping). */
export interface PeerCacheServiceEvents { saved: [entries: number]; learned: [record: SignedRecord, from: string] }

export class PeerCacheService extends EventEmitter<PeerCacheServiceEvents> {
  readonly cache: PeerCache;
  readonly machine: CacheGossipMachine;
  readonly counters: PeerCacheServiceCounters = { corruptFiles: 0, invalidEntries: 0, saves: 0, saveErrors: 0, cachedDials: 0, sendFailures: 0 };
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private mesh: MeshLike | undefined;
  private timer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;
  private savedChanges = 0;
  private savedTouches = 0;
  private lastSaveMs = -Infinity;
  private closed = false;
  private readonly detachers: Array<() => void> = [];
  private bootstrapTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: PeerCacheServiceOptions) {
    super();
    this.log = (opts.logger ?? silentLogger()).child({ name: 'lagoon:peer-cache' });
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.cache = new PeerCache({ max: opts.max, selfPeerId: opts.identity.peerId, ...(opts.epsilon !== undefined ? { epsilon: opts.epsilon } : {}) });
    this.machine = new CacheGossipMachine({ cache: this.cache, signer: opts.identity, random: this.random, ...(opts.gossip ? { config: opts.gossip } : {}) });
  }

  /** Create and load the file. Never fails on a bad file (it is moved aside and counted). */
  static async open(opts: PeerCacheServiceOptions): Promise<PeerCacheService> {
    const s = new PeerCacheService(opts);
    await s.load();
    return s;
  }

  private async load(): Promise<void> {
    const now = this.now();
    const r = await loadCacheFile(this.opts.file, now);
    if (r.status === 'missing') return;
    if (r.status === 'corrupt') {
      this.counters.corruptFiles++;
      this.log.error({ file: this.opts.file, movedTo: r.movedTo, code: r.error.code, err: r.error.message }, 'peer cache file is corrupt; moved aside, starting with an empty cache');
      return;
    }
    this.counters.invalidEntries += r.file.invalid;
    if (r.file.invalid > 0) this.log.warn({ file: this.opts.file, invalid: r.file.invalid }, 'peer cache entries failed validation and were dropped');
    this.cache.restore(r.file.entries, now);
    this.savedChanges = this.cache.changes;
    this.savedTouches = this.cache.touches;
    this.log.info({ file: this.opts.file, entries: this.cache.size }, 'peer cache loaded');
  }

  /** Start broadcasting our signed record (null: stay silent). */
  advertise(adv: Advertised | null): void {
    this.apply(this.machine.setAdvertised(adv, this.now()));
  }

  /**
   * Run on `mesh`: dial the best cached peers now and `bootstrap` after them.
   * Addresses we reached before go to `addEntryPoint` (kept and redialled);
   * addresses only heard of through gossip are dialled once (`connect`), so a
   * forged-but-signed record cannot make us redial a stranger forever.
   */
  attach(mesh: MeshLike, bootstrap: readonly string[]): void {
    this.mesh = mesh;
    const on = <E extends 'peer-up' | 'peer-down' | 'frame' | 'dial-failed' | 'dial-self'>(ev: E, fn: (...a: never[]) => void): void => {
      mesh.on(ev, fn as never);
      this.detachers.push(() => mesh.off(ev, fn as never));
    };
    const pending = new Set<string>();
    const settle = (addrs: readonly string[]): void => {
      for (const a of addrs) pending.delete(a);
      if (pending.size === 0) releaseBootstrap();
    };
    let released = false;
    const releaseBootstrap = (): void => {
      if (released || this.closed) return;
      released = true;
      if (this.bootstrapTimer !== undefined) clearTimeout(this.bootstrapTimer);
      for (const a of bootstrap) mesh.addEntryPoint(a);
    };
    on('peer-up', (p: PeerEntry) => { this.onPeerUp(p); settle(p.addresses); });
    on('peer-down', (p: PeerEntry) => { this.machine.linkDown(p.peerId); });
    on('frame', (peerId: string, frame: Buffer) => { if (isCacheFrame(frame)) this.apply(this.machine.handleFrame(peerId, frame, this.now())); });
    on('dial-failed', (address: string) => { this.cache.noteFailure(address, this.now()); this.changed(); settle([address]); });
    on('dial-self', (address: string) => { settle([address]); });

    const now = this.now();
    const picks = this.cache.pick(this.opts.dialCandidates ?? 8, now, this.random);
    for (const e of picks) {
      const address = e.addresses[0]!;
      pending.add(address);
      this.counters.cachedDials++;
      if (e.successes > 0) {
        if (!mesh.addEntryPoint(address)) pending.delete(address);
      } else {
        mesh.connect(address, { expectPeerId: e.peerId }).then(
          () => settle([address]),
          () => { this.cache.noteFailure(address, this.now()); this.changed(); settle([address]); },
        );
      }
    }
    if (picks.length > 0) this.log.info({ cached: picks.length, bootstrap: bootstrap.length }, 'dialling cached peers before the bootstrap addresses');
    if (pending.size === 0) releaseBootstrap();
    else this.bootstrapTimer = setTimeout(releaseBootstrap, this.opts.bootstrapDelayMs ?? 3000);
  }

  /** Ask a linked peer for its best records (on demand). */
  request(peerId: string): void {
    this.apply(this.machine.request(peerId, this.now()));
  }

  status(): PeerCacheStatus {
    const now = this.now();
    const best = this.cache.best(10, now).map((e: CacheEntry) => ({
      peerId: e.peerId, score: Math.round(this.cache.score(e, now) * 1000) / 1000, successes: e.successes, failures: e.failures,
      rttAvgMs: e.rttAvgMs === null ? null : Math.round(e.rttAvgMs * 10) / 10, lastSeenMs: e.lastSeenMs, signed: e.record !== null,
    }));
    return {
      size: this.cache.size, max: this.cache.max, broadcasting: this.machine.selfRecord !== null, links: this.machine.linkCount, best,
      counters: structuredClone({ ...this.counters, gossip: this.machine.counters, cache: this.cache.counters }),
    };
  }

  /** Stop listening and timers; save whatever changed. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.detachers.splice(0)) d();
    for (const t of [this.timer, this.saveTimer, this.bootstrapTimer]) if (t !== undefined) clearTimeout(t);
    await this.saving;
    if (this.cache.touches !== this.savedTouches) await this.save();
  }

  // ------------------------------------------------------------ internals

  private onPeerUp(p: PeerEntry): void {
    const now = this.now();
    if (p.direction === 'outbound') {
      // The address we dialled: kept for our own redials only (a silent peer's address never leaves this node).
      const dialled = p.addresses.map((a) => (a.includes('://') ? a : `${p.kind}://${a}`)).find(isShareableAddress) ?? null;
      this.cache.noteSuccess(p.peerId, dialled, now, p.hello.capabilities);
    } else {
      this.cache.noteSeen(p.peerId, now);
    }
    this.apply(this.machine.linkUp(p.peerId, now));
  }

  private apply(actions: CacheGossipAction[]): void {
    if (this.closed) return;
    for (const a of actions) {
      if (a.type === 'send') {
        if (this.mesh === undefined || !this.mesh.send(a.peerId, a.frame)) this.counters.sendFailures++;
      } else {
        this.log.debug({ peer: a.record.peerId, from: a.from, outcome: a.outcome, addrs: a.record.addresses.length }, 'peer record learned');
        this.emit('learned', a.record, a.from);
      }
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.machine.nextTimeout();
    if (at !== undefined) {
      this.timer = setTimeout(() => { this.timer = undefined; this.apply(this.machine.handleTimeout(this.now())); }, Math.max(0, at - this.now()));
    }
    this.changed();
  }

  /** Schedule a save when something significant changed: at most one per saveIntervalMs. */
  private changed(): void {
    if (this.closed || this.cache.changes === this.savedChanges || this.saveTimer !== undefined || this.saving !== undefined) return;
    const delay = Math.max(0, this.lastSaveMs + this.opts.saveIntervalMs - this.now());
    this.saveTimer = setTimeout(() => { this.saveTimer = undefined; void this.save().then(() => this.changed()); }, delay);
  }

  private async save(): Promise<void> {
    const changes = this.cache.changes;
    const touches = this.cache.touches;
    this.lastSaveMs = this.now();
    this.saving = saveCacheFile(this.opts.file, this.cache.values(), this.lastSaveMs).then(
      () => { this.counters.saves++; this.savedChanges = changes; this.savedTouches = touches; this.emit('saved', this.cache.size); },
      (err: unknown) => { this.counters.saveErrors++; this.log.error({ file: this.opts.file, err: (err as Error).message }, 'peer cache save failed'); },
    ).finally(() => { this.saving = undefined; });
    await this.saving;
  }
}
