/**
 * The rendezvous server (seed 001) on the node's HTTP listener: the driver
 * around a PresenceBackend (memory, or SQLite shared by instances). It owns
 * the clock and the timers (prune, and the poll of a shared backend) and
 * the HTTP side; the store decides. See docs/rendezvous.md.
 *
 *   POST /publish   presence message → 204 | 400 | 403 | 409 | 413 | 429
 *   GET  /events    SSE: comment, snapshot, `ready`, then every change | 429
 *   GET  /          live HTML dashboard
 *   GET  /admin     HTTP Basic: 403 with no password configured, 401 wrong
 * (Other methods on these paths get 405 from the router.)
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import { counterFrom, gaugeFrom, type Registry } from '../../core/metrics.js';
import { sendJson, sendText, type HttpServer } from '../../http/server.js';
import { parsePresence, verifyPresence } from '../presence.js';
import type { PresenceBackend, PresenceEvent } from './presence-store.js';
import { SseHub } from './sse-hub.js';
import { RateLimiter, clientIp } from './rate-limit.js';
import { LogRing } from './log-ring.js';
import { adminHtml, dashboardHtml } from './pages.js';
import { basicAuth, readJsonBody } from './http-util.js';

export interface RendezvousOptions {
  readonly http: HttpServer;
  readonly backend: PresenceBackend;
  readonly logger: Logger;
  readonly ttlMs: number;
  readonly keepAliveMs: number;
  readonly maxSubscribers: number;
  readonly maxSubscribersPerIp: number;
  readonly publishRatePerIp: number;
  readonly publishBurstPerIp: number;
  readonly adminPassword: string | null;
  /** Poll interval of a shared backend, ms. */
  readonly syncPollMs: number;
  /** Prune interval; default ttl/4 within 25 ms … 5 s (seed 001 prunes every 5 s at the 20 s TTL). */
  readonly pruneIntervalMs?: number;
  /** Largest presence body, bytes. Default 16 KiB (the field limits fit in under 8 KiB). */
  readonly maxBodyBytes?: number;
  readonly registry?: Registry;
  /** Mesh links for /admin (absent in rendezvous-only mode). */
  readonly meshLinks?: () => ReadonlyArray<{ peerId: string; remoteAddress: string; direction: string }>;
}

export interface RendezvousCounters {
  published: number;
  badRequests: number;
  refused: number;
  rateLimited: number;
  pruned: number;
  remoteEvents: number;
}

export interface RendezvousEvents {
  /** Every event broadcast to subscribers (local and, when shared, from other instances). */
  event: [ev: PresenceEvent];
}

export class Rendezvous extends EventEmitter<RendezvousEvents> {
  readonly counters: RendezvousCounters = { published: 0, badRequests: 0, refused: 0, rateLimited: 0, pruned: 0, remoteEvents: 0 };
  readonly hub: SseHub;
  readonly logs: LogRing;
  private readonly limiter: RateLimiter;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(private readonly opts: RendezvousOptions) {
    super();
    this.logs = new LogRing(opts.logger.child({ name: 'lagoon:rendezvous' }));
    this.hub = new SseHub({ maxSubscribers: opts.maxSubscribers, maxPerIp: opts.maxSubscribersPerIp, keepAliveMs: opts.keepAliveMs });
    this.limiter = new RateLimiter({ perSecond: opts.publishRatePerIp, burst: opts.publishBurstPerIp });
    const prune = opts.pruneIntervalMs ?? Math.min(5000, Math.max(25, Math.floor(opts.ttlMs / 4)));
    this.timers.push(setInterval(() => this.prune(), prune));
    if (opts.backend.shared) this.timers.push(setInterval(() => this.pollShared(), opts.syncPollMs));
    for (const t of this.timers) t.unref();
    this.routes();
    if (opts.registry) this.metrics(opts.registry);
  }

  get backend(): PresenceBackend {
    return this.opts.backend;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.hub.close();
    this.opts.backend.close();
  }

  private broadcast(ev: PresenceEvent): void {
    this.hub.broadcast(ev);
    this.emit('event', ev);
  }

  /** Timer callbacks: a failing backend (e.g. SQLite busy beyond its timeout) is logged, never thrown out of a timer. */
  private guarded(what: string, fn: () => void): void {
    if (this.closed) return;
    try {
      fn();
    } catch (err) {
      this.logs.note('warn', { err: (err as Error).message }, `${what} failed`);
    }
  }

  private prune(): void {
    this.guarded('prune', () => this.pruneNow());
  }

  private pruneNow(): void {
    const gone = this.opts.backend.prune(Date.now());
    for (const ev of gone) {
      this.counters.pruned++;
      this.logs.note('info', { peer: ev.peerId }, 'peer timed out');
      this.broadcast(ev);
    }
  }

  private pollShared(): void {
    this.guarded('shared poll', () => {
      for (const ev of this.opts.backend.poll()) {
        this.counters.remoteEvents++;
        this.broadcast(ev);
      }
    });
  }

  private refuse(res: ServerResponse, status: number, reason: string, ip: string): void {
    if (status === 400 || status === 413) this.counters.badRequests++;
    else this.counters.refused++;
    this.logs.note('debug', { client: ip, status, reason }, 'publish refused');
    sendJson(res, status, { error: reason });
  }

  private async publish(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ip = clientIp(req.socket.remoteAddress);
    if (!this.limiter.take(ip, performance.now())) {
      this.counters.rateLimited++;
      res.setHeader('Retry-After', '1');
      return sendJson(res, 429, { error: 'too many publishes from this address' });
    }
    const body = await readJsonBody(req, this.opts.maxBodyBytes ?? 16 * 1024);
    if (!body.ok) return this.refuse(res, body.status, body.reason, ip);
    const parsed = parsePresence(body.value);
    if (!parsed.ok) return this.refuse(res, 400, parsed.reason, ip);
    const verdict = verifyPresence(parsed.msg);
    const result = this.opts.backend.publish(parsed.msg, verdict, Date.now());
    if (!result.ok) return this.refuse(res, result.status, result.reason, ip);
    this.counters.published++;
    for (const ev of result.events) {
      if (ev.type !== 'update') this.logs.note('info', { peer: ev.peerId, client: ip, verified: ev.verified }, `peer ${ev.type}`);
      this.broadcast(ev);
    }
    res.writeHead(204).end();
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'HEAD') return void res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' }).end();
    const ip = clientIp(req.socket.remoteAddress);
    const admitted = this.hub.admit(ip);
    if (admitted !== 'ok') {
      res.setHeader('Retry-After', '5');
      return sendJson(res, 429, { error: admitted === 'ip' ? 'too many event streams from this address' : 'too many event streams' });
    }
    this.hub.subscribe(req, res, ip, this.opts.backend.snapshot(), Date.now());
  }

  private admin(req: IncomingMessage, res: ServerResponse): void {
    if (this.opts.adminPassword === null) return sendText(res, 403, 'admin is disabled: set LAGOON_ADMIN_PASSWORD\n');
    if (!basicAuth(req.headers.authorization, this.opts.adminPassword)) {
      this.logs.note('warn', { client: clientIp(req.socket.remoteAddress) }, 'admin login refused');
      res.setHeader('WWW-Authenticate', 'Basic realm="lagoon admin", charset="UTF-8"');
      return sendText(res, 401, 'unauthorized\n');
    }
    sendText(res, 200, adminHtml({
      peers: this.opts.backend.snapshot(),
      subscribers: this.hub.size,
      connections: this.hub.connections(),
      meshLinks: this.opts.meshLinks?.() ?? [],
      logs: this.logs.recent(),
      nowMs: Date.now(),
    }), 'text/html; charset=utf-8');
  }

  private routes(): void {
    const { http } = this.opts;
    http.route('POST', '/publish', (req, res) => this.publish(req, res));
    http.route('GET', '/events', (req, res) => this.events(req, res));
    const page = dashboardHtml();
    http.route('GET', '/', (_req, res) => sendText(res, 200, page, 'text/html; charset=utf-8'));
    http.route('GET', '/admin', (req, res) => this.admin(req, res));
  }

  private metrics(r: Registry): void {
    gaugeFrom(r, 'lagoon_rendezvous_peers', 'Peers online at this rendezvous.', () => this.opts.backend.size());
    gaugeFrom(r, 'lagoon_rendezvous_subscribers', 'Open /events streams.', () => this.hub.size);
    counterFrom(r, 'lagoon_rendezvous_published_total', 'Presence messages accepted.', () => this.counters.published);
    counterFrom(r, 'lagoon_rendezvous_bad_requests_total', 'Publishes refused as malformed (400/413).', () => this.counters.badRequests);
    counterFrom(r, 'lagoon_rendezvous_refused_total', 'Publishes refused as forged, stale or replayed (403/409).', () => this.counters.refused);
    counterFrom(r, 'lagoon_rendezvous_rate_limited_total', 'Publishes refused by the per-address rate limit (429).', () => this.counters.rateLimited);
    counterFrom(r, 'lagoon_rendezvous_pruned_total', 'Peers removed after the TTL.', () => this.counters.pruned);
    counterFrom(r, 'lagoon_rendezvous_sse_refused_total', 'Event streams refused by subscriber limits (429).',
      () => this.hub.counters.refusedIpLimit + this.hub.counters.refusedTotalLimit);
    counterFrom(r, 'lagoon_rendezvous_sse_slow_dropped_total', 'Event streams dropped for leaving too much unread.', () => this.hub.counters.slowDropped);
  }
}
