/**
 * MeshService: the driver that runs the HELLO machine (hello/machine.ts) on
 * real links from the transport. The one place with a real clock and timers
 * for HELLO: it listens on the mesh port, dials the configured peers with
 * backoff, runs one HELLO per link, keeps one link per peer in a bounded
 * table and reports status. See docs/mesh-hello.md, "Mesh service".
 *
 * Events: 'peer-up' (a peer got its first link), 'peer-down' (its link
 * closed and no other replaced it), 'frame' (a non-HELLO frame on a peer's
 * current link, for the protocols above); 'dial-self', 'dial-failed' and
 * 'duplicate' for observability and tests.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { LagoonError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { HostPort } from '../core/config.js';
import type { Identity } from '../core/identity.js';
import { Transport } from '../transport/transport.js';
import type { CloseInfo, Link } from '../transport/types.js';
import { HelloMachine, createHelloNode, type HelloAction, type HelloNode, type LocalHello } from './hello/machine.js';
import { isHelloFrame, type Hello } from './hello/messages.js';
import type { HelloConfig } from './hello/constants.js';
import { PeerTable, keepExisting, type LinkDirection, type PeerEntry } from './peer-table.js';

export interface DialRetry {
  /** First delay after a failure or a lost link, ms. */
  readonly initialMs: number;
  /** Largest delay, ms; the delay doubles per consecutive failure up to this. */
  readonly maxMs: number;
}

export interface MeshServiceOptions {
  readonly identity: Identity;
  /** Address to listen on (e.g. `0.0.0.0`, `127.0.0.1`). */
  readonly bind: string;
  /** Mesh port; 0 picks a free one (see `status().port`). */
  readonly port: number;
  /** Configured peers, dialled as `tcp://host:port` and redialled when lost. */
  readonly peers: readonly HostPort[];
  readonly nodeName: string;
  readonly siteName: string;
  readonly logger?: Logger;
  /** Open links (in HELLO or established) at most. Default 64; more are closed with `max_links`. */
  readonly maxLinks?: number;
  /** Backoff between dials of one address. Default 1 s … 60 s. */
  readonly dialRetry?: DialRetry;
  /** Whole dial attempt (connect + handshake) limit, ms. Default 15 s. */
  readonly dialTimeoutMs?: number;
  /**
   * A second link to a linked peer: while the first is younger than this, the dialler rule picks one (both sides
   * dialled at once); older, the new one replaces it (the peer dialled again because it lost the first: restarted,
   * or the first is half-open). Default 10 s.
   */
  readonly duplicateGraceMs?: number;
  /** HELLO machine configuration (timeouts, skew, replay cache). */
  readonly hello?: Partial<HelloConfig>;
  /** CAPABILITY bits announced in our HELLO. Default 0. */
  readonly capabilities?: number;
  /** Passed to the transport. */
  readonly handshakeTimeoutMs?: number;
  readonly sniffTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface MeshServiceEvents {
  'peer-up': [peer: PeerEntry];
  'peer-down': [peer: PeerEntry, info: CloseInfo];
  frame: [peerId: string, frame: Buffer];
  /** A configured address turned out to be ourselves; it is not dialled again. */
  'dial-self': [address: string];
  /** A dial of a configured address failed; `failures` consecutive so far, next try in `retryMs`. */
  'dial-failed': [address: string, failures: number, retryMs: number];
  /** A second link to a linked peer was closed (one link per peer stays). */
  duplicate: [peerId: string];
}

export type DialState = 'idle' | 'dialling' | 'hello' | 'connected' | 'waiting' | 'self';

export interface MeshCounters {
  dialAttempts: number;
  dialFailures: number;
  /** Dials that reached ourselves (address then marked self, never redialled). */
  dialSelf: number;
  /** Inbound connections that turned out to be ourselves. */
  inboundSelf: number;
  linksAccepted: number;
  linksDialled: number;
  established: number;
  /** Second links to an already linked peer, closed with `duplicate`. */
  duplicatesClosed: number;
  /** Links older than duplicateGraceMs replaced by a new link from the same peer (peer-down, then peer-up). */
  staleLinksReplaced: number;
  /** Links refused because `maxLinks` were open. */
  maxLinksRefused: number;
  /** HELLO failures (closed links) by reason. */
  helloFailures: Record<string, number>;
  /** Links closed, by transport close reason. */
  linksClosed: Record<string, number>;
}

export interface MeshLinkStatus {
  readonly peerId: string;
  readonly nodeName: string;
  readonly siteName: string;
  readonly kind: string;
  readonly direction: LinkDirection;
  readonly remoteAddress: string;
  /** Unix ms when the link's HELLO completed. */
  readonly sinceMs: number;
}

export interface MeshDialStatus {
  readonly address: string;
  readonly state: DialState;
  readonly attempts: number;
  /** Consecutive failures (reset when a link is established). */
  readonly failures: number;
  readonly peerId: string | null;
}

export interface MeshStatus {
  readonly peerId: string;
  readonly port: number;
  readonly links: MeshLinkStatus[];
  readonly dials: MeshDialStatus[];
  readonly counters: MeshCounters & { readonly hello: unknown; readonly transport: unknown };
}

interface Dial {
  readonly address: string;
  state: DialState;
  attempts: number;
  failures: number;
  peerId: string | undefined;
  timer: NodeJS.Timeout | undefined;
  abort: AbortController | undefined;
}

interface LinkCtx {
  readonly link: Link;
  readonly direction: LinkDirection;
  readonly dial: Dial | undefined;
  readonly machine: HelloMachine;
  timer: NodeJS.Timeout | undefined;
  established: boolean;
}

/** Entry points (configured plus added) held at most. */
export const MAX_ENTRY_POINTS = 256;

const DEFAULT_RETRY: DialRetry = { initialMs: 1000, maxMs: 60_000 };
/** Default `duplicateGraceMs`: far longer than two crossing dials take to complete. */
const DUPLICATE_GRACE_MS = 10_000;

/** Delay before the next dial after `failures` consecutive failures (0 = a lost link): doubling, capped, jittered to [½, 1] of it. */
export function backoffDelayMs(failures: number, retry: DialRetry, random: () => number = Math.random): number {
  const base = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

export function meshAddress(p: HostPort): string {
  return `tcp://${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
}

export class MeshService extends EventEmitter<MeshServiceEvents> {
  readonly peerId: string;
  readonly transport: Transport;
  private readonly log: Logger;
  private readonly table: PeerTable;
  private readonly pending = new Set<LinkCtx>();
  private readonly dials: Dial[];
  private readonly helloNode: HelloNode;
  private readonly local: LocalHello;
  private readonly retry: DialRetry;
  private readonly dialTimeoutMs: number;
  private readonly counters: MeshCounters = {
    dialAttempts: 0, dialFailures: 0, dialSelf: 0, inboundSelf: 0, linksAccepted: 0, linksDialled: 0,
    established: 0, duplicatesClosed: 0, staleLinksReplaced: 0, maxLinksRefused: 0, helloFailures: {}, linksClosed: {},
  };
  private boundPort = 0;
  private parked = false;
  private readonly kept = new WeakSet<Link>();
  private probeCursor = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: MeshServiceOptions) {
    super();
    const maxLinks = opts.maxLinks ?? 64;
    if (!Number.isSafeInteger(maxLinks) || maxLinks <= 0) throw LagoonError.config(`mesh maxLinks must be a positive integer, got ${maxLinks}`);
    this.retry = opts.dialRetry ?? DEFAULT_RETRY;
    if (!(this.retry.initialMs > 0) || !(this.retry.maxMs >= this.retry.initialMs)) {
      throw LagoonError.config(`mesh dialRetry needs 0 < initialMs <= maxMs, got ${this.retry.initialMs}..${this.retry.maxMs}`);
    }
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 15_000;
    this.peerId = opts.identity.peerId;
    this.log = (opts.logger ?? silentLogger()).child({ name: 'lagoon:mesh' });
    this.table = new PeerTable(maxLinks);
    this.transport = new Transport({
      identity: opts.identity, logger: opts.logger,
      ...(opts.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: opts.handshakeTimeoutMs } : {}),
      ...(opts.sniffTimeoutMs !== undefined ? { sniffTimeoutMs: opts.sniffTimeoutMs } : {}),
      ...(opts.maxFrameBytes !== undefined ? { maxFrameBytes: opts.maxFrameBytes } : {}),
      ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
    });
    this.helloNode = createHelloNode({
      peerId: opts.identity.peerId, publicKey: opts.identity.publicKey, randomBytes: (n) => randomBytes(n),
      ...(opts.hello !== undefined ? { config: opts.hello } : {}),
    });
    this.local = {
      nodeName: opts.nodeName, siteName: opts.siteName, spiralSlot: null, vdf: null,
      yggAddr: null, yggPeerUri: null, capabilities: opts.capabilities ?? 0,
    };
    const seen = new Set<string>();
    this.dials = [];
    for (const p of opts.peers) {
      const address = meshAddress(p);
      if (seen.has(address)) continue;
      seen.add(address);
      this.dials.push({ address, state: 'idle', attempts: 0, failures: 0, peerId: undefined, timer: undefined, abort: undefined });
    }
  }

  /** Listen, then dial every configured peer. */
  async start(): Promise<void> {
    this.transport.on('link', (link) => { this.counters.linksAccepted++; this.adopt(link, 'inbound', undefined); });
    this.transport.on('self', () => { this.counters.inboundSelf++; });
    const { port } = await this.transport.listen(this.opts.bind, this.opts.port);
    this.boundPort = port;
    this.log.info({ peer: this.peerId, port, peers: this.dials.length }, 'mesh listening');
    for (const d of this.dials) void this.attempt(d);
  }

  get port(): number { return this.boundPort; }

  peer(peerId: string): PeerEntry | undefined { return this.table.get(peerId); }

  /**
   * Add an entry point found at run time (mDNS, peer cache, registry): it is
   * dialled and redialled with backoff exactly like a `LAGOON_PEERS` address.
   * False when the address is already known or `maxEntryPoints` are held.
   */
  addEntryPoint(address: string): boolean {
    if (this.closed || this.dials.some((d) => d.address === address) || this.dials.length >= MAX_ENTRY_POINTS) return false;
    const d: Dial = { address, state: 'idle', attempts: 0, failures: 0, peerId: undefined, timer: undefined, abort: undefined };
    this.dials.push(d);
    if (this.boundPort !== 0) void this.attempt(d);
    return true;
  }

  /**
   * Dial `address` once (tcp://, tls://, ws://, wss://) and resolve with the
   * peer when its HELLO completes. Unlike configured peers the address is not
   * redialled when the link drops: callers that want that (discovery,
   * federation) decide themselves. Resolves at once if `expectPeerId` is
   * already linked. Rejects with the transport's error, `ERR_SELF` when the
   * address is this node, or the signal's reason.
   */
  async connect(address: string, opts: { signal?: AbortSignal; expectPeerId?: string } = {}): Promise<PeerEntry> {
    if (this.closed) throw new LagoonError('ERR_CLOSED', 'mesh service is closed');
    if (opts.expectPeerId !== undefined) {
      const have = this.table.get(opts.expectPeerId);
      if (have !== undefined && !have.link.closed) return have;
    }
    const signal = AbortSignal.any([...(opts.signal ? [opts.signal] : []), AbortSignal.timeout(this.dialTimeoutMs)]);
    this.counters.dialAttempts++;
    const out = await this.transport.dial(address, { signal, ...(opts.expectPeerId !== undefined ? { expectPeerId: opts.expectPeerId } : {}) });
    if (out.self) { this.counters.dialSelf++; throw new LagoonError('ERR_SELF', `${address} is this node`); }
    if (this.closed) { out.link.close('shutting down'); throw new LagoonError('ERR_CLOSED', 'mesh service is closed'); }
    this.counters.linksDialled++;
    const peerId = out.link.peerId;
    return await new Promise<PeerEntry>((resolve, reject) => {
      const done = (): void => {
        this.off('peer-up', onUp); this.off('duplicate', onDup); out.link.off('close', onClose); signal.removeEventListener('abort', onAbort);
      };
      const onUp = (p: PeerEntry): void => { if (p.peerId === peerId) { done(); resolve(p); } };
      // A duplicate means a link to this peer already existed or replaced ours: either way the peer is linked.
      const onDup = (id: string): void => {
        const e = this.table.get(id);
        if (id === peerId && e !== undefined) { done(); resolve(e); }
      };
      const onClose = (info: CloseInfo): void => {
        const e = this.table.get(peerId);
        done();
        if (e !== undefined && !e.link.closed) resolve(e);
        else reject(new LagoonError('ERR_LINK_CLOSED', `link to ${address} closed before HELLO completed: ${info.reason} ${info.message}`));
      };
      const onAbort = (): void => { done(); out.link.close('aborted'); reject(signal.reason as Error); };
      this.on('peer-up', onUp); this.on('duplicate', onDup); out.link.once('close', onClose); signal.addEventListener('abort', onAbort, { once: true });
      if (!this.adopt(out.link, 'outbound', undefined)) { done(); reject(new LagoonError('ERR_LINK_CLOSED', `link to ${address} refused: max_links`)); }
    });
  }

  /**
   * Mark the peer's current link as used by a protocol above the topology
   * (federation): `disconnect` leaves it open until it drops by itself.
   */
  keep(peerId: string): void {
    const e = this.table.get(peerId);
    if (e !== undefined) this.kept.add(e.link);
  }

  /** Close the peer's link (e.g. no longer a SPIRAL neighbour). False if there was none, or it is kept. */
  disconnect(peerId: string, reason: string): boolean {
    const e = this.table.get(peerId);
    if (e === undefined || e.link.closed || this.kept.has(e.link)) return false;
    e.link.close(reason);
    return true;
  }

  /**
   * Parked entry points are not redialled when their link closes or a dial
   * fails: once a node has joined the mesh (APE), the bootstrap link is dropped
   * and only dialled again on `probeEntryPoint()` or after unparking (the node
   * lost every link).
   */
  parkEntryPoints(parked: boolean): void {
    if (this.parked === parked) return;
    this.parked = parked;
    if (parked) return;
    for (const d of this.dials) if (d.state === 'idle' && d.timer === undefined) void this.attempt(d);
  }

  /**
   * Dial one entry point that has no link now (round robin). False if none is available. An entry point whose
   * peer we are linked to another way (a SPIRAL neighbour) is skipped: we sync with it already, and a second link
   * to it would replace the first (duplicateGraceMs) every probe.
   */
  probeEntryPoint(): boolean {
    const n = this.dials.length;
    for (let i = 0; i < n; i++) {
      const d = this.dials[(this.probeCursor + i) % n]!;
      if (d.peerId !== undefined && this.table.has(d.peerId)) continue;
      if (d.state === 'idle' || d.state === 'waiting') {
        this.probeCursor = (this.probeCursor + i + 1) % n;
        if (d.timer !== undefined) clearTimeout(d.timer);
        void this.attempt(d);
        return true;
      }
    }
    return false;
  }

  /** Send a frame on the peer's current link; false = back-pressure or no link. */
  send(peerId: string, frame: Uint8Array): boolean {
    const e = this.table.get(peerId);
    if (e === undefined || e.link.closed) return false;
    return e.link.send(frame);
  }

  status(): MeshStatus {
    const links: MeshLinkStatus[] = [...this.table.values()].map((e) => ({
      peerId: e.peerId, nodeName: e.nodeName, siteName: e.siteName, kind: e.kind,
      direction: e.direction, remoteAddress: e.remoteAddress, sinceMs: e.sinceMs,
    }));
    const dials = this.dials.map((d) => ({ address: d.address, state: d.state, attempts: d.attempts, failures: d.failures, peerId: d.peerId ?? null }));
    const counters = structuredClone({ ...this.counters, hello: this.helloNode.counters, transport: this.transport.counters });
    return { peerId: this.peerId, port: this.boundPort, links, dials, counters };
  }

  /** Stop dialling, close every link and the listener, clear timers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const d of this.dials) {
        if (d.timer !== undefined) clearTimeout(d.timer);
        d.timer = undefined;
        d.abort?.abort();
      }
      for (const ctx of [...this.pending]) ctx.link.close('shutting down');
      for (const e of [...this.table.values()]) e.link.close('shutting down');
      await this.transport.close();
      this.log.info({ peer: this.peerId }, 'mesh closed');
    })();
    return this.closing;
  }

  private get closed(): boolean { return this.closing !== undefined; }

  // ------------------------------------------------------------ dialling

  private async attempt(d: Dial): Promise<void> {
    d.timer = undefined;
    if (this.closed || d.state === 'self') return;
    if (d.peerId !== undefined && this.table.has(d.peerId)) { d.state = 'connected'; return; }
    d.state = 'dialling';
    d.attempts++;
    this.counters.dialAttempts++;
    const ac = new AbortController();
    d.abort = ac;
    try {
      const out = await this.transport.dial(d.address, { signal: AbortSignal.any([ac.signal, AbortSignal.timeout(this.dialTimeoutMs)]) });
      if (this.closed) { if (!out.self) out.link.close('shutting down'); return; }
      if (out.self) { this.markSelf(d, out.peerId); return; }
      this.counters.linksDialled++;
      d.state = 'hello';
      if (!this.adopt(out.link, 'outbound', d)) this.failed(d, 'max_links');
    } catch (err) {
      if (this.closed) return;
      this.failed(d, err instanceof Error ? err.message : String(err));
    } finally {
      d.abort = undefined;
    }
  }

  private markSelf(d: Dial, peerId: string): void {
    d.state = 'self';
    d.peerId = peerId;
    this.counters.dialSelf++;
    this.log.info({ addr: d.address }, 'mesh address is ourselves; not dialling it again');
    this.emit('dial-self', d.address);
  }

  private failed(d: Dial, why: string): void {
    d.failures++;
    this.counters.dialFailures++;
    if (this.parked) {
      d.state = 'idle';
      this.log.info({ addr: d.address, err: why }, 'mesh entry point dial failed (parked: not retried)');
      return;
    }
    const delay = this.schedule(d);
    this.log.warn({ addr: d.address, failures: d.failures, retryMs: delay, err: why }, 'mesh dial failed');
    this.emit('dial-failed', d.address, d.failures, delay);
  }

  private schedule(d: Dial): number {
    const delay = backoffDelayMs(d.failures, this.retry);
    d.state = 'waiting';
    if (d.timer !== undefined) clearTimeout(d.timer);
    d.timer = setTimeout(() => void this.attempt(d), delay);
    return delay;
  }

  // ------------------------------------------------------------ links

  /** Run the HELLO on a new link. False if refused (too many links). */
  private adopt(link: Link, direction: LinkDirection, dial: Dial | undefined): boolean {
    if (this.closed) { link.close('shutting down'); return false; }
    if (this.pending.size + this.table.size >= this.table.max) {
      this.counters.maxLinksRefused++;
      this.log.warn({ peer: link.peerId, addr: link.remoteAddress, max: this.table.max }, 'mesh link refused: max_links');
      link.close('max_links');
      return false;
    }
    const ctx: LinkCtx = { link, direction, dial, machine: new HelloMachine(this.helloNode, this.local, link.remotePublicKey), timer: undefined, established: false };
    this.pending.add(ctx);
    link.on('frame', (f) => this.onFrame(ctx, f));
    link.once('close', (info) => this.onClose(ctx, info));
    this.apply(ctx, ctx.machine.start(performance.now(), Date.now()));
    return true;
  }

  private onFrame(ctx: LinkCtx, frame: Buffer): void {
    if (!ctx.machine.done || isHelloFrame(frame)) {
      this.apply(ctx, ctx.machine.handleFrame(frame, performance.now(), Date.now()));
    } else if (ctx.established && this.table.get(ctx.link.peerId)?.link === ctx.link) {
      this.emit('frame', ctx.link.peerId, frame);
    }
  }

  private apply(ctx: LinkCtx, actions: HelloAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') {
        if (!ctx.link.closed) ctx.link.send(a.frame);
      } else if (a.type === 'established') {
        this.onEstablished(ctx, a.hello);
      } else if (a.type === 'self') {
        this.counters.inboundSelf += ctx.direction === 'inbound' ? 1 : 0;
        if (ctx.dial !== undefined) this.markSelf(ctx.dial, a.hello.peerId);
        ctx.link.close('self');
      } else {
        this.counters.helloFailures[a.reason] = (this.counters.helloFailures[a.reason] ?? 0) + 1;
        this.log.warn({ peer: ctx.link.peerId, addr: ctx.link.remoteAddress, reason: a.reason }, `mesh hello failed: ${a.message}`);
        ctx.link.close(a.reason);
      }
    }
    if (ctx.timer !== undefined) clearTimeout(ctx.timer);
    ctx.timer = undefined;
    const at = ctx.machine.nextTimeout();
    if (at !== undefined && !ctx.link.closed) {
      ctx.timer = setTimeout(() => this.apply(ctx, ctx.machine.handleTimeout(performance.now())), Math.max(0, at - performance.now()));
    }
  }

  private onEstablished(ctx: LinkCtx, hello: Hello): void {
    this.pending.delete(ctx);
    ctx.established = true;
    this.counters.established++;
    const { link } = ctx;
    const peerId = link.peerId;
    if (ctx.dial !== undefined) { ctx.dial.state = 'connected'; ctx.dial.peerId = peerId; ctx.dial.failures = 0; }
    let existing = this.table.get(peerId);
    // Crossing dials are both young, and each side's dialler rule keeps the same one. A peer that dials us while an
    // old link to it stands has lost that link (it restarted, or a NAT or a dead host left it half-open): kept, the
    // old link would carry nothing, the new one would be closed at each redial, and the peer would be pruned for
    // proofs it sends on links we close.
    const ageMs = existing === undefined ? 0 : Date.now() - existing.sinceMs;
    const young = ageMs < (this.opts.duplicateGraceMs ?? DUPLICATE_GRACE_MS);
    if (existing !== undefined && !young) {
      // The old link goes down (peer-down) and this one comes up (peer-up): upper layers start afresh with the
      // peer, as they must with a restarted one (its VDF prover needs our nonce again).
      this.table.deleteLink(peerId, existing.link);
      this.counters.staleLinksReplaced++;
      this.log.info({ peer: peerId, addr: existing.remoteAddress, ageMs }, 'mesh old link replaced by a new one from the same peer');
      existing.link.close('replaced by a newer link from the same peer');
      this.redialAfterLoss(peerId, ctx.dial);
      this.emit('peer-down', existing, { reason: 'local', message: 'replaced by a newer link from the same peer' });
      existing = undefined;
    }
    if (existing !== undefined && keepExisting(this.peerId, existing.direction, ctx.direction, peerId)) {
      this.counters.duplicatesClosed++;
      this.log.info({ peer: peerId, addr: link.remoteAddress }, 'mesh duplicate link closed');
      link.close('duplicate');
      this.emit('duplicate', peerId);
      return;
    }
    const addresses = [...new Set([...(ctx.dial !== undefined ? [ctx.dial.address] : []), link.remoteAddress])];
    const entry: PeerEntry = {
      peerId, nodeName: hello.nodeName, siteName: hello.siteName, addresses, kind: link.kind,
      direction: ctx.direction, viaEntry: ctx.dial !== undefined, remoteAddress: link.remoteAddress, sinceMs: Date.now(), hello, link,
    };
    if (!this.table.set(entry)) { // unreachable while adopt() bounds open links, kept as a guard
      this.counters.maxLinksRefused++;
      link.close('max_links');
      return;
    }
    if (existing !== undefined) {
      this.counters.duplicatesClosed++;
      this.log.info({ peer: peerId, addr: existing.remoteAddress }, 'mesh duplicate link replaced');
      existing.link.close('duplicate');
      this.emit('duplicate', peerId);
      return;
    }
    this.log.info({ peer: peerId, node: hello.nodeName, site: hello.siteName, kind: link.kind, dir: ctx.direction }, 'mesh peer up');
    this.emit('peer-up', entry);
  }

  /** Every configured address of a peer whose link went, that is not being dialled now, gets a redial (`except`: the dial that just replaced it). */
  private redialAfterLoss(peerId: string, except?: Dial): void {
    if (this.closed) return;
    for (const d of this.dials) {
      if (d === except || d.peerId !== peerId || d.state !== 'connected') continue;
      if (this.parked) d.state = 'idle';
      else this.schedule(d);
    }
  }

  private onClose(ctx: LinkCtx, info: CloseInfo): void {
    if (ctx.timer !== undefined) clearTimeout(ctx.timer);
    ctx.timer = undefined;
    this.pending.delete(ctx);
    this.counters.linksClosed[info.reason] = (this.counters.linksClosed[info.reason] ?? 0) + 1;
    const gone = this.table.deleteLink(ctx.link.peerId, ctx.link);
    if (gone !== undefined) {
      this.log.info({ peer: gone.peerId, reason: info.reason }, `mesh peer down: ${info.message}`);
      this.redialAfterLoss(gone.peerId);
      this.emit('peer-down', gone, info);
    }
    const d = ctx.dial;
    if (d === undefined || this.closed || d.state !== 'hello') return;
    // The dialled link closed before its HELLO completed: a failed attempt.
    this.failed(d, `link closed before HELLO: ${info.reason} ${info.message}`);
  }
}

/** Create, listen and start dialling. */
export async function startMeshService(opts: MeshServiceOptions): Promise<MeshService> {
  const s = new MeshService(opts);
  try {
    await s.start();
  } catch (err) {
    await s.close();
    throw err;
  }
  return s;
}
