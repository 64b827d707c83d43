/**
 * The bootstrap registry's HTTP driver (seed 004), on the node's listener:
 *
 *   POST   /api/bootstrap/register    signed; each address is dialled back
 *                                     and listed only if the mesh handshake
 *                                     there proves the registering key
 *   DELETE /api/bootstrap/unregister  signed
 *   GET    /api/bootstrap/discover    ?limit=N (≤ 100): a random sample
 *
 * Why the dial-back rules: a registry that dials whatever it is told could
 * be aimed at strangers. So an address must be an IP literal equal to the
 * address the request came from (no DNS names, no third parties), at most
 * four per request, dial-backs in flight are capped, requests are rate
 * limited per address, and the dial-back is one handshake attempt with a
 * timeout. Only peers that chose to broadcast ever register: nothing else is
 * listed. See docs/registry.md.
 */
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../../core/identity.js';
import type { Logger } from '../../core/logger.js';
import { sendJson, type HttpServer } from '../../http/server.js';
import { Transport } from '../../transport/transport.js';
import { parseAddress } from '../../transport/address.js';
import { readJsonBody } from '../rendezvous/http-util.js';
import { RateLimiter, clientIp } from '../rendezvous/rate-limit.js';
import { parseRequest, type RegistryAction } from './messages.js';
import { BootstrapRegistry, type RegistryLimits } from './registry.js';

/** Resolves when `address` completed the mesh handshake as `peerId`; rejects otherwise. */
export type DialBack = (address: string, peerId: string, signal: AbortSignal) => Promise<void>;

export interface RegistryServiceOptions extends RegistryLimits {
  readonly http: HttpServer;
  readonly logger: Logger;
  readonly dialBack: DialBack;
  readonly dialTimeoutMs: number;
  /** Requests per second per client address (default 2, burst 10). */
  readonly ratePerIp?: number;
  readonly burstPerIp?: number;
  /** Dial-backs in flight at most (default 32); beyond, 503. */
  readonly maxDialsInFlight?: number;
  /** Injected for tests; default Math.random (sampling only, not security). */
  readonly random?: () => number;
}

const DISCOVER_DEFAULT = 20;
const DISCOVER_MAX = 100;

/** The production dial-back: one Noise handshake on the node key, expecting `peerId`, then closed. */
export function transportDialBack(identity: Identity, logger?: Logger): DialBack {
  const transport = new Transport({ identity, ...(logger ? { logger } : {}) });
  return async (address, peerId, signal) => {
    const out = await transport.dial(address, { signal, expectPeerId: peerId });
    if (out.self) throw new Error('address is this registry');
    out.link.close('registry dial-back done');
  };
}

function sameHost(address: string, ip: string): string | null {
  let host: string;
  try {
    const a = parseAddress(address);
    if (a.scheme === 'memory') return 'memory addresses are not dialled';
    host = 'host' in a ? a.host : new URL(a.url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch (err) {
    return (err as Error).message;
  }
  if (isIP(host) === 0) return 'the host must be an IP address';
  if (clientIp(host) !== ip) return `the host must be the address the request came from (${ip})`;
  return null;
}

export class RegistryService {
  readonly table: BootstrapRegistry;
  private readonly limiter: RateLimiter;
  private readonly log: Logger;
  private readonly timer: NodeJS.Timeout;
  private inFlight = 0;
  dialBackFailures = 0;

  constructor(private readonly opts: RegistryServiceOptions) {
    this.table = new BootstrapRegistry(opts);
    this.limiter = new RateLimiter({ perSecond: opts.ratePerIp ?? 2, burst: opts.burstPerIp ?? 10 });
    this.log = opts.logger.child({ name: 'lagoon:registry' });
    this.timer = setInterval(() => this.table.prune(Date.now()), Math.min(60_000, Math.max(100, Math.floor(opts.ttlMs / 4))));
    this.timer.unref();
    opts.http.route('POST', '/api/bootstrap/register', (req, res) => this.handle('register', req, res));
    opts.http.route('DELETE', '/api/bootstrap/unregister', (req, res) => this.handle('unregister', req, res));
    opts.http.route('GET', '/api/bootstrap/discover', (req, res, url) => this.discover(req, res, url));
  }

  close(): void {
    clearInterval(this.timer);
  }

  private limited(req: IncomingMessage, res: ServerResponse): string | null {
    const ip = clientIp(req.socket.remoteAddress);
    if (this.limiter.take(ip, performance.now())) return ip;
    res.setHeader('Retry-After', '1');
    sendJson(res, 429, { error: 'too many registry requests from this address' });
    return null;
  }

  private discover(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (this.limited(req, res) === null) return;
    const raw = url.searchParams.get('limit');
    const limit = raw === null ? DISCOVER_DEFAULT : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > DISCOVER_MAX) return sendJson(res, 400, { error: `limit must be 1..${DISCOVER_MAX}` });
    const peers = this.table.discover(Date.now(), limit, this.opts.random ?? Math.random);
    sendJson(res, 200, { peers });
  }

  private async handle(action: RegistryAction, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ip = this.limited(req, res);
    if (ip === null) return;
    const body = await readJsonBody(req, 8 * 1024);
    if (!body.ok) return sendJson(res, body.status, { error: body.reason });
    const parsed = parseRequest(action, body.value);
    if (!parsed.ok) return sendJson(res, 400, { error: parsed.reason });
    const r = parsed.req;
    const admitted = this.table.admit(r, Date.now());
    if (!admitted.ok) {
      this.log.debug({ client: ip, peer: r.peerId, reason: admitted.reason }, `${action} refused`);
      return sendJson(res, admitted.status, { error: admitted.reason });
    }
    if (action === 'unregister') {
      const had = this.table.unregister(r.peerId);
      this.log.info({ peer: r.peerId, client: ip }, 'unregistered');
      return sendJson(res, 200, { removed: had });
    }
    const refused: Array<{ address: string; reason: string }> = [];
    const candidates: string[] = [];
    for (const a of new Set(r.addrs)) {
      const why = sameHost(a, ip);
      if (why === null) candidates.push(a); else refused.push({ address: a, reason: why });
    }
    if (this.inFlight + candidates.length > (this.opts.maxDialsInFlight ?? 32)) {
      res.setHeader('Retry-After', '5');
      return sendJson(res, 503, { error: 'too many dial-backs in progress' });
    }
    this.inFlight += candidates.length;
    const results = await Promise.allSettled(candidates.map((a) => this.opts.dialBack(a, r.peerId, AbortSignal.timeout(this.opts.dialTimeoutMs))))
      .finally(() => { this.inFlight -= candidates.length; });
    const listed: string[] = [];
    results.forEach((out, i) => {
      if (out.status === 'fulfilled') listed.push(candidates[i]!);
      else {
        this.dialBackFailures++;
        refused.push({ address: candidates[i]!, reason: `dial-back failed: ${(out.reason as Error).message}` });
      }
    });
    if (listed.length === 0) {
      this.log.info({ peer: r.peerId, client: ip, refused: refused.length }, 'registration refused: no address passed the dial-back');
      return sendJson(res, 422, { error: 'no address answered the dial-back as this peer', refused });
    }
    const entry = this.table.list(r.peerId, listed, Date.now());
    this.log.info({ peer: r.peerId, client: ip, addrs: listed.length }, 'registered');
    const peers = this.table.discover(Date.now(), DISCOVER_DEFAULT, this.opts.random ?? Math.random, r.peerId);
    sendJson(res, 200, { listed, refused, expiresAt: entry.expiresAt, peers });
  }
}
