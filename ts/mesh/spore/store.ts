/**
 * The record store SPORE syncs: signed records, one per origin (use one store
 * per record kind: peer addresses, slot claims, …).
 *
 * `put` verifies the signature with the injected `verify` BEFORE anything is
 * stored (hyperdht's persistent.js order), then keeps the record only if its
 * sequence number is newer than what it holds for that origin. Stale,
 * replayed, forged and equivocating records are dropped and counted; nothing
 * a peer sends is an exception. Capacity is bounded: when full, a record for a
 * new origin evicts the origin updated longest ago.
 */
import { createHash } from 'node:crypto';
import { LagoonError } from '../../core/errors.js';
import { ID_BYTES } from './constants.js';
import { idKey, idWords, type Item, type ItemSet } from './items.js';
import { SortedItems } from './sorted-items.js';
import { decodeVarint, encodeVarint } from './varint.js';

export interface SporeRecord {
  /** Origin peer id (`b3b3/…`), whose key signed the record. */
  readonly origin: string;
  /** Origin's sequence number; higher replaces lower. */
  readonly seq: number;
  readonly payload: Uint8Array;
  /** Signature by the origin over `signedBytes(record)`. */
  readonly signature: Uint8Array;
}

export const RECORD_VERSION = 1;
export const MAX_ORIGIN_BYTES = 128;
export const MAX_PAYLOAD_BYTES = 2048;
export const MAX_SIGNATURE_BYTES = 128;

export type PutOutcome = 'accepted' | 'replaced' | 'stale' | 'replayed' | 'forged' | 'equivocation' | 'malformed';

export interface StoreCounters {
  accepted: number;
  replaced: number;
  stale: number;
  replayed: number;
  forged: number;
  equivocation: number;
  malformed: number;
  evicted: number;
}

export interface RecordStoreOptions {
  /** Maximum records held (one per origin). */
  maxRecords: number;
  /** Signature check, run before storing. */
  verify: (record: SporeRecord) => boolean;
}

/**
 * The exact bytes a record was decoded from: its encoding, so ids and signed
 * bytes are slices of what arrived instead of fresh copies (every record is
 * hashed and checked once per node that receives it).
 */
const ENCODED = Symbol('encoded');
/** A record's SPORE item and its id as a map key, computed once per record object (records are immutable). */
const KEY = Symbol('key');
/** What decodeRecord and recordKey remember on a record object (a symbol-keyed property: a WeakMap entry per record made the garbage collector walk ephemerons for every record a simulated mesh decoded). */
interface Remembered { [ENCODED]?: Uint8Array; [KEY]?: RecordKey }
/** Not enumerable, so `{ ...record, signature }` makes a record without the original's encoding or id; a frozen record is simply not remembered. */
const remember = (r: object, k: typeof ENCODED | typeof KEY, value: unknown): void => {
  if (Object.isExtensible(r)) Object.defineProperty(r, k, { value, writable: true, enumerable: false, configurable: true });
};

/** The bytes the origin signs: everything but the signature. */
export function signedBytes(r: Omit<SporeRecord, 'signature'>): Uint8Array {
  const enc = (r as Remembered)[ENCODED];
  if (enc !== undefined) return enc.subarray(0, enc.length - 1 - (r as SporeRecord).signature.length);
  const origin = Buffer.from(r.origin, 'utf8');
  return Buffer.concat([Uint8Array.of(RECORD_VERSION, origin.length), origin, encodeVarint(r.seq), encodeVarint(r.payload.length), r.payload]);
}

export function encodeRecord(r: SporeRecord): Uint8Array {
  let enc = (r as Remembered)[ENCODED];
  if (enc === undefined) {
    // Remembered like a decoded record's: a record made here (our own, a simulated snapshot's) is encoded for its
    // id, its size in the store, every frame and every signature check; a settled 2,000-node world spent a quarter
    // of its start concatenating the same bytes again.
    enc = Buffer.concat([signedBytes(r), Uint8Array.of(r.signature.length), r.signature]);
    remember(r, ENCODED, enc);
  }
  return enc;
}

/** Decode a record from a peer; undefined when malformed (length-checked). */
export function decodeRecord(buf: Uint8Array): SporeRecord | undefined {
  if (buf.length < 2 || buf[0] !== RECORD_VERSION) return undefined;
  const olen = buf[1]!;
  if (olen > MAX_ORIGIN_BYTES || 2 + olen > buf.length) return undefined;
  const origin = Buffer.from(buf.buffer, buf.byteOffset + 2, olen).toString('utf8');
  const s = decodeVarint(buf, 2 + olen);
  if (s === undefined) return undefined;
  const p = decodeVarint(buf, s[1]);
  if (p === undefined || p[0] > MAX_PAYLOAD_BYTES || p[1] + p[0] + 1 > buf.length) return undefined;
  const sigOff = p[1] + p[0];
  const slen = buf[sigOff]!;
  if (slen > MAX_SIGNATURE_BYTES || sigOff + 1 + slen !== buf.length) return undefined;
  // One copy (never pin the whole frame it came in); payload and signature are views of it. Every node decodes
  // every record it is sent, so three copies each were a good part of a simulated mesh's garbage.
  const enc = new Uint8Array(buf);
  const record: SporeRecord = { origin, seq: s[0], payload: enc.subarray(p[1], sigOff), signature: enc.subarray(sigOff + 1) };
  remember(record, ENCODED, enc);
  return record;
}

/** A record's item, its id as a map key, and the id as the 4 words fingerprints sum (ItemSet). */
interface RecordKey { item: Item; key: string; words: Uint32Array }

function recordKey(r: SporeRecord): RecordKey {
  let k = (r as Remembered)[KEY];
  if (k === undefined) {
    const id = new Uint8Array(createHash('sha256').update(encodeRecord(r)).digest().subarray(0, ID_BYTES));
    k = { item: { ts: r.seq, id }, key: idKey(id), words: idWords(id) };
    remember(r, KEY, k);
  }
  return k;
}

/** SPORE item id of a record: SHA-256 of its encoding, first 16 bytes (a copy: the cached id is the stores' own). */
export function recordId(r: SporeRecord): Uint8Array {
  return recordKey(r).item.id.slice();
}

interface Entry {
  record: SporeRecord;
  item: Item;
  key: string;
  bytes: number;
}

/**
 * `T` is what the owner attaches to each record as it stores it (`put`'s
 * `tag`), read back by item index beside a snapshot (`tags()`).
 */
export class RecordStore<T = undefined> {
  readonly counters: StoreCounters = { accepted: 0, replaced: 0, stale: 0, replayed: 0, forged: 0, equivocation: 0, malformed: 0, evicted: 0 };
  private readonly byOrigin = new Map<string, Entry>(); // insertion order = update order
  private readonly byId = new Map<string, Entry>();
  private readonly sorted = new SortedItems<T>();

  constructor(private readonly options: RecordStoreOptions) {
    if (!Number.isInteger(options.maxRecords) || options.maxRecords < 1) throw LagoonError.invalidArgument('maxRecords must be a positive integer');
  }

  get size(): number {
    return this.byOrigin.size;
  }

  put(record: SporeRecord, tag?: T): PutOutcome {
    if (!wellFormed(record)) return this.count('malformed');
    const held = this.byOrigin.get(record.origin);
    if (held !== undefined && record.seq < held.record.seq) return this.count('stale');
    // The exact bytes we already verified and hold: a replay, no need to verify again.
    const key = recordKey(record);
    if (held !== undefined && record.seq === held.record.seq && key.key === held.key) return this.count('replayed');
    if (!this.options.verify(record)) return this.count('forged');
    if (held !== undefined && record.seq === held.record.seq) return this.count('equivocation');
    if (held !== undefined) this.remove(held);
    else if (this.byOrigin.size >= this.options.maxRecords) {
      const oldest = this.byOrigin.values().next().value as Entry;
      this.remove(oldest);
      this.counters.evicted++;
    }
    const entry: Entry = { record, item: key.item, key: key.key, bytes: encodeRecord(record).length };
    this.byOrigin.set(record.origin, entry);
    this.byId.set(key.key, entry);
    this.sorted.insert(key.item, key.words, tag as T);
    return this.count(held === undefined ? 'accepted' : 'replaced');
  }

  /** Drop the record of `origin` (pruned ghost, expired, out of scope). True if one was held. */
  delete(origin: string): boolean {
    const e = this.byOrigin.get(origin);
    if (e === undefined) return false;
    this.remove(e);
    return true;
  }

  get(origin: string): SporeRecord | undefined {
    return this.byOrigin.get(origin)?.record;
  }

  getById(id: Uint8Array): SporeRecord | undefined {
    return this.byId.get(idKey(id))?.record;
  }

  /** Encoded size of the record with this id (for accounting). */
  bytesOf(id: Uint8Array): number {
    return this.byId.get(idKey(id))?.bytes ?? 0;
  }

  /** The item set SPORE reconciles: an immutable snapshot, the same object until the store changes. */
  items(): ItemSet {
    return this.sorted.snapshot().set;
  }

  /** The tags given to `put` for the records of `items()`, by item index. */
  tags(): readonly T[] {
    return this.sorted.snapshot().tags;
  }

  private remove(e: Entry): void {
    this.byOrigin.delete(e.record.origin);
    this.byId.delete(e.key);
    this.sorted.remove(e.item);
  }

  private count(outcome: PutOutcome): PutOutcome {
    this.counters[outcome]++;
    return outcome;
  }
}

function wellFormed(r: SporeRecord): boolean {
  return (
    typeof r.origin === 'string' &&
    Buffer.byteLength(r.origin) <= MAX_ORIGIN_BYTES &&
    Number.isSafeInteger(r.seq) &&
    r.seq >= 0 &&
    r.payload instanceof Uint8Array &&
    r.payload.length <= MAX_PAYLOAD_BYTES &&
    r.signature instanceof Uint8Array &&
    r.signature.length <= MAX_SIGNATURE_BYTES
  );
}
