/**
 * The node's side of rendezvous (seed 001, "Multiple rendezvous servers"):
 * publish this node's signed presence to every configured server (a local
 * and a WAN one) with heartbeats, follow each server's `/events`, and merge
 * the lists: one entry per peerId, the newest `ts` wins across servers, and
 * an `offline` newer than every server's `online` removes the peer.
 *
 * Each server has its own view (reset when its stream reconnects, since the
 * new stream starts with a full snapshot). Views are bounded (`maxPeers`;
 * tombstones of departed peers are dropped oldest first). Reconnects and
 * failed publishes back off (1 s doubling to 30 s by default).
 *
 * Events: 'online' / 'offline' (the merged view changed for a peer),
 * 'ready' (a server's snapshot arrived), 'failure' (a publish or stream
 * failed; also logged and counted in `counters`). Nothing is thrown at the
 * node, and no 'error' event is ever emitted.
 */
import { EventEmitter } from 'node:events';
import type { Identity } from '../../core/identity.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { signPresence, type PresenceType } from '../presence.js';
import type { PresenceEvent } from './presence-store.js';
import { openSse, type SseMessage } from './sse-reader.js';

export interface RendezvousClientOptions {
  readonly identity: Identity;
  /** Server base URLs (local and/or WAN), e.g. `http://127.0.0.1:8787`. */
  readonly urls: readonly string[];
  readonly heartbeatMs: number;
  readonly content: string;
  readonly email?: string;
  readonly avatarHash?: string;
  /** Our mesh addresses, published only when the node broadcasts (LAGOON_BROADCAST); read at every heartbeat. */
  readonly addrs?: () => readonly string[];
  readonly logger?: Logger;
  /** Per-server view bound. Default 10,000. */
  readonly maxPeers?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

export interface ClientCounters {
  published: number;
  publishFailures: number;
  streamsOpened: number;
  streamFailures: number;
  badEvents: number;
}

interface Entry { readonly ev: PresenceEvent; readonly online: boolean }

interface Source {
  readonly url: string;
  readonly view: Map<string, Entry>;
  ready: boolean;
  /** Peers in the current stream's snapshot (until `ready`). */
  seen: Set<string>;
  streamFailures: number;
}

export interface RendezvousClientEvents {
  online: [peer: PresenceEvent];
  offline: [peerId: string];
  ready: [url: string];
  /** A publish or a stream failed (already logged and counted); retried with backoff. */
  failure: [url: string, what: 'publish' | 'stream', message: string];
}

export class RendezvousClient extends EventEmitter<RendezvousClientEvents> {
  readonly counters: ClientCounters = { published: 0, publishFailures: 0, streamsOpened: 0, streamFailures: 0, badEvents: 0 };
  private readonly sources: Source[];
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private readonly maxPeers: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastTs = 0;
  /** Publishes run one after another, so a slow heartbeat can never land after our `offline`. */
  private publishing: Promise<void> = Promise.resolve();
  private started = false;
  private closed = false;

  constructor(private readonly opts: RendezvousClientOptions) {
    super();
    this.sources = [...new Set(opts.urls)].map((u) => ({ url: u.replace(/\/+$/, ''), view: new Map(), ready: false, seen: new Set(), streamFailures: 0 }));
    this.log = (opts.logger ?? silentLogger()).child({ name: 'lagoon:rendezvous-client' });
    this.maxPeers = opts.maxPeers ?? 10_000;
  }

  get peerId(): string {
    return this.opts.identity.peerId;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const s of this.sources) void this.follow(s);
    void this.publishAll('online');
    this.heartbeat = setInterval(() => void this.publishAll('update'), this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /** The merged list: one entry per peer online at any server (newest `ts` wins), self excluded. */
  peers(): PresenceEvent[] {
    const ids = new Set<string>();
    for (const s of this.sources) for (const id of s.view.keys()) ids.add(id);
    const out: PresenceEvent[] = [];
    for (const id of ids) {
      const e = this.merged(id);
      if (e?.online && id !== this.opts.identity.peerId) out.push(e.ev);
    }
    return out;
  }

  /** Publish `offline` to every server (bounded by `timeoutMs`), then stop. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.started) await this.publishAll('offline', AbortSignal.timeout(timeoutMs));
    this.abort.abort();
  }

  private merged(peerId: string): Entry | undefined {
    let best: Entry | undefined;
    for (const s of this.sources) {
      const e = s.view.get(peerId);
      if (e && (!best || e.ev.ts > best.ev.ts)) best = e;
    }
    return best;
  }

  private apply(s: Source, ev: PresenceEvent): void {
    const before = this.merged(ev.peerId)?.online ?? false;
    s.view.delete(ev.peerId);
    s.view.set(ev.peerId, { ev, online: ev.type !== 'offline' });
    if (s.view.size > this.maxPeers) {
      // Forget the oldest tombstone, else the oldest entry.
      let victim: string | undefined;
      for (const [id, e] of s.view) { victim ??= id; if (!e.online) { victim = id; break; } }
      if (victim !== undefined) s.view.delete(victim);
    }
    const after = this.merged(ev.peerId);
    if (ev.peerId === this.opts.identity.peerId) return;
    if (after?.online && (!before || after.ev === s.view.get(ev.peerId)?.ev)) this.emit('online', after.ev);
    else if (before && !after?.online) this.emit('offline', ev.peerId);
  }

  private onMessage(s: Source, m: SseMessage): void {
    if (m.event === 'ready') {
      // Peers of the old view missing from the new snapshot left while we were away.
      for (const id of [...s.view.keys()]) {
        if (s.seen.has(id)) continue;
        const before = this.merged(id)?.online ?? false;
        s.view.delete(id);
        if (before && !this.merged(id)?.online && id !== this.opts.identity.peerId) this.emit('offline', id);
      }
      s.seen.clear();
      s.ready = true;
      this.emit('ready', s.url);
      return;
    }
    if (m.event !== 'message') return;
    let ev: PresenceEvent;
    try {
      ev = JSON.parse(m.data) as PresenceEvent;
      if (typeof ev.peerId !== 'string' || typeof ev.ts !== 'number' || !['online', 'update', 'offline'].includes(ev.type)) throw new Error('shape');
    } catch {
      this.counters.badEvents++;
      return;
    }
    if (!s.ready) s.seen.add(ev.peerId);
    this.apply(s, ev);
  }

  private backoff(failures: number): number {
    const initial = this.opts.retryInitialMs ?? 1000;
    return Math.min(this.opts.retryMaxMs ?? 30_000, initial * 2 ** Math.min(failures, 16));
  }

  private async follow(s: Source): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        // The new stream starts with a full snapshot; at its `ready` the peers it lacks are dropped.
        s.ready = false;
        s.seen.clear();
        const stream = await openSse(`${s.url}/events`, signal, (m) => this.onMessage(s, m), () => { s.streamFailures = 0; });
        if (stream.status !== 200) throw new Error(`HTTP ${stream.status}`);
        this.counters.streamsOpened++;
        await stream.done;
        if (!signal.aborted) throw new Error('stream ended');
      } catch (err) {
        if (signal.aborted) return;
        this.counters.streamFailures++;
        this.emit('failure', s.url, 'stream', (err as Error).message);
        const wait = this.backoff(s.streamFailures++);
        this.log.debug({ url: s.url, err: (err as Error).message, retryMs: wait }, 'event stream lost');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
        });
      }
    }
  }

  private publishAll(type: PresenceType, signal?: AbortSignal): Promise<void> {
    this.publishing = this.publishing.then(() => this.publishNow(type, signal));
    return this.publishing;
  }

  private async publishNow(type: PresenceType, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.lastTs = Math.max(Date.now(), this.lastTs + 1);
    const msg = signPresence(this.opts.identity, {
      type, content: this.opts.content, email: this.opts.email ?? '', avatarHash: this.opts.avatarHash ?? '',
      addrs: this.opts.addrs?.() ?? [], ts: this.lastTs,
    });
    const body = JSON.stringify(msg);
    await Promise.all(this.sources.map(async (s) => {
      try {
        const res = await fetch(`${s.url}/publish`, {
          method: 'POST', body, headers: { 'Content-Type': 'application/json' },
          signal: signal ?? AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.heartbeatMs)]),
        });
        await res.body?.cancel().catch(() => undefined);
        if (res.status !== 204) throw new Error(`HTTP ${res.status}`);
        this.counters.published++;
      } catch (err) {
        this.counters.publishFailures++;
        this.emit('failure', s.url, 'publish', (err as Error).message);
        this.log.debug({ url: s.url, type, err: (err as Error).message }, 'publish failed');
      }
    }));
  }
}
