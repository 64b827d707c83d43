/**
 * The mDNS driver: one multicast-dns socket on one interface, the clock and
 * the timer for MdnsMachine, and found addresses handed to the mesh
 * (`addEntryPoint`, dialled and redialled like LAGOON_PEERS). The mesh's
 * handshake authenticates whoever answers; mDNS only says where to knock.
 *
 * Linux needs the socket bound to 0.0.0.0 with the interface address for
 * membership and IP_MULTICAST_IF (LAB-NOTES), which is what we pass.
 */
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import makeMdns from 'multicast-dns';
import type { Packet } from 'dns-packet';
import { silentLogger, type Logger } from '../../core/logger.js';
import { MdnsMachine, type MdnsAction, type MdnsConfig, type MdnsCounters } from './machine.js';

export interface MdnsServiceOptions {
  readonly peerId: string;
  /** Mesh port to announce. */
  readonly meshPort: number;
  /** The mesh's bind address: we announce only when the mesh listens on the mDNS interface. */
  readonly bind: string;
  /** IPv4 of the interface (LAGOON_MDNS_INTERFACE); default: see `pickInterface`. */
  readonly interface: string | null;
  /** Where found addresses go (MeshService.addEntryPoint). */
  readonly onFound: (address: string, peerId: string) => void;
  readonly logger?: Logger;
  readonly config?: Partial<MdnsConfig>;
  /** UDP port; 5353 except in tests that want their own group port. */
  readonly port?: number;
}

export interface MdnsStatus {
  readonly interface: string;
  readonly announcing: boolean;
  readonly counters: MdnsCounters & { errors: number };
}

/** The configured address; else a specific IPv4 bind; else the first non-internal IPv4 interface; else null. */
export function pickInterface(configured: string | null, bind: string, interfaces = networkInterfaces()): string | null {
  if (configured !== null) return configured;
  if (isIP(bind) === 4 && bind !== '0.0.0.0' && !bind.startsWith('127.')) return bind;
  for (const list of Object.values(interfaces)) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

export class MdnsService {
  readonly machine: MdnsMachine;
  readonly iface: string;
  private readonly log: Logger;
  private readonly socket: ReturnType<typeof makeMdns>;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private errors = 0;

  private constructor(private readonly opts: MdnsServiceOptions, iface: string) {
    this.iface = iface;
    this.log = (opts.logger ?? silentLogger()).child({ name: 'lagoon:mdns' });
    // Announce only if a peer could reach the mesh at this address.
    const reachable = opts.bind === '0.0.0.0' || opts.bind === '::' || opts.bind === iface;
    this.machine = new MdnsMachine({ peerId: opts.peerId, port: opts.meshPort, host: reachable ? iface : null }, opts.config);
    if (!reachable) this.log.warn({ iface, bind: opts.bind }, 'mDNS: the mesh does not listen on this interface (set LAGOON_BIND=0.0.0.0); finding others only, not announcing');
    this.socket = makeMdns({ interface: iface, bind: '0.0.0.0', ...(opts.port !== undefined ? { port: opts.port } : {}) });
  }

  /** Open the socket and start announcing/querying. Null (logged) when there is no usable interface. */
  static async start(opts: MdnsServiceOptions): Promise<MdnsService | null> {
    const log = (opts.logger ?? silentLogger()).child({ name: 'lagoon:mdns' });
    const iface = pickInterface(opts.interface, opts.bind);
    if (iface === null) {
      log.warn('mDNS: no IPv4 interface besides loopback; LAN discovery is off');
      return null;
    }
    const s = new MdnsService(opts, iface);
    await s.ready();
    return s;
  }

  private ready(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => { this.socket.off('ready', onReady); reject(err); };
      const onReady = (): void => {
        this.socket.off('error', onError);
        this.socket.on('error', (err: Error) => { this.errors++; this.log.warn({ err: err.message }, 'mDNS socket error'); });
        this.socket.on('warning', (err: Error) => { this.errors++; this.log.debug({ err: err.message }, 'mDNS warning'); });
        this.socket.on('packet', (p: Packet, rinfo: { address: string }) => this.apply(this.machine.handlePacket(p, rinfo.address, Date.now())));
        this.log.info({ iface: this.iface, announcing: this.machine.announcing, port: this.opts.meshPort }, 'mDNS started');
        this.apply(this.machine.start(Date.now()));
        resolve();
      };
      this.socket.once('error', onError);
      this.socket.once('ready', onReady);
    });
  }

  status(): MdnsStatus {
    return { interface: this.iface, announcing: this.machine.announcing, counters: { ...this.machine.counters, errors: this.errors } };
  }

  private apply(actions: MdnsAction[]): void {
    if (this.closed) return;
    for (const a of actions) {
      if (a.type === 'send') {
        this.send(a.packet, (err) => { if (err) { this.errors++; this.log.debug({ err: err.message }, 'mDNS send failed'); } });
      } else {
        this.log.info({ peer: a.peerId, addr: a.address }, 'mDNS found a peer');
        this.opts.onFound(a.address, a.peerId);
      }
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.machine.nextTimeout();
    if (at !== undefined) this.timer = setTimeout(() => { this.timer = undefined; this.apply(this.machine.handleTimeout(Date.now())); }, Math.max(0, at - Date.now()));
  }

  private send(p: Packet, cb: (err: Error | null) => void): void {
    if (p.type === 'query') this.socket.query({ questions: p.questions ?? [] }, cb);
    else this.socket.respond({ answers: p.answers ?? [] }, cb);
  }

  /** Send the goodbye, close the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    const bye = this.machine.stop();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.closed = true;
    for (const a of bye) {
      if (a.type === 'send') await new Promise<void>((r) => this.send(a.packet, () => r()));
    }
    await new Promise<void>((r) => this.socket.destroy(() => r()));
  }
}
