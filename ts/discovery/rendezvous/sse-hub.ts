/**
 * The `/events` subscribers: Server-Sent Events responses held open, each
 * starting with a comment line (so proxies and clients see bytes at once),
 * then the snapshot of peers online (one `data:` message per peer, as live
 * events look), then `event: ready` with the snapshot size, then every change.
 *
 * An event is serialised once and the same buffer written to every
 * subscriber. A subscriber that leaves more than `maxBufferedBytes` unread is
 * disconnected (it reconnects and gets a fresh snapshot) instead of growing
 * the server's memory. One keep-alive timer serves all subscribers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PresenceEvent, PresenceRecord } from './presence-store.js';
import { eventOf } from './presence-store.js';

export interface SseHubOptions {
  readonly maxSubscribers: number;
  readonly maxPerIp: number;
  readonly keepAliveMs: number;
  /** Unread bytes a subscriber may leave queued before it is dropped. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
}

export interface SseConnection {
  readonly ip: string;
  /** Unix ms when it subscribed. */
  readonly sinceMs: number;
  readonly bufferedBytes: number;
}

export interface SseCounters {
  subscribed: number;
  refusedTotalLimit: number;
  refusedIpLimit: number;
  slowDropped: number;
  eventsSent: number;
}

interface Subscriber {
  readonly res: ServerResponse;
  readonly ip: string;
  readonly sinceMs: number;
}

const HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  // nginx and friends buffer responses by default, which would hold events back.
  'X-Accel-Buffering': 'no',
};

export function sseData(ev: PresenceEvent): string {
  return `data: ${JSON.stringify(ev)}\n\n`;
}

export class SseHub {
  readonly counters: SseCounters = { subscribed: 0, refusedTotalLimit: 0, refusedIpLimit: 0, slowDropped: 0, eventsSent: 0 };
  private readonly subs = new Set<Subscriber>();
  private readonly perIp = new Map<string, number>();
  private readonly maxBuffered: number;
  private readonly keepAlive: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: SseHubOptions) {
    this.maxBuffered = opts.maxBufferedBytes ?? 1 << 20;
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), opts.keepAliveMs);
    this.keepAlive.unref();
  }

  get size(): number {
    return this.subs.size;
  }

  /** Admits or refuses (the caller answers 429 with the reason). */
  admit(ip: string): 'ok' | 'total' | 'ip' {
    if (this.closed || this.subs.size >= this.opts.maxSubscribers) { this.counters.refusedTotalLimit++; return 'total'; }
    if ((this.perIp.get(ip) ?? 0) >= this.opts.maxPerIp) { this.counters.refusedIpLimit++; return 'ip'; }
    return 'ok';
  }

  /** Start the stream on an admitted request. */
  subscribe(req: IncomingMessage, res: ServerResponse, ip: string, snapshot: readonly PresenceRecord[], nowMs: number): void {
    const sub: Subscriber = { res, ip, sinceMs: nowMs };
    this.subs.add(sub);
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.counters.subscribed++;
    const drop = (): void => {
      if (!this.subs.delete(sub)) return;
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip); else this.perIp.set(ip, n);
    };
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true, 60_000);
    res.on('close', drop);
    res.writeHead(200, HEADERS);
    let first = ': lagoon rendezvous\nretry: 2000\n\n';
    for (const r of snapshot) first += sseData(eventOf('online', r));
    first += `event: ready\ndata: ${JSON.stringify({ peers: snapshot.length })}\n\n`;
    res.write(first);
  }

  broadcast(ev: PresenceEvent): void {
    this.write(sseData(ev));
    this.counters.eventsSent++;
  }

  connections(limit = 500): SseConnection[] {
    const out: SseConnection[] = [];
    for (const s of this.subs) {
      if (out.length >= limit) break;
      out.push({ ip: s.ip, sinceMs: s.sinceMs, bufferedBytes: s.res.writableLength });
    }
    return out;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.keepAlive);
    for (const s of [...this.subs]) s.res.end();
    this.subs.clear();
    this.perIp.clear();
  }

  private write(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    for (const s of this.subs) {
      if (s.res.writableLength > this.maxBuffered) {
        this.counters.slowDropped++;
        s.res.destroy();
        continue;
      }
      s.res.write(buf);
    }
  }
}
