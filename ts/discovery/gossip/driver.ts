/**
 * GossipDriver: runs the gossip machine over real mesh links. The one place
 * with a clock and a timer for gossip. Links are the mesh service's peers
 * (link id = peerId): 'peer-up' brings a link up (with the key the HELLO
 * proved and the address the socket shows, kept as an ObservedAddress),
 * 'peer-down' takes it down, and every mesh frame whose first byte is
 * FRAME_GOSSIP (0x47, 'G') goes to the machine. Frames go out with
 * `mesh.send(peerId, frame)`.
 *
 * Events: 'peer' (a broadcasting peer's record, new or updated), 'response'
 * (records answering our PEER_REQUEST), 'delivered' (any accepted message),
 * 'dropped' (a bad frame and why).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { counterFrom, gaugeFrom } from '../../core/metrics.js';
import type { Identity } from '../../core/identity.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { PeerEntry } from '../../mesh/peer-table.js';
import { DROP_REASONS } from './constants.js';
import { ed25519Verifier, identitySigner } from './crypto.js';
import { GossipMachine, type BroadcastInfo, type GossipAction, type GossipEvent, type GossipInput, type GossipMachineOptions } from './machine.js';
import { isGossipFrame, type PeerRecord } from './messages.js';
import { ObservedAddress } from './observed.js';

/** What the driver needs of the mesh service (ts/mesh/service.ts MeshService has it). */
export interface GossipMesh {
  on(event: 'peer-up', fn: (peer: PeerEntry) => void): unknown;
  on(event: 'peer-down', fn: (peer: PeerEntry) => void): unknown;
  on(event: 'frame', fn: (peerId: string, frame: Buffer) => void): unknown;
  off(event: 'peer-up' | 'peer-down' | 'frame', fn: (...args: never[]) => void): unknown;
  send(peerId: string, frame: Uint8Array): boolean;
  peer(peerId: string): PeerEntry | undefined;
  status(): { links: ReadonlyArray<{ peerId: string }> };
}

export interface GossipDriverOptions {
  readonly mesh: GossipMesh;
  readonly identity: Identity;
  /** null = silent: discover others, never be announced. */
  readonly broadcast: BroadcastInfo | null;
  readonly config?: GossipMachineOptions['config'];
  readonly logger?: Logger;
}

export interface GossipDriverEvents {
  peer: [record: PeerRecord, change: 'new' | 'updated'];
  response: [records: readonly PeerRecord[]];
  delivered: [event: Extract<GossipEvent, { type: 'delivered' }>];
  dropped: [event: Extract<GossipEvent, { type: 'dropped' }>];
}

/** Unix ms that never goes back (NTP steps do not move it). */
function monotonicWallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** 32-bit random words from the OS, drawn 1 KiB at a time. */
function cryptoRng(): { next(): number } {
  let buf = randomBytes(1024);
  let at = 0;
  return {
    next(): number {
      if (at + 4 > buf.length) { buf = randomBytes(1024); at = 0; }
      const v = buf.readUInt32LE(at);
      at += 4;
      return v;
    },
  };
}

export class GossipDriver extends EventEmitter<GossipDriverEvents> {
  readonly machine: GossipMachine;
  readonly #mesh: GossipMesh;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onUp = (p: PeerEntry): void => this.#linkUp(p);
  readonly #onDown = (p: PeerEntry): void => { if (this.#mesh.peer(p.peerId) === undefined) this.input({ type: 'link-down', link: p.peerId }); };
  readonly #onFrame = (peerId: string, frame: Buffer): void => { if (isGossipFrame(frame)) this.input({ type: 'frame', link: peerId, frame }); };

  constructor(opts: GossipDriverOptions) {
    super();
    this.#mesh = opts.mesh;
    this.#log = (opts.logger ?? silentLogger()).child({ name: 'lagoon:gossip' });
    this.machine = new GossipMachine({
      signer: identitySigner(opts.identity), verify: ed25519Verifier(), rng: cryptoRng(),
      broadcast: opts.broadcast, now: monotonicWallMs(), ...(opts.config !== undefined ? { config: opts.config } : {}),
    });
  }

  /** Listen to the mesh and bring up a link for every peer it already has. */
  start(): void {
    this.#mesh.on('peer-up', this.#onUp);
    this.#mesh.on('peer-down', this.#onDown);
    this.#mesh.on('frame', this.#onFrame);
    for (const l of this.#mesh.status().links) {
      const p = this.#mesh.peer(l.peerId);
      if (p !== undefined) this.#linkUp(p);
    }
    this.#arm();
  }

  /** Announce our record to the mesh (broadcasting nodes only). */
  announce(): void { this.input({ type: 'announce' }); }
  /** Publish a changed record (PEER_UPDATE). */
  update(info: BroadcastInfo): void { this.input({ type: 'update', info }); }
  /** Ask the mesh for broadcasting peers (with `topic`, or any when empty). */
  request(topic = '', maxResults?: number): void {
    this.input({ type: 'request', topic, ...(maxResults !== undefined ? { maxResults } : {}) });
  }

  input(input: GossipInput): void {
    if (this.#closed) return;
    this.#apply(this.machine.handle(input, monotonicWallMs()));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#mesh.off('peer-up', this.#onUp);
    this.#mesh.off('peer-down', this.#onDown);
    this.#mesh.off('frame', this.#onFrame);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #linkUp(p: PeerEntry): void {
    this.input({ type: 'link-up', link: p.peerId, peerKey: p.hello.publicKey, observed: new ObservedAddress(p.remoteAddress) });
  }

  #apply(actions: GossipAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') { this.#mesh.send(a.link, a.frame); continue; }
      const e = a.event;
      if (e.type === 'peer') this.emit('peer', e.record, e.change);
      else if (e.type === 'response') this.emit('response', e.records);
      else if (e.type === 'delivered') this.emit('delivered', e);
      else if (e.type === 'dropped') {
        this.#log.debug({ peer: e.link, reason: e.reason }, `gossip frame dropped: ${e.detail}`);
        this.emit('dropped', e);
      }
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const delay = Math.min(2 ** 31 - 1, Math.max(0, this.machine.nextTimeout() - monotonicWallMs()));
    this.#timer = setTimeout(() => { this.#timer = undefined; this.input({ type: 'timeout' }); }, delay);
  }
}

/** Export the machine's counters as `lagoon_gossip_*` on a node's registry. */
export function registerGossipMetrics(registry: Registry, driver: GossipDriver): void {
  const c = driver.machine.counters;
  const last: Record<string, number> = {};
  new Counter({
    name: 'lagoon_gossip_dropped_total', help: 'Gossip frames dropped, by reason', labelNames: ['reason'], registers: [registry],
    collect() {
      for (const r of DROP_REASONS) {
        const d = c.dropped[r] - (last[r] ?? 0);
        if (d > 0) this.inc({ reason: r }, d);
        last[r] = c.dropped[r];
      }
    },
  });
  counterFrom(registry, 'lagoon_gossip_accepted_total', 'Gossip messages accepted', () => c.accepted);
  counterFrom(registry, 'lagoon_gossip_duplicates_total', 'Gossip copies of messages already accepted', () => c.duplicates);
  counterFrom(registry, 'lagoon_gossip_payloads_sent_total', 'Full announce/update frames sent', () => c.payloadsOut);
  counterFrom(registry, 'lagoon_gossip_grafts_sent_total', 'GRAFTs sent', () => c.graftsOut);
  gaugeFrom(registry, 'lagoon_gossip_peers', 'Broadcasting peers in the gossip table', () => driver.machine.table.size);
}
