/**
 * What every carrier shares: exactly-once close, back-pressure bookkeeping,
 * pause/resume of delivery while nobody listens yet.
 */
import { EventEmitter } from 'node:events';
import { LagoonError } from '../core/errors.js';
import type { Carrier, CarrierEvents, CloseInfo, LinkKind } from './types.js';

export interface CarrierOptions {
  /** Largest frame accepted from the peer (bytes on this carrier, i.e. sealed size). */
  readonly maxFrameBytes: number;
  /** Queued bytes above which send() returns false. */
  readonly highWaterMarkBytes: number;
}

export abstract class CarrierBase extends EventEmitter<CarrierEvents> implements Carrier {
  abstract readonly kind: LinkKind;
  abstract readonly remoteAddress: string;
  readonly maxFrameBytes: number;
  protected readonly highWaterMarkBytes: number;
  protected needDrain = false;
  private isClosed = false;

  constructor(opts: CarrierOptions) {
    super();
    this.maxFrameBytes = opts.maxFrameBytes;
    this.highWaterMarkBytes = opts.highWaterMarkBytes;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(frame: Uint8Array): boolean {
    if (this.isClosed) throw new LagoonError('ERR_CLOSED', `${this.kind} carrier to ${this.remoteAddress} is closed`);
    const ok = this.write(frame);
    if (!ok) this.needDrain = true;
    return ok;
  }

  sendKeepalive(): void {
    if (!this.isClosed) this.write(new Uint8Array(0));
  }

  close(info: CloseInfo): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.shutdown(info);
    this.emit('close', info);
  }

  /** Stop delivering frames until resume(); already decoded ones may still arrive. */
  abstract pause(): void;
  abstract resume(): void;

  /** Queue bytes; returns false above the high-water mark. */
  protected abstract write(frame: Uint8Array): boolean;
  /** Release the underlying resource (flushing queued frames when orderly). */
  protected abstract shutdown(info: CloseInfo): void;

  /** Called by subclasses when their queue fell below the mark. */
  protected drained(): void {
    if (this.needDrain && !this.isClosed) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  /** Called by subclasses when the underlying resource went away or failed. */
  protected lost(info: CloseInfo): void {
    this.close(info);
  }

  protected deliver(frame: Buffer): void {
    if (this.isClosed) return;
    if (frame.length === 0) {
      this.emit('keepalive');
      return;
    }
    if (frame.length > this.maxFrameBytes) {
      this.close(oversized(frame.length, this.maxFrameBytes));
      return;
    }
    this.emit('frame', frame);
  }
}

export function oversized(length: number, max: number): CloseInfo {
  return { reason: 'oversized', code: 'ERR_PROTOCOL', message: `frame of ${length} bytes exceeds the maximum of ${max}` };
}

export function eof(message = 'connection closed by peer'): CloseInfo {
  return { reason: 'eof', code: 'ERR_CLOSED', message };
}
