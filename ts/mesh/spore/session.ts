/**
 * One SPORE reconciliation between two nodes, sans-IO.
 *
 * The initiator calls `initiate()` and sends the bytes; each side feeds what
 * it receives to `reconcile(bytes)` and sends back `reply` while there is one.
 * No reply means this side has nothing left to ask: the exchange is over.
 * Along the way each side learns, for the ranges it resolved, `have` (ids it
 * holds that the peer lacks: send those records) and `need` (ids the peer
 * holds that it lacks: request them). Every differing item is reported by
 * exactly one of the two sides.
 *
 * Per incoming range [lower, upper):
 *   Skip        → nothing (the sender found it equal);
 *   Fingerprint → equal to ours: skip; else if we hold ≤ idListThreshold items
 *                 in it: send our IdList; else split our items into
 *                 `branching` sub-ranges and send their fingerprints;
 *   IdList      → the sender's whole content of the range: compute have/need,
 *                 skip.
 * Consecutive skips are folded into the next range's lower bound; a reply
 * that would pass maxMessageBytes ends with one fingerprint over everything
 * not yet handled, so the next round continues from there.
 */
import { LagoonError } from '../../core/errors.js';
import { MAX_MESSAGE_BYTES } from './constants.js';
import { idKey, INFINITY_BOUND, ItemSet, type Bound } from './items.js';
import { decodeMessage, encodeMessage, rangeBytes, type Range } from './messages.js';

export interface SporeOptions {
  /** Sub-ranges per mismatched range. More = fewer rounds, more bytes. Default 4. */
  branching?: number;
  /** A range with at most this many of our items is sent as ids. Default 4. */
  idListThreshold?: number;
  /** Largest message this side produces. Default and maximum MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
}

export interface ReconcileResult {
  reply?: Uint8Array;
  /** The reply asks nothing back (id lists and skips only): the peer will not answer it, and this side is done too. */
  final?: boolean;
  have: Uint8Array[];
  need: Uint8Array[];
  /** Set when the peer's message was malformed; the session should be closed. */
  error?: LagoonError;
}

export interface SporeCounters {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  malformed: number;
}

export class SporeSession {
  readonly counters: SporeCounters = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0 };
  private readonly branching: number;
  private readonly threshold: number;
  private readonly maxBytes: number;

  constructor(private readonly set: ItemSet, options: SporeOptions = {}) {
    this.branching = options.branching ?? 4;
    this.threshold = options.idListThreshold ?? 4;
    this.maxBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    if (!Number.isInteger(this.branching) || this.branching < 2 || this.branching > 64) throw LagoonError.invalidArgument('branching must be 2..64');
    if (!Number.isInteger(this.threshold) || this.threshold < 1 || this.threshold > 1024) throw LagoonError.invalidArgument('idListThreshold must be 1..1024');
    if (!(this.maxBytes >= 1024 && this.maxBytes <= MAX_MESSAGE_BYTES)) throw LagoonError.invalidArgument(`maxMessageBytes must be 1024..${MAX_MESSAGE_BYTES}`);
  }

  /**
   * The first message. An initiator holding at most `idListUpTo` items sends them all as one id list instead of a
   * fingerprint: the responder then knows at once what each side lacks and asks nothing back, so the exchange is
   * one message, not three (for a node that knows it holds little: a joiner filling its view). 16 bytes an item.
   */
  initiate(idListUpTo = 0): Uint8Array {
    if (this.initiatesWhole(idListUpTo)) return this.out({ ranges: [{ upper: INFINITY_BOUND, mode: 'idlist', ids: this.set.items.map((it) => it.id) }] });
    return this.out({ ranges: [{ upper: INFINITY_BOUND, mode: 'fingerprint', fp: this.set.fingerprint(0, this.set.size) }] });
  }

  /** Does `initiate(idListUpTo)` send everything at once (no reply to wait for)? */
  initiatesWhole(idListUpTo: number): boolean { return idListUpTo > 0 && this.set.size <= idListUpTo; }

  reconcile(bytes: Uint8Array): ReconcileResult {
    this.counters.messagesIn++;
    this.counters.bytesIn += bytes.length;
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) {
      this.counters.malformed++;
      return { have: [], need: [], error: decoded.error };
    }
    const have: Uint8Array[] = [];
    const need: Uint8Array[] = [];
    const out: Range[] = [];
    let size = 1;
    let begin = 0; // index of the first item of the current range
    let lower: Bound | undefined; // bound where the current range starts (undefined = bottom)
    let skipping = false;
    const ranges = decoded.msg.ranges;
    for (let k = 0; k < ranges.length; k++) {
      const r = ranges[k]!;
      const end = this.set.lowerBound(r.upper, begin);
      let produced: Range[] = [];
      if (r.mode === 'fingerprint') {
        produced = this.answerFingerprint(begin, end, r.upper, r.fp);
      } else if (r.mode === 'idlist') {
        this.diff(begin, end, r.ids, have, need);
      }
      if (produced.length > 0) {
        const extra = produced.reduce((n, p) => n + rangeBytes(p), 0) + (skipping && lower !== undefined ? rangeBytes({ upper: lower, mode: 'skip' }) : 0);
        if (size + extra > this.maxBytes - 64) {
          // Out of room: one fingerprint over everything from here to the end.
          if (skipping && lower !== undefined) out.push({ upper: lower, mode: 'skip' });
          out.push({ upper: INFINITY_BOUND, mode: 'fingerprint', fp: this.set.fingerprint(begin, this.set.size) });
          return { reply: this.out({ ranges: out }), have, need };
        }
        if (skipping && lower !== undefined) out.push({ upper: lower, mode: 'skip' });
        out.push(...produced);
        size += extra;
        skipping = false;
      } else {
        skipping = true;
      }
      lower = r.upper;
      begin = end;
    }
    if (out.length === 0) return { have, need };
    return { reply: this.out({ ranges: out }), final: out.every((r) => r.mode !== 'fingerprint'), have, need };
  }

  private answerFingerprint(begin: number, end: number, upper: Bound, theirs: Uint8Array): Range[] {
    const ours = this.set.fingerprint(begin, end);
    if (Buffer.compare(ours, theirs) === 0) return [];
    const count = end - begin;
    if (count <= this.threshold) return [{ upper, mode: 'idlist', ids: this.set.items.slice(begin, end).map((it) => it.id) }];
    const out: Range[] = [];
    let from = begin;
    for (let b = 1; b <= this.branching; b++) {
      const to = b === this.branching ? end : begin + Math.floor((count * b) / this.branching);
      const bound = b === this.branching ? upper : this.set.boundBetween(to);
      out.push({ upper: bound, mode: 'fingerprint', fp: this.set.fingerprint(from, to) });
      from = to;
    }
    return out;
  }

  private diff(begin: number, end: number, theirIds: readonly Uint8Array[], have: Uint8Array[], need: Uint8Array[]): void {
    const theirs = new Map(theirIds.map((id) => [idKey(id), id] as const));
    for (let i = begin; i < end; i++) {
      const id = this.set.items[i]!.id;
      if (!theirs.delete(idKey(id))) have.push(id);
    }
    need.push(...theirs.values());
  }

  private out(msg: { ranges: Range[] }): Uint8Array {
    const bytes = encodeMessage(msg);
    this.counters.messagesOut++;
    this.counters.bytesOut += bytes.length;
    return bytes;
  }
}
