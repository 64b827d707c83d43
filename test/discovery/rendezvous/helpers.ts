import { silentLogger } from '../../../ts/core/logger.js';
import { startHttpServer, type HttpServer } from '../../../ts/http/server.js';
import { Rendezvous, type RendezvousOptions } from '../../../ts/discovery/rendezvous/service.js';
import { PresenceStore, type PresenceBackend, type PresenceEvent } from '../../../ts/discovery/rendezvous/presence-store.js';
import { openSse, type SseMessage, type SseStream } from '../../../ts/discovery/rendezvous/sse-reader.js';

export interface RvServer {
  http: HttpServer;
  rv: Rendezvous;
  base: string;
  close(): Promise<void>;
}

export const DEFAULTS = {
  ttlMs: 20_000, keepAliveMs: 15_000, maxSubscribers: 100, maxSubscribersPerIp: 32,
  publishRatePerIp: 1000, publishBurstPerIp: 1000, adminPassword: null, syncPollMs: 25,
} as const;

export async function startRv(overrides: Partial<Omit<RendezvousOptions, 'http' | 'logger'>> = {}, backend?: PresenceBackend): Promise<RvServer> {
  const http = await startHttpServer({ bind: '127.0.0.1', port: 0, logger: silentLogger() });
  const ttlMs = overrides.ttlMs ?? DEFAULTS.ttlMs;
  const rv = new Rendezvous({
    ...DEFAULTS,
    ...overrides,
    http,
    logger: silentLogger(),
    backend: backend ?? overrides.backend ?? new PresenceStore({ ttlMs, maxPeers: 1000, maxSkewMs: 30_000 }),
  });
  return {
    http, rv, base: `http://127.0.0.1:${http.port}`,
    async close() { rv.close(); await http.close(); },
  };
}

/** An SSE subscriber that records every message and lets a test wait for one. */
export class Subscriber {
  readonly messages: SseMessage[] = [];
  private waiters: Array<{ pred: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }> = [];
  stream!: SseStream;
  private readonly ac = new AbortController();

  static async open(base: string, signal: AbortSignal): Promise<Subscriber> {
    const s = new Subscriber();
    signal.addEventListener('abort', () => s.ac.abort(), { once: true });
    s.stream = await openSse(`${base}/events`, s.ac.signal, (m) => s.push(m));
    return s;
  }

  private push(m: SseMessage): void {
    this.messages.push(m);
    this.waiters = this.waiters.filter((w) => { if (w.pred(m)) { w.resolve(m); return false; } return true; });
  }

  /** Resolves with the first message (past or future) matching `pred`; rejects when `signal` aborts. */
  waitFor(pred: (m: SseMessage) => boolean, signal: AbortSignal): Promise<SseMessage> {
    const have = this.messages.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.waiters.push(w);
      signal.addEventListener('abort', () => reject(new Error(`timed out waiting; got ${JSON.stringify(this.messages.map((m) => m.data))}`)), { once: true });
    });
  }

  waitEvent(pred: (ev: PresenceEvent) => boolean, signal: AbortSignal): Promise<PresenceEvent> {
    return this.waitFor((m) => m.event === 'message' && pred(JSON.parse(m.data) as PresenceEvent), signal)
      .then((m) => JSON.parse(m.data) as PresenceEvent);
  }

  events(): PresenceEvent[] {
    return this.messages.filter((m) => m.event === 'message').map((m) => JSON.parse(m.data) as PresenceEvent);
  }

  close(): void {
    this.ac.abort();
  }
}

export function post(base: string, body: unknown, init: { raw?: string; method?: string } = {}): Promise<Response> {
  return fetch(`${base}/publish`, {
    method: init.method ?? 'POST',
    body: init.raw ?? JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
    signal: AbortSignal.timeout(5000),
  });
}
