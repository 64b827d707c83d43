/**
 * Raw TCP (or TLS) carrier: `u32 BE length || frame`, 0 = keepalive.
 * A dialler first sends the 4-byte magic `LGN1` so the shared mesh port can
 * tell it from HTTP and TLS (see listener.ts).
 */
import net from 'node:net';
import tls from 'node:tls';
import { FrameDecoder, encodeHeader } from './framing.js';
import { CarrierBase, eof, oversized, type CarrierOptions } from './carrier-base.js';
import { TCP_MAGIC } from './constants.js';
import type { CloseInfo, LinkKind } from './types.js';
import { connectWithSignal } from './connect.js';

/** Time an orderly close waits for the peer's FIN before destroying the socket. */
const LINGER_MS = 2000;

export class TcpCarrier extends CarrierBase {
  readonly kind: LinkKind = 'tcp';
  readonly remoteAddress: string;
  private readonly socket: net.Socket;
  private readonly decoder: FrameDecoder;

  constructor(socket: net.Socket, opts: CarrierOptions) {
    super(opts);
    this.socket = socket;
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.decoder = new FrameDecoder(opts.maxFrameBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.drained());
    let error: Error | undefined;
    // TLS errors after the handshake (bad record MAC) do not destroy the socket by themselves.
    socket.on('error', (err) => { error = err; socket.destroy(); });
    socket.on('end', () => this.lost(eof()));
    socket.on('close', () => this.lost(eof(error ? `connection failed: ${error.message}` : undefined)));
  }

  pause(): void { this.socket.pause(); }
  resume(): void { this.socket.resume(); }

  private onData(chunk: Buffer): void {
    for (const item of this.decoder.push(chunk)) {
      if (this.closed) return;
      if (item.type === 'frame') this.deliver(item.frame);
      else if (item.type === 'keepalive') this.emit('keepalive');
      else this.close(oversized(item.length, this.maxFrameBytes));
    }
  }

  protected write(frame: Uint8Array): boolean {
    this.socket.cork();
    this.socket.write(encodeHeader(frame.length));
    if (frame.length > 0) this.socket.write(frame);
    this.socket.uncork();
    return this.socket.writableLength < this.highWaterMarkBytes;
  }

  protected shutdown(info: CloseInfo): void {
    if (info.reason === 'local' || info.reason === 'remote' || info.reason === 'self') {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    } else {
      this.socket.destroy();
    }
  }
}

export interface TcpDialOptions extends CarrierOptions {
  readonly host: string;
  readonly port: number;
  readonly signal: AbortSignal;
  /** Wrap in TLS first (certificate not verified unless `ca` is given: the Noise handshake authenticates the peer). */
  readonly tls?: { readonly ca?: string; readonly servername?: string };
}

/** Connect, send the magic, and return the carrier (not yet authenticated). */
export async function dialTcp(opts: TcpDialOptions): Promise<TcpCarrier> {
  const socket = await connectWithSignal(() => opts.tls
    ? tls.connect({ host: opts.host, port: opts.port, ca: opts.tls.ca, rejectUnauthorized: opts.tls.ca !== undefined, servername: opts.tls.servername ?? (net.isIP(opts.host) ? undefined : opts.host) })
    : net.connect({ host: opts.host, port: opts.port }), opts.tls ? 'secureConnect' : 'connect', opts.signal);
  socket.write(TCP_MAGIC);
  return new TcpCarrier(socket, opts);
}
