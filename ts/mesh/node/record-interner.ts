/**
 * One decoded copy of each peer record, shared by every mesh node of a
 * process. The simulator runs thousands of nodes that each hold the same
 * ~1,000 records: decoded separately they cost about 2 KiB a copy (a 2,000-node
 * run reached 7 GB), shared they cost a pointer, and the id hash and the
 * payload parse are done once instead of once per node. Records are immutable
 * after decoding, so sharing cannot leak one node's state into another's; a
 * real node, which holds one copy anyway, does not use this.
 */
import { encodeRecord, type SporeRecord } from '../spore/store.js';
import { peerRecordOf, type PeerRecord } from './records.js';

interface Interned {
  readonly record: SporeRecord;
  readonly bytes: Uint8Array;
  /** Parsed on first use; null when the payload does not parse. */
  parsed: PeerRecord | null | undefined;
}

/** Versions kept per origin: enough for the current record and the ones still in flight. */
const VERSIONS_PER_ORIGIN = 4;

export class RecordInterner {
  readonly #byOrigin = new Map<string, Interned[]>();

  /** The shared record with exactly these bytes (`r` itself the first time it is seen). */
  intern(r: SporeRecord): SporeRecord {
    return this.#entry(r).record;
  }

  /** The shared parse of a record returned by `intern`. */
  parse(r: SporeRecord): PeerRecord | undefined {
    const e = this.#entry(r);
    if (e.parsed === undefined) e.parsed = peerRecordOf(e.record) ?? null;
    return e.parsed ?? undefined;
  }

  #entry(r: SporeRecord): Interned {
    let list = this.#byOrigin.get(r.origin);
    if (list === undefined) {
      list = [];
      this.#byOrigin.set(r.origin, list);
    }
    for (const e of list) if (e.record === r) return e;
    const bytes = encodeRecord(r);
    for (const e of list) if (e.record.seq === r.seq && Buffer.compare(e.bytes, bytes) === 0) return e;
    const e: Interned = { record: r, bytes, parsed: undefined };
    list.push(e);
    if (list.length > VERSIONS_PER_ORIGIN) {
      list.sort((a, b) => b.record.seq - a.record.seq);
      list.length = VERSIONS_PER_ORIGIN;
    }
    return e;
  }
}
