/**
 * WebSocket carrier (`ws`): one binary message = one frame, an empty message
 * = keepalive. Runs as wss when the listener has a certificate. ws enforces
 * `maxPayload` itself (closing with 1009), which we report as `oversized`.
 */
import { WebSocket } from 'ws';
import { CarrierBase, eof, type CarrierOptions } from './carrier-base.js';
import { connectAbortable } from './ws-connect.js';
import type { CloseInfo, LinkKind } from './types.js';

/** Time an orderly close waits for the closing handshake before terminating. */
const LINGER_MS = 2000;
const WS_MESSAGE_TOO_BIG = 1009;

export class WsCarrier extends CarrierBase {
  readonly kind: LinkKind;
  readonly remoteAddress: string;
  private readonly ws: WebSocket;
  private queuedBytes = 0;

  constructor(ws: WebSocket, opts: CarrierOptions & { kind: 'ws' | 'wss'; remoteAddress: string }) {
    super(opts);
    this.ws = ws;
    this.kind = opts.kind;
    this.remoteAddress = opts.remoteAddress;
    ws.binaryType = 'nodebuffer';
    let error: (Error & { code?: string }) | undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.close({ reason: 'protocol', code: 'ERR_PROTOCOL', message: 'text WebSocket message on a mesh link' });
      else this.deliver(data);
    });
    ws.on('error', (err) => { error = err; });
    ws.on('close', (code: number) => {
      if (error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.lost({ reason: 'oversized', code: 'ERR_PROTOCOL', message: `WebSocket message exceeds the maximum of ${this.maxFrameBytes} bytes` });
      } else if (code === WS_MESSAGE_TOO_BIG) {
        this.lost(eof('peer refused a message as too big (1009)'));
      } else {
        this.lost(eof(error ? `connection failed: ${error.message}` : `WebSocket closed (${code})`));
      }
    });
  }

  pause(): void { this.ws.pause(); }
  resume(): void { this.ws.resume(); }

  protected write(frame: Uint8Array): boolean {
    const n = frame.length;
    this.queuedBytes += n;
    this.ws.send(frame, { binary: true }, () => {
      this.queuedBytes -= n;
      if (this.queuedBytes < this.highWaterMarkBytes) this.drained();
    });
    return this.queuedBytes < this.highWaterMarkBytes;
  }

  protected shutdown(info: CloseInfo): void {
    const orderly = info.reason === 'local' || info.reason === 'remote' || info.reason === 'self';
    if (orderly && this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(1000);
      setTimeout(() => this.ws.terminate(), LINGER_MS).unref();
    } else {
      this.ws.terminate();
    }
  }
}

export interface WsDialOptions extends CarrierOptions {
  /** ws:// or wss:// URL. */
  readonly url: string;
  readonly signal: AbortSignal;
  /** CA to verify a wss certificate; without it the certificate is not checked (Noise authenticates the peer). */
  readonly ca?: string;
}

export async function dialWs(opts: WsDialOptions): Promise<WsCarrier> {
  const secure = opts.url.startsWith('wss:');
  const ws = await connectAbortable(opts.url, {
    maxPayload: opts.maxFrameBytes,
    perMessageDeflate: false,
    // Masking protects intermediaries from attacker-chosen plaintext; our
    // payload is Noise ciphertext, so a zero mask (which ws skips on both
    // ends) costs nothing in safety and saves a JS pass over every byte.
    generateMask: (mask: Buffer) => { mask.fill(0); },
    ...(secure ? { ca: opts.ca, rejectUnauthorized: opts.ca !== undefined } : {}),
  }, opts.signal);
  const u = new URL(opts.url);
  return new WsCarrier(ws, { ...opts, kind: secure ? 'wss' : 'ws', remoteAddress: u.host });
}
