/**
 * The link layer of one node: dial any mesh address, listen on the mesh
 * port (and on in-memory names), run the Noise handshake on every carrier,
 * and hand authenticated links to the caller. Holds the counters.
 *
 * Events: 'link' (an accepted, authenticated link), 'self' (someone —
 * usually we — reached us as ourselves; informational), 'handshakeFailed'.
 */
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../core/logger.js';
import { LagoonError } from '../core/errors.js';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_HIGH_WATER_MARK_BYTES, DEFAULT_MAX_FRAME_BYTES, DEFAULT_SNIFF_TIMEOUT_MS,
  MAX_FRAME_BYTES_LIMIT, MAX_HANDSHAKE_MESSAGE_BYTES,
} from './constants.js';
import { parseAddress } from './address.js';
import { createCounters, type TransportCounters } from './counters.js';
import { establish, type EstablishOptions, type LinkError } from './establish.js';
import { sealedSize } from './seal.js';
import { noiseKeyPair, type LinkIdentity } from './noise-keys.js';
import { dialTcp } from './tcp.js';
import { dialWs } from './ws.js';
import { MeshListener } from './listener.js';
import type { MemoryNetwork } from './memory.js';
import type { CarrierBase, CarrierOptions } from './carrier-base.js';
import type { DialOptions, DialOutcome, Link } from './types.js';

export interface TransportOptions {
  readonly identity: LinkIdentity;
  /** Largest application frame, bytes (default 1 MiB, at most 64 MiB, at least 4 KiB). */
  readonly maxFrameBytes?: number;
  /** Time allowed for the handshake, ms (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** Queued bytes per link above which send() returns false (default 1 MiB). */
  readonly highWaterMarkBytes?: number;
  /** Time the listener waits for a connection's first bytes, ms (default 5 s). */
  readonly sniffTimeoutMs?: number;
  /** Certificate for TLS/wss on the listener. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** CA to verify the TLS certificate of wss/tls peers we dial; unset = not verified (Noise authenticates them). */
  readonly dialCa?: string;
  /** Payload attached (encrypted) to our handshake message, ≤ 1 KiB; the peer sees it as `remotePayload`. */
  readonly handshakePayload?: Buffer;
  readonly memory?: MemoryNetwork;
  readonly logger?: Logger;
  readonly counters?: TransportCounters;
  /** peer_id derivation, injectable for simulators; defaults to core's. */
  readonly peerIdOf?: (publicKey: Buffer) => string;
}

export interface TransportEvents {
  link: [link: Link];
  self: [peerId: string];
  /** An inbound handshake failed (already counted and logged). */
  handshakeFailed: [error: LinkError];
}

export class Transport extends EventEmitter<TransportEvents> {
  readonly counters: TransportCounters;
  readonly maxFrameBytes: number;
  private readonly opts: TransportOptions;
  private readonly logger: Logger;
  private readonly carrierOpts: CarrierOptions;
  private readonly handshakeTimeoutMs: number;
  private readonly meshListeners = new Set<MeshListener>();
  private readonly memoryUnlisten = new Set<() => void>();

  constructor(opts: TransportOptions) {
    super();
    const max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < MAX_HANDSHAKE_MESSAGE_BYTES || max > MAX_FRAME_BYTES_LIMIT) {
      throw LagoonError.invalidArgument(`maxFrameBytes must be an integer in ${MAX_HANDSHAKE_MESSAGE_BYTES}..${MAX_FRAME_BYTES_LIMIT}, got ${max}`);
    }
    noiseKeyPair(opts.identity); // validate the identity now, not at the first dial
    this.opts = opts;
    this.maxFrameBytes = max;
    this.counters = opts.counters ?? createCounters();
    this.logger = (opts.logger ?? silentLogger()).child({ name: 'lagoon:link' });
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    // The carrier limit is the sealed size of the largest plaintext (type byte + frame).
    this.carrierOpts = { maxFrameBytes: sealedSize(max + 1), highWaterMarkBytes: opts.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK_BYTES };
  }

  get peerId(): string {
    return this.opts.identity.peerId;
  }

  /**
   * Dial `address`, run the handshake, and resolve with the link or with
   * `{ self: true }` if the address is our own. Rejects with a LagoonError
   * whose `reason` says why (ERR_ABORTED, ERR_TIMEOUT, ERR_CLOSED, ERR_PROTOCOL).
   */
  async dial(address: string, options: DialOptions): Promise<DialOutcome> {
    if (!(options?.signal instanceof AbortSignal)) throw LagoonError.invalidArgument('dial requires an AbortSignal');
    const { signal } = options;
    const a = parseAddress(address);
    let carrier: CarrierBase;
    if (a.scheme === 'tcp' || a.scheme === 'tls') {
      carrier = await dialTcp({ ...this.carrierOpts, host: a.host, port: a.port, signal, ...(a.scheme === 'tls' ? { tls: { ca: this.opts.dialCa } } : {}) });
    } else if (a.scheme === 'ws' || a.scheme === 'wss') {
      carrier = await dialWs({ ...this.carrierOpts, url: a.url, signal, ca: this.opts.dialCa });
    } else if (a.scheme === 'memory') {
      if (this.opts.memory === undefined) throw LagoonError.invalidArgument('memory:// address but no MemoryNetwork configured');
      if (signal.aborted) throw Object.assign(new LagoonError('ERR_ABORTED', 'dial aborted'), { reason: 'aborted' });
      carrier = this.opts.memory.connect(a.name, this.carrierOpts);
    } else {
      throw LagoonError.invalidArgument(`unsupported address ${address}`);
    }
    const out = await establish(carrier, { ...this.handshakeOptions(true), expectPeerId: options.expectPeerId, signal }, this.context());
    return out.self ? { self: true, peerId: out.peerId, address } : { self: false, link: out.link };
  }

  /** Listen on the mesh port (port 0 picks one). */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const l = await MeshListener.listen({
      ...this.carrierOpts, host, port,
      sniffTimeoutMs: this.opts.sniffTimeoutMs ?? DEFAULT_SNIFF_TIMEOUT_MS,
      tls: this.opts.tls, counters: this.counters, logger: this.logger,
      onCarrier: (c) => this.accept(c),
    });
    this.meshListeners.add(l);
    return l.address();
  }

  listenMemory(name: string): void {
    if (this.opts.memory === undefined) throw LagoonError.invalidArgument('no MemoryNetwork configured');
    this.memoryUnlisten.add(this.opts.memory.listen(name, this.carrierOpts, (c) => this.accept(c)));
  }

  /** Stop listening. Open links stay up; close them through their owners. */
  async close(): Promise<void> {
    for (const u of this.memoryUnlisten) u();
    this.memoryUnlisten.clear();
    await Promise.all([...this.meshListeners].map((l) => l.close()));
    this.meshListeners.clear();
  }

  private accept(carrier: CarrierBase): void {
    establish(carrier, this.handshakeOptions(false), this.context()).then(
      (out) => { if (out.self) this.emit('self', out.peerId); else this.emit('link', out.link); },
      (err: LinkError) => { this.emit('handshakeFailed', err); }, // already counted and logged by establish
    );
  }

  private handshakeOptions(initiator: boolean): EstablishOptions {
    return {
      identity: this.opts.identity, initiator, timeoutMs: this.handshakeTimeoutMs,
      ...(this.opts.handshakePayload ? { payload: this.opts.handshakePayload } : {}),
      ...(this.opts.peerIdOf ? { peerIdOf: this.opts.peerIdOf } : {}),
    };
  }

  private context(): { counters: TransportCounters; logger: Logger; maxFrameBytes: number } {
    return { counters: this.counters, logger: this.logger, maxFrameBytes: this.maxFrameBytes };
  }
}
