/**
 * A carrier after the Noise handshake: the `Link` the mesh uses.
 *
 * `runHandshake` drives the sans-IO `Handshake` over any carrier (the one
 * place here that reads the clock and arms a timer) and resolves with a
 * `SecureLink`, a self-connection, or rejects with a coded error.
 *
 * Every frame after the handshake is sealed (seal.ts). Plaintext is one type
 * byte followed by the body: DATA (0) carries an application frame, CLOSE (1)
 * carries the UTF-8 reason the peer gave to close(). Unknown types, bad sizes
 * and failed authentication close the link (`protocol` / `decrypt`).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../core/logger.js';
import { LagoonError, type LagoonErrorCode } from '../core/errors.js';
import type { HandshakeResult } from './handshake.js';
import { FrameSealer, NonceExhausted } from './seal.js';
import { MAX_CLOSE_REASON_BYTES } from './constants.js';
import type { CarrierBase } from './carrier-base.js';
import type { TransportCounters } from './counters.js';
import type { CloseInfo, CloseReason, Link, LinkEvents, LinkKind } from './types.js';

const TYPE_DATA = 0;
const TYPE_CLOSE = 1;

export interface SecureLinkContext {
  readonly counters: TransportCounters;
  readonly logger: Logger;
  /** Largest application frame (plaintext) this side sends and accepts. */
  readonly maxFrameBytes: number;
}

export class SecureLink extends EventEmitter<LinkEvents> implements Link {
  readonly peerId: string;
  readonly remotePublicKey: Buffer;
  readonly kind: LinkKind;
  readonly remoteAddress: string;
  readonly initiator: boolean;
  readonly handshakeHash: Buffer;
  readonly remotePayload: Buffer;
  readonly maxFrameBytes: number;
  private readonly carrier: CarrierBase;
  private readonly tx: FrameSealer;
  private readonly rx: FrameSealer;
  private readonly ctx: SecureLinkContext;
  private readonly backlog: Buffer[] = [];
  private backlogBytes = 0;
  private isClosed = false;

  constructor(carrier: CarrierBase, hs: HandshakeResult, initiator: boolean, ctx: SecureLinkContext) {
    super();
    this.carrier = carrier;
    this.ctx = ctx;
    this.peerId = hs.peerId;
    this.remotePublicKey = hs.remotePublicKey;
    this.kind = carrier.kind;
    this.remoteAddress = carrier.remoteAddress;
    this.initiator = initiator;
    this.handshakeHash = hs.handshakeHash;
    this.remotePayload = hs.remotePayload;
    this.maxFrameBytes = ctx.maxFrameBytes;
    this.tx = new FrameSealer(hs.tx);
    this.rx = new FrameSealer(hs.rx);
    // Frames that arrive before anyone listens (between the handshake and the
    // caller attaching its handler) wait in a backlog; past maxFrameBytes of
    // backlog the carrier is paused, so it stays bounded.
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'frame') setImmediate(() => this.flushBacklog());
    });
    carrier.on('frame', (sealed) => this.onSealed(sealed));
    carrier.on('keepalive', () => { ctx.counters.keepalivesIn++; });
    carrier.on('drain', () => { if (!this.isClosed) this.emit('drain'); });
    carrier.on('close', (info) => this.finish(info));
    const c = ctx.counters;
    c.linksOpened[initiator ? 'outbound' : 'inbound']++;
    c.linksByKind[this.kind] = (c.linksByKind[this.kind] ?? 0) + 1;
    ctx.logger.info({ peer: this.peerId, kind: this.kind, addr: this.remoteAddress, dir: initiator ? 'out' : 'in' }, 'link open');
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(frame: Uint8Array): boolean {
    if (this.isClosed) throw new LagoonError('ERR_CLOSED', `link to ${this.peerId} is closed`);
    if (frame.length > this.maxFrameBytes) {
      throw LagoonError.invalidArgument(`frame of ${frame.length} bytes exceeds the link maximum of ${this.maxFrameBytes}`);
    }
    const plain = Buffer.allocUnsafe(frame.length + 1);
    plain[0] = TYPE_DATA;
    plain.set(frame, 1);
    let sealed: Buffer;
    try {
      sealed = this.tx.seal(plain);
    } catch (err) {
      this.fail(err instanceof NonceExhausted ? 'nonce_exhausted' : 'protocol', 'ERR_PROTOCOL', (err as Error).message);
      return false;
    }
    this.ctx.counters.framesOut++;
    this.ctx.counters.bytesOut += frame.length;
    return this.carrier.send(sealed);
  }

  close(reason = ''): void {
    if (this.isClosed) return;
    this.sendClose(reason);
    this.finish({ reason: 'local', message: reason });
  }

  private sendClose(reason: string): void {
    let text = Buffer.from(reason, 'utf8');
    if (text.length > MAX_CLOSE_REASON_BYTES) text = text.subarray(0, MAX_CLOSE_REASON_BYTES);
    try {
      this.carrier.send(this.tx.seal(Buffer.concat([Buffer.from([TYPE_CLOSE]), text])));
    } catch {
      // Carrier already gone or nonces exhausted: nothing more to tell the peer.
    }
  }

  private onSealed(sealed: Buffer): void {
    if (this.isClosed) return;
    let plain: Buffer;
    try {
      plain = this.rx.open(sealed);
    } catch (err) {
      if (err instanceof NonceExhausted) this.fail('nonce_exhausted', 'ERR_PROTOCOL', err.message);
      else this.fail('decrypt', 'ERR_PROTOCOL', 'frame failed authentication');
      return;
    }
    const type = plain[0];
    if (type === TYPE_DATA) {
      const body = plain.subarray(1);
      if (body.length > this.maxFrameBytes) {
        this.fail('oversized', 'ERR_PROTOCOL', `frame of ${body.length} bytes exceeds the maximum of ${this.maxFrameBytes}`);
        return;
      }
      this.ctx.counters.framesIn++;
      this.ctx.counters.bytesIn += body.length;
      if (this.listenerCount('frame') > 0 && this.backlog.length === 0) {
        this.emit('frame', body);
      } else {
        this.backlog.push(body);
        this.backlogBytes += body.length;
        if (this.backlogBytes > this.maxFrameBytes) this.carrier.pause();
      }
    } else if (type === TYPE_CLOSE) {
      const text = plain.subarray(1, 1 + MAX_CLOSE_REASON_BYTES).toString('utf8');
      this.finish({ reason: 'remote', message: text });
    } else {
      this.fail('protocol', 'ERR_PROTOCOL', `unknown frame type ${String(type)}`);
    }
  }

  private flushBacklog(): void {
    while (this.backlog.length > 0 && !this.isClosed && this.listenerCount('frame') > 0) {
      const f = this.backlog.shift() as Buffer;
      this.backlogBytes -= f.length;
      this.emit('frame', f);
    }
    if (!this.isClosed && this.listenerCount('frame') > 0) this.carrier.resume();
  }

  /** A peer-caused failure: tell the peer a code word, then close. */
  private fail(reason: CloseReason, code: LagoonErrorCode, message: string): void {
    if (this.isClosed) return;
    if (reason !== 'decrypt' && reason !== 'nonce_exhausted') this.sendClose(reason);
    this.finish({ reason, code, message });
  }

  private finish(info: CloseInfo): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (info.reason === 'oversized') this.ctx.counters.oversizedFrames++;
    this.carrier.close(info);
    this.tx.destroy();
    this.rx.destroy();
    this.ctx.counters.linksClosed[info.reason]++;
    const fields = { peer: this.peerId, kind: this.kind, reason: info.reason, code: info.code, msg: info.message };
    if (info.code !== undefined && info.reason !== 'eof') this.ctx.logger.warn(fields, 'link closed');
    else this.ctx.logger.info(fields, 'link closed');
    this.emit('close', info);
  }
}
