/**
 * The gossip peer table: broadcasting peers' signed records, bounded, evicted
 * by score. It stores `PeerRecord`s only, so everything in it (and everything
 * a PEER_LIST_RESPONSE built from it can carry) was published by its subject
 * with the broadcast flag.
 *
 * Score = when we last heard of the peer, plus a bonus while it is a direct
 * neighbour (we can vouch that it is alive). The lowest score goes first.
 */
import type { PeerRecord } from './messages.js';

/** A direct neighbour counts as heard this much more recently than it was. */
const DIRECT_BONUS_MS = 10 * 60_000;

export interface TableEntry {
  record: PeerRecord;
  lastHeardMs: number;
  direct: boolean;
}

export type UpsertResult = 'new' | 'updated' | 'old' | 'refused';

export class GossipPeerTable {
  readonly #entries = new Map<string, TableEntry>();
  evictions = 0;
  expired = 0;

  constructor(readonly max: number, readonly expiryMs: number) {}

  get size(): number { return this.#entries.size; }
  get(keyHex: string): TableEntry | undefined { return this.#entries.get(keyHex); }
  values(): IterableIterator<TableEntry> { return this.#entries.values(); }

  /** Store a record if it is newer (by seq) than what we hold. */
  upsert(record: PeerRecord, now: number, direct = false): UpsertResult {
    const have = this.#entries.get(record.keyHex);
    if (have !== undefined) {
      if (record.seq <= have.record.seq) {
        have.lastHeardMs = Math.max(have.lastHeardMs, now);
        have.direct ||= direct;
        return 'old';
      }
      have.record = record;
      have.lastHeardMs = now;
      have.direct ||= direct;
      return 'updated';
    }
    const entry: TableEntry = { record, lastHeardMs: now, direct };
    if (this.#entries.size >= this.max) {
      const victim = this.#lowest();
      if (victim === undefined || score(victim[1]) > score(entry)) return 'refused';
      this.#entries.delete(victim[0]);
      this.evictions++;
    }
    this.#entries.set(record.keyHex, entry);
    return 'new';
  }

  /** A heartbeat (or any signed message) from the peer: it is alive. */
  heard(keyHex: string, now: number): boolean {
    const e = this.#entries.get(keyHex);
    if (e === undefined) return false;
    e.lastHeardMs = Math.max(e.lastHeardMs, now);
    return true;
  }

  setDirect(keyHex: string, direct: boolean): void {
    const e = this.#entries.get(keyHex);
    if (e !== undefined) e.direct = direct;
  }

  /** Up to `n` records with `topic` (any when empty), best score first, leaving out `exclude`. */
  best(n: number, topic: string, exclude: ReadonlySet<string>): PeerRecord[] {
    const hits: TableEntry[] = [];
    for (const [k, e] of this.#entries) {
      if (exclude.has(k) || (topic !== '' && !e.record.topics.includes(topic))) continue;
      hits.push(e);
    }
    hits.sort((a, b) => score(b) - score(a) || (a.record.keyHex < b.record.keyHex ? -1 : 1));
    return hits.slice(0, n).map((e) => e.record);
  }

  /** Drop peers not heard from for `expiryMs` (direct neighbours stay while linked). */
  expire(now: number): number {
    let n = 0;
    for (const [k, e] of this.#entries) {
      if (!e.direct && now - e.lastHeardMs > this.expiryMs) { this.#entries.delete(k); n++; }
    }
    this.expired += n;
    return n;
  }

  #lowest(): [string, TableEntry] | undefined {
    let worst: [string, TableEntry] | undefined;
    for (const kv of this.#entries) if (worst === undefined || score(kv[1]) < score(worst[1])) worst = kv;
    return worst;
  }
}

function score(e: TableEntry): number {
  return e.lastHeardMs + (e.direct ? DIRECT_BONUS_MS : 0);
}
