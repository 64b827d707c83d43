/**
 * The shared backend: several rendezvous instances (processes on one host,
 * e.g. behind a load balancer) keep presence in one SQLite file, so a peer
 * that published to instance A is in the snapshot of instance B, and B's
 * subscribers get A's live events.
 *
 * How events cross instances: every accepted change is appended, in the same
 * transaction as the peer row, to an `events` table whose AUTOINCREMENT id
 * only grows. Each instance polls `id > cursor` every `LAGOON_RENDEZVOUS_SYNC_POLL_MS`
 * (25 ms) and broadcasts the rows other instances wrote. Why polling: SQLite
 * has no cross-process notification; an indexed range read of a WAL database
 * costs microseconds when nothing changed, the delay is bounded by the
 * interval (well inside the 250 ms goal), and writes are serialised by the
 * database lock, so ids commit in order and a reader never skips one.
 * Rows older than a minute are trimmed.
 *
 * Decisions are the memory store's (`decidePublish`); only storage differs.
 * better-sqlite3 is an optional dependency: without it, opening fails with
 * ERR_CONFIG saying the feature is unavailable.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { LagoonError } from '../../core/errors.js';
import type { PresenceMessage, Verdict } from '../presence.js';
import {
  decidePublish, eventOf, goneRetentionMs, type PresenceBackend, type PresenceEvent, type PresenceRecord, type PublishResult, type StoreLimits,
} from './presence-store.js';

const EVENT_RETENTION_MS = 60_000;
const POLL_BATCH = 1000;
const POLL_BATCHES = 10;

type Database = BetterSqlite3.Database;

/** The driver, or ERR_CONFIG saying the feature is unavailable (`moduleName` is for tests). */
export function loadDriver(path: string, moduleName = 'better-sqlite3'): typeof BetterSqlite3 {
  try {
    return createRequire(import.meta.url)(moduleName) as typeof BetterSqlite3;
  } catch (err) {
    throw new LagoonError('ERR_CONFIG',
      `LAGOON_PEER_DB=${path} needs the optional dependency better-sqlite3, which is not installed or did not build ` +
      `(${(err as Error).message.split('\n')[0]}); install it (npm install better-sqlite3) or unset LAGOON_PEER_DB`, { cause: err });
  }
}

export class SqlitePresenceStore implements PresenceBackend {
  readonly shared = true;
  /** Identifies this instance's rows in the event log. */
  readonly instanceId = randomBytes(8).toString('hex');
  private readonly db: Database;
  private cursor: number;
  private readonly q: ReturnType<SqlitePresenceStore['prepare']>;

  constructor(path: string, private readonly limits: StoreLimits) {
    const Driver = loadDriver(path);
    try {
      this.db = new Driver(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS peers (peer_id TEXT PRIMARY KEY, record TEXT NOT NULL, last_seen INTEGER NOT NULL, verified INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS peers_evict ON peers (verified, last_seen);
        CREATE INDEX IF NOT EXISTS peers_last_seen ON peers (last_seen);
        CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, at INTEGER NOT NULL, event TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS events_at ON events (at);
        CREATE TABLE IF NOT EXISTS gone (peer_id TEXT PRIMARY KEY, ts INTEGER NOT NULL, verified INTEGER NOT NULL, at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS gone_at ON gone (at);
      `);
    } catch (err) {
      throw new LagoonError('ERR_STATE_CORRUPT', `cannot open LAGOON_PEER_DB ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.q = this.prepare();
    this.cursor = (this.q.maxId.get() as { id: number | null }).id ?? 0;
  }

  private prepare() {
    const db = this.db;
    return {
      get: db.prepare('SELECT record FROM peers WHERE peer_id = ?'),
      put: db.prepare('INSERT OR REPLACE INTO peers (peer_id, record, last_seen, verified) VALUES (?, ?, ?, ?)'),
      del: db.prepare('DELETE FROM peers WHERE peer_id = ?'),
      count: db.prepare('SELECT count(*) AS n FROM peers'),
      victim: db.prepare('SELECT record FROM peers ORDER BY verified ASC, last_seen ASC LIMIT 1'),
      expired: db.prepare('DELETE FROM peers WHERE last_seen <= ? RETURNING record'),
      all: db.prepare('SELECT record FROM peers ORDER BY last_seen ASC LIMIT ?'),
      append: db.prepare('INSERT INTO events (origin, at, event) VALUES (?, ?, ?)'),
      since: db.prepare('SELECT id, origin, event FROM events WHERE id > ? ORDER BY id LIMIT ?'),
      maxId: db.prepare('SELECT max(id) AS id FROM events'),
      trim: db.prepare('DELETE FROM events WHERE at < ?'),
      tomb: db.prepare('SELECT ts, verified FROM gone WHERE peer_id = ?'),
      bury: db.prepare('INSERT OR REPLACE INTO gone (peer_id, ts, verified, at) VALUES (?, ?, ?, ?)'),
      unbury: db.prepare('DELETE FROM gone WHERE peer_id = ?'),
      forget: db.prepare('DELETE FROM gone WHERE at < ?'),
      goneCount: db.prepare('SELECT count(*) AS n FROM gone'),
      forgetOldest: db.prepare('DELETE FROM gone WHERE peer_id IN (SELECT peer_id FROM gone ORDER BY at ASC LIMIT ?)'),
    };
  }

  private append(events: readonly PresenceEvent[], now: number): void {
    for (const ev of events) this.q.append.run(this.instanceId, now, JSON.stringify(ev));
  }

  publish(msg: PresenceMessage, verdict: Verdict, now: number): PublishResult {
    const run = this.db.transaction((): PublishResult => {
      const row = this.q.get.get(msg.peerId) as { record: string } | undefined;
      const existing = row ? (JSON.parse(row.record) as PresenceRecord) : undefined;
      const tomb = existing ? undefined : (this.q.tomb.get(msg.peerId) as { ts: number; verified: number } | undefined);
      const d = decidePublish(existing, msg, verdict, now, this.limits, tomb && { ts: tomb.ts, verified: tomb.verified === 1 });
      if (!d.ok) return d;
      const events: PresenceEvent[] = [];
      if (d.record === null) {
        this.q.del.run(msg.peerId);
        if (existing) this.q.bury.run(msg.peerId, msg.ts, existing.verified ? 1 : 0, now);
      } else {
        if (tomb) this.q.unbury.run(msg.peerId);
        if (!existing && (this.q.count.get() as { n: number }).n >= this.limits.maxPeers) {
          const v = this.q.victim.get() as { record: string } | undefined;
          if (v) {
            const victim = JSON.parse(v.record) as PresenceRecord;
            this.q.del.run(victim.peerId);
            this.q.bury.run(victim.peerId, victim.ts, victim.verified ? 1 : 0, now);
            events.push(eventOf('offline', victim));
          }
        }
        this.q.put.run(d.record.peerId, JSON.stringify(d.record), d.record.lastSeen, d.record.verified ? 1 : 0);
      }
      if (d.event) events.push(d.event);
      this.append(events, now);
      return { ok: true, events };
    });
    // IMMEDIATE takes the write lock up front: no read-then-upgrade deadlock between instances.
    return run.immediate();
  }

  prune(now: number): PresenceEvent[] {
    const run = this.db.transaction((): PresenceEvent[] => {
      // RETURNING inside one write transaction: exactly one instance removes (and announces) each expired peer.
      const rows = this.q.expired.all(now - this.limits.ttlMs) as Array<{ record: string }>;
      const events = rows.map((r) => eventOf('offline', JSON.parse(r.record) as PresenceRecord));
      for (const ev of events) this.q.bury.run(ev.peerId, ev.ts, ev.verified ? 1 : 0, now);
      this.append(events, now);
      this.q.trim.run(now - EVENT_RETENTION_MS);
      this.q.forget.run(now - goneRetentionMs(this.limits));
      const extra = (this.q.goneCount.get() as { n: number }).n - this.limits.maxPeers;
      if (extra > 0) this.q.forgetOldest.run(extra);
      return events;
    });
    return run.immediate();
  }

  snapshot(): PresenceRecord[] {
    return (this.q.all.all(this.limits.maxPeers) as Array<{ record: string }>).map((r) => JSON.parse(r.record) as PresenceRecord);
  }

  poll(): PresenceEvent[] {
    const out: PresenceEvent[] = [];
    for (let batch = 0; batch < POLL_BATCHES; batch++) {
      const rows = this.q.since.all(this.cursor, POLL_BATCH) as Array<{ id: number; origin: string; event: string }>;
      for (const r of rows) {
        this.cursor = r.id;
        if (r.origin !== this.instanceId) out.push(JSON.parse(r.event) as PresenceEvent);
      }
      if (rows.length < POLL_BATCH) break;
    }
    return out;
  }

  size(): number {
    return (this.q.count.get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
