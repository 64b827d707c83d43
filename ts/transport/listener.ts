/**
 * One listener on the mesh port. It reads the first bytes of each connection
 * (bounded: SNIFF_BYTES bytes within sniffTimeoutMs) and hands the socket on:
 *   `LGN1`        raw TCP mesh framing (tcp.ts); the magic is consumed
 *   `GET `        HTTP → WebSocket upgrade on the configured path (ws.ts)
 *   0x16 0x03     TLS ClientHello, when a certificate is configured; the
 *                 decrypted stream is sniffed again (LGN1 or GET inside)
 *   anything else closed (later: switchboard peer_request, Yggdrasil)
 * The result is an unauthenticated carrier; the transport runs the handshake.
 */
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import { WebSocketServer } from 'ws';
import type { Logger } from '../core/logger.js';
import { LagoonError } from '../core/errors.js';
import { SNIFF_BYTES, WS_PATH } from './constants.js';
import { classify } from './sniff.js';
import { replayDuplex } from './replay-duplex.js';
import { TcpCarrier } from './tcp.js';
import { WsCarrier } from './ws.js';
import type { CarrierBase, CarrierOptions } from './carrier-base.js';
import type { TransportCounters } from './counters.js';

export interface ListenerOptions extends CarrierOptions {
  readonly host: string;
  readonly port: number;
  readonly sniffTimeoutMs: number;
  /** PEM certificate and key: enables TLS (and so wss) on the same port. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly wsPath?: string;
  readonly counters: TransportCounters;
  readonly logger: Logger;
  readonly onCarrier: (carrier: CarrierBase) => void;
}

export class MeshListener {
  private readonly server: net.Server;
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly tlsServer: tls.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly opts: ListenerOptions;

  private constructor(opts: ListenerOptions) {
    this.opts = opts;
    if (opts.tls !== undefined) {
      this.tlsServer = tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.3', handshakeTimeout: opts.sniffTimeoutMs });
      this.tlsServer.on('secureConnection', (secure: tls.TLSSocket) => {
        secure.on('error', () => undefined); // reported through 'close'
        void this.route(secure, true);
      });
      this.tlsServer.on('tlsClientError', (_err, secure: tls.TLSSocket) => secure.destroy());
    }
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes, perMessageDeflate: false });
    this.http = http.createServer({ maxHeaderSize: 8192, requestTimeout: opts.sniffTimeoutMs, headersTimeout: opts.sniffTimeoutMs });
    this.http.on('request', (_req, res) => { res.writeHead(426, { connection: 'close' }).end('upgrade required\n'); });
    this.http.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_err, socket: net.Socket) => socket.destroy());
    this.server = net.createServer({ pauseOnConnect: false }, (socket) => this.onSocket(socket));
  }

  static async listen(opts: ListenerOptions): Promise<MeshListener> {
    const l = new MeshListener(opts);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new LagoonError('ERR_LISTEN', `mesh port ${opts.host}:${opts.port}: ${err.message}`, { cause: err }));
      l.server.once('error', onError);
      l.server.listen(opts.port, opts.host, () => { l.server.removeListener('error', onError); resolve(); });
    });
    l.server.on('error', (err) => opts.logger.error({ code: (err as NodeJS.ErrnoException).code }, 'mesh listener error'));
    return l;
  }

  address(): { host: string; port: number } {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSocket(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true); // set on the raw socket: TLS over the replay duplex cannot reach it
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined); // reported through 'close'; never crash the node
    void this.route(socket, false);
  }

  private async route(socket: net.Socket, insideTls: boolean): Promise<void> {
    const { counters, logger } = this.opts;
    const head = await sniff(socket, this.opts.sniffTimeoutMs, this.tlsServer !== undefined && !insideTls);
    const verdict = head === null ? 'timeout' : classify(head, { allowTls: this.tlsServer !== undefined && !insideTls });
    if (verdict === 'timeout' || verdict === 'reject' || verdict === 'more') {
      counters.sniffed[verdict === 'timeout' ? 'timeout' : 'rejected']++;
      logger.info({ addr: `${socket.remoteAddress}:${socket.remotePort}`, reason: verdict === 'timeout' ? 'sniff_timeout' : 'unknown_preamble' }, 'mesh connection rejected');
      socket.destroy();
      return;
    }
    counters.sniffed[verdict]++;
    if (verdict === 'tcp') {
      socket.unshift(head!.subarray(SNIFF_BYTES));
      this.opts.onCarrier(new TcpCarrier(socket, this.opts));
      socket.resume();
    } else if (verdict === 'ws') {
      socket.unshift(head!);
      this.http.emit('connection', socket);
      socket.resume();
    } else {
      // Through a tls.Server so that errors after the handshake are emitted
      // (a bare server-side TLSSocket swallows them) and handshakes time out.
      this.tlsServer!.emit('connection', replayDuplex(socket, head!));
    }
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== (this.opts.wsPath ?? WS_PATH)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const secure = socket instanceof tls.TLSSocket;
    const remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.opts.onCarrier(new WsCarrier(ws, { ...this.opts, kind: secure ? 'wss' : 'ws', remoteAddress }));
    });
  }
}

/** Read until SNIFF_BYTES bytes (or a decisive prefix) arrive; null on timeout or close. Leaves the socket paused. */
function sniff(socket: net.Socket, timeoutMs: number, allowTls: boolean): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    const done = (value: Buffer | null): void => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const v = classify(head, { allowTls });
      if (v !== 'more' || head.length >= SNIFF_BYTES) done(head);
    };
    const onClose = (): void => done(null);
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
