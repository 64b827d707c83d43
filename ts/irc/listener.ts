import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { LagoonError } from '../core/errors.js';
import type { IrcAction, IrcFedOp } from './actions.js';
import type { ClientId } from './client.js';
import { LineFramer } from './framing.js';
import type { IrcMachine } from './machine.js';

export interface ListenerOptions {
  bind: string;
  port: number;
  tlsPort: number | null;
  tls: { cert: string; key: string } | null;
  sendQBytes: number;
  logger: Logger;
  onStateChanged: () => void;
  /** Federation operations (fed-home.ts / fed-host.ts) go to the federation driver. */
  onFederate?: (op: IrcFedOp) => void;
}

export interface DriverCounters { sendQDisconnects: number; bytesIn: number; bytesOut: number; machineErrors: number }

/** Time given to a closed client to take its last lines before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

/**
 * The driver: real sockets and the real clock around an `IrcMachine`.
 * It frames input (framing.ts), feeds the machine, performs its actions in
 * order, enforces the per-client send queue, and keeps exactly one timer
 * armed at `machine.nextTimeout()`.
 */
export class IrcDriver {
  readonly counters: DriverCounters = { sendQDisconnects: 0, bytesIn: 0, bytesOut: 0, machineErrors: 0 };
  private readonly sockets = new Map<ClientId, net.Socket>();
  private readonly servers: net.Server[] = [];
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  private armedAt: number | null = null;
  private readonly sendQVictims: ClientId[] = [];
  /** Lines queued per socket since the last flush; each leaves in one write per loop turn. */
  private readonly pending = new Map<net.Socket, { bufs: Buffer[]; bytes: number }>();
  private flushScheduled = false;
  private readonly t0 = performance.now();
  ports: { plain: number; tls: number | null } = { plain: 0, tls: null };

  constructor(private readonly machine: IrcMachine, private readonly opts: ListenerOptions) {}

  /** Monotonic ms for the machine. */
  now(): number { return performance.now() - this.t0; }

  async listen(): Promise<void> {
    const plain = net.createServer((s) => this.accept(s, false));
    this.ports.plain = await this.bindServer(plain, this.opts.port);
    if (this.opts.tlsPort !== null) {
      if (this.opts.tls === null) throw LagoonError.config('irc tlsPort is set but no tls cert/key was given');
      const secure = tls.createServer({ cert: this.opts.tls.cert, key: this.opts.tls.key }, (s) => this.accept(s, true));
      secure.on('tlsClientError', () => undefined); // a failed handshake is the client's problem
      this.ports.tls = await this.bindServer(secure, this.opts.tlsPort);
    }
  }

  private bindServer(server: net.Server, port: number): Promise<number> {
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new LagoonError('ERR_LISTEN', `irc cannot listen on ${this.opts.bind}:${port}`, { cause: err })));
      // A deep accept backlog absorbs reconnect storms (a restart brings everyone back at once).
      server.listen({ port, host: this.opts.bind, backlog: 1024 }, () => resolve((server.address() as net.AddressInfo).port));
    });
  }

  private accept(sock: net.Socket, secure: boolean): void {
    const id = this.nextId++;
    const framer = new LineFramer();
    sock.setNoDelay(true);
    sock.on('error', () => undefined); // 'close' follows and reports it
    this.sockets.set(id, sock);
    this.opts.logger.debug({ client: id, tls: secure }, 'irc connection');
    this.run(() => this.machine.connect(id, { remoteAddress: sock.remoteAddress ?? 'unknown', tls: secure }, this.now()), id);
    sock.on('data', (chunk: Buffer) => {
      this.counters.bytesIn += chunk.length;
      for (const ev of framer.push(chunk)) {
        if (!this.sockets.has(id)) return;
        const now = this.now();
        if (ev.kind === 'line') this.run(() => this.machine.line(id, ev.line, now), id);
        else this.run(() => this.machine.inputTooLong(id, now), id);
      }
    });
    sock.on('close', () => {
      this.opts.logger.debug({ client: id }, 'irc connection closed');
      if (!this.sockets.delete(id)) return;
      this.run(() => this.machine.disconnected(id, 'Connection closed', this.now()), null);
    });
  }

  /** Call into the machine; a bug there costs one client, never the server. */
  run(call: () => IrcAction[], client: ClientId | null): void {
    let actions: IrcAction[];
    try {
      actions = call();
    } catch (err) {
      this.counters.machineErrors++;
      this.opts.logger.error({ client, err: (err as Error).message }, 'irc machine error');
      if (client === null) return;
      this.sockets.get(client)?.destroy();
      return;
    }
    this.perform(actions);
    while (this.sendQVictims.length > 0) {
      const victim = this.sendQVictims.shift()!;
      this.perform(this.machine.disconnected(victim, 'SendQ exceeded', this.now()));
    }
    this.rearm();
  }

  private perform(actions: IrcAction[]): void {
    for (const a of actions) {
      if (a.kind === 'send') {
        const buf = Buffer.from(`${a.line}\r\n`);
        for (const id of a.to) this.write(id, buf);
      } else if (a.kind === 'close') {
        const sock = this.sockets.get(a.client);
        this.sockets.delete(a.client);
        if (sock !== undefined) this.endGracefully(sock);
      } else if (a.kind === 'pauseInput') {
        this.sockets.get(a.client)?.pause();
      } else if (a.kind === 'resumeInput') {
        this.sockets.get(a.client)?.resume();
      } else if (a.kind === 'federate') {
        this.opts.onFederate?.(a.op);
      } else {
        this.opts.onStateChanged();
      }
    }
  }

  private write(id: ClientId, buf: Buffer): void {
    const sock = this.sockets.get(id);
    if (sock === undefined) return;
    let q = this.pending.get(sock);
    if (sock.writableLength + (q?.bytes ?? 0) + buf.length > this.opts.sendQBytes) {
      this.counters.sendQDisconnects++;
      this.sockets.delete(id);
      this.opts.logger.info({ client: id, queued: sock.writableLength + (q?.bytes ?? 0) }, 'sendq exceeded');
      this.flushOne(sock);
      sock.write(`ERROR :Closing Link: ${sock.remoteAddress ?? 'unknown'} (SendQ exceeded)\r\n`);
      this.endGracefully(sock);
      this.sendQVictims.push(id);
      return;
    }
    this.counters.bytesOut += buf.length;
    if (q === undefined) {
      q = { bufs: [], bytes: 0 };
      this.pending.set(sock, q);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushAll());
      }
    }
    q.bufs.push(buf);
    q.bytes += buf.length;
  }

  /**
   * One input chunk can hold hundreds of lines, and one poll phase can hold
   * hundreds of chunks; writing each relayed line at once costs one syscall
   * per line per recipient. Lines are queued per socket instead and flushed in
   * the check phase (setImmediate), after every ready socket was read: each
   * recipient gets one write per loop turn, as an epoll ircd flushes once per
   * iteration. A plain queue and one write() is cheaper per recipient than
   * cork()/uncork(), which matters when one line goes to thousands of sockets.
   */
  private flushAll(): void {
    this.flushScheduled = false;
    for (const [sock, q] of this.pending) writeQueued(sock, q);
    this.pending.clear();
  }

  private flushOne(sock: net.Socket): void {
    const q = this.pending.get(sock);
    if (q === undefined) return;
    this.pending.delete(sock);
    writeQueued(sock, q);
  }

  private endGracefully(sock: net.Socket): void {
    // Stop reading at once: a client we are closing (often a flooder) must not
    // make us read and frame its input during the grace period.
    sock.pause();
    sock.removeAllListeners('data');
    this.flushOne(sock);
    sock.end();
    setTimeout(() => sock.destroy(), CLOSE_GRACE_MS).unref();
  }

  private rearm(): void {
    const next = this.machine.nextTimeout();
    if (next === this.armedAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedAt = next ?? null;
    if (next === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.armedAt = null;
      this.run(() => this.machine.handleTimeout(this.now()), null);
    }, Math.max(0, Math.ceil(next - this.now())));
    this.timer.unref();
  }

  get connections(): number { return this.sockets.size; }

  /** Stop listening, send ERROR to everyone, wait (bounded) for sockets to close. */
  async close(reason: string): Promise<void> {
    for (const s of this.servers) s.close();
    const socks = [...this.sockets.values()];
    this.run(() => this.machine.shutdown(reason, this.now()), null);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all(socks.map((s) => (s.destroyed ? undefined : new Promise<void>((r) => s.once('close', () => r())))));
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => { if (!s.listening) r(); else s.close(() => r()); })));
  }
}

/** One write for everything queued to a socket this turn (no copy when it is a single line). */
function writeQueued(sock: net.Socket, q: { bufs: Buffer[]; bytes: number }): void {
  sock.write(q.bufs.length === 1 ? q.bufs[0]! : Buffer.concat(q.bufs, q.bytes));
}
