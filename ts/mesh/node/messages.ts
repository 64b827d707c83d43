/**
 * Wire format of the mesh node's frames (docs/mesh-node.md), on a mesh link
 * after HELLO. Every frame starts with FRAME_MESH (0x4D, 'M') and a subtype.
 * Decoding never throws: anything out of bounds is `undefined` (counted and
 * dropped by the machine).
 */
import { decodeRecord, encodeRecord, type SporeRecord } from '../spore/store.js';
import { ID_BYTES } from '../spore/constants.js';

export const FRAME_MESH = 0x4d;
export const MAX_RECORDS_PER_FRAME = 64;
export const MAX_WANT_IDS = 1024;
export const MAX_MESH_FRAME_BYTES = 1024 * 1024;

export type MeshFrame =
  | { t: 'join'; addrs: string[]; name: string }
  /** `reservedTo`: the highest slot the concierge has reserved, so the joiner knows it is not the frontier yet. */
  | { t: 'offer'; slot: number; reservedTo: number; records: SporeRecord[] }
  | { t: 'records'; records: SporeRecord[] }
  /** phase 0: an initiator starts; 1: the responder answers; 2: the initiator continues. */
  | { t: 'sync'; phase: 0 | 1 | 2; spore: Uint8Array }
  | { t: 'want'; ids: Uint8Array[] }
  /** Ids of records the sender found we lack in a SPORE exchange; we WANT the ones nobody else is sending. */
  | { t: 'have'; ids: Uint8Array[] }
  | { t: 'tomb'; tomb: Uint8Array }
  | { t: 'attest'; attestation: Uint8Array }
  | { t: 'refuse'; reason: string }
  /**
   * A request passed uphill (to the neighbour with the highest slot) until it
   * reaches the node at the frontier: a join the first concierge could not
   * place from its own scope, or a hole that only the frontier node may fill
   * (it carries the records around the hole, so the mover can dial them).
   * `slot`: for a hole, the hole; for a join, the highest slot the concierges
   * on the path have reserved for other joiners (0 if none), which the
   * frontier node cannot see yet and must not hand out again. `waited`: the
   * ms the request has been held (parked) on its way so far, summed over the
   * nodes that held it. `entry`: the peer id of the concierge that holds the
   * joiner's link (the request's first node; absent for a hole report), so a
   * relay on the way back that is linked to it can hand it the answer
   * directly instead of along the whole path (docs/mesh-node.md, "Answers
   * take the short way back").
   */
  | { t: 'fwd'; id: string; kind: 'join' | 'hole'; hops: number; slot: number; waited: number; entry?: string; records: SporeRecord[] }
  /** The frontier node's answer to a forwarded join, passed back along the same path. */
  | { t: 'fwdoffer'; id: string; slot: number; reservedTo: number; records: SporeRecord[] }
  /** A round-trip probe (link-rtt.ts): answered at once with a PONG carrying the same nonce. */
  | { t: 'ping'; n: number }
  | { t: 'pong'; n: number };

const SUB = { join: 1, offer: 2, records: 3, sync: 4, want: 5, tomb: 6, attest: 7, refuse: 8, have: 9, fwd: 10, fwdoffer: 11, ping: 12, pong: 13 } as const;
/** A forwarded request's id: the first concierge's choice, opaque to everyone else. */
export const MAX_FWD_ID_BYTES = 64;
/** A forwarded join's entry: a peer id (`b3b3/` and 64 hex digits, 69 bytes), with room to spare. */
const MAX_FWD_ENTRY_BYTES = 96;
const FWD_KINDS = ['join', 'hole'] as const;
/** A forwarded request's fixed part: kind (1), hops (1), slot (6), waited ms (4); the entry (1 + length) follows it. */
const FWD_FIXED_BYTES = 12;

export function isMeshFrame(f: Uint8Array): boolean {
  return f.length >= 2 && f[0] === FRAME_MESH;
}

function recordsBytes(records: readonly SporeRecord[]): Buffer {
  const parts: Buffer[] = [Buffer.from([records.length >> 8, records.length & 0xff])];
  for (const r of records) {
    const b = Buffer.from(encodeRecord(r));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

export function encodeMeshFrame(f: MeshFrame): Uint8Array {
  const head = Buffer.from([FRAME_MESH, SUB[f.t]]);
  switch (f.t) {
    case 'join': return Buffer.concat([head, Buffer.from(JSON.stringify({ addrs: f.addrs, name: f.name }))]);
    case 'offer': return Buffer.concat([head, slotPair(f.slot, f.reservedTo), recordsBytes(f.records)]);
    case 'records': return Buffer.concat([head, recordsBytes(f.records)]);
    case 'sync': return Buffer.concat([head, Buffer.from([f.phase]), f.spore]);
    case 'want':
    case 'have': return Buffer.concat([head, ...f.ids.map((id) => Buffer.from(id))]);
    case 'tomb': return Buffer.concat([head, f.tomb]);
    case 'attest': return Buffer.concat([head, f.attestation]);
    case 'refuse': return Buffer.concat([head, Buffer.from(f.reason.slice(0, 200))]);
    case 'fwd': {
      const fixed = Buffer.alloc(FWD_FIXED_BYTES);
      fixed.writeUInt8(FWD_KINDS.indexOf(f.kind), 0);
      fixed.writeUInt8(Math.min(255, f.hops), 1);
      fixed.writeUIntBE(f.slot, 2, 6);
      fixed.writeUInt32BE(Math.min(0xffff_ffff, Math.max(0, Math.round(f.waited))), 8);
      return Buffer.concat([head, idBytes(f.id), fixed, entryBytes(f.entry), recordsBytes(f.records)]);
    }
    case 'fwdoffer': return Buffer.concat([head, idBytes(f.id), slotPair(f.slot, f.reservedTo), recordsBytes(f.records)]);
    case 'ping':
    case 'pong': {
      const n = Buffer.alloc(4);
      n.writeUInt32BE(f.n >>> 0);
      return Buffer.concat([head, n]);
    }
  }
}

function slotPair(slot: number, reservedTo: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUIntBE(slot, 0, 6);
  b.writeUIntBE(reservedTo, 6, 6);
  return b;
}

function idBytes(id: string): Buffer {
  const b = Buffer.from(id, 'utf8').subarray(0, MAX_FWD_ID_BYTES);
  return Buffer.concat([Buffer.from([b.length]), b]);
}

/** A forwarded request's entry peer id, length-prefixed (0: none). */
function entryBytes(entry: string | undefined): Buffer {
  const b = Buffer.from(entry ?? '', 'utf8');
  if (b.length > MAX_FWD_ENTRY_BYTES) throw new RangeError(`entry peer id of ${b.length} bytes`);
  return Buffer.concat([Buffer.from([b.length]), b]);
}

/** The id and where the rest starts, or undefined. */
function readId(b: Buffer, off: number): { id: string; next: number } | undefined {
  if (b.length < off + 1) return undefined;
  const len = b[off]!;
  if (len === 0 || len > MAX_FWD_ID_BYTES || b.length < off + 1 + len) return undefined;
  return { id: b.subarray(off + 1, off + 1 + len).toString('utf8'), next: off + 1 + len };
}

function decodeRecords(b: Buffer, off: number): SporeRecord[] | undefined {
  if (b.length < off + 2) return undefined;
  const n = b.readUInt16BE(off);
  if (n > MAX_RECORDS_PER_FRAME) return undefined;
  let p = off + 2;
  const out: SporeRecord[] = [];
  for (let i = 0; i < n; i++) {
    if (b.length < p + 4) return undefined;
    const len = b.readUInt32BE(p);
    p += 4;
    if (b.length < p + len) return undefined;
    const r = decodeRecord(b.subarray(p, p + len));
    if (r === undefined) return undefined;
    out.push(r);
    p += len;
  }
  return p === b.length ? out : undefined;
}

export function decodeMeshFrame(bytes: Uint8Array): MeshFrame | undefined {
  if (!isMeshFrame(bytes) || bytes.length > MAX_MESH_FRAME_BYTES) return undefined;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const body = b.subarray(2);
  switch (b[1]) {
    case SUB.join: {
      if (body.length > 4096) return undefined;
      try {
        const j = JSON.parse(body.toString('utf8')) as { addrs?: unknown; name?: unknown };
        if (!Array.isArray(j.addrs) || j.addrs.length > 8 || !j.addrs.every((a) => typeof a === 'string' && a.length <= 200)) return undefined;
        if (typeof j.name !== 'string' || j.name.length > 64) return undefined;
        return { t: 'join', addrs: j.addrs as string[], name: j.name };
      } catch {
        return undefined;
      }
    }
    case SUB.offer: {
      if (body.length < 12) return undefined;
      const records = decodeRecords(b, 14);
      return records === undefined ? undefined : { t: 'offer', slot: body.readUIntBE(0, 6), reservedTo: body.readUIntBE(6, 6), records };
    }
    case SUB.records: {
      const records = decodeRecords(b, 2);
      return records === undefined ? undefined : { t: 'records', records };
    }
    case SUB.sync: return body.length >= 1 && body[0]! <= 2 ? { t: 'sync', phase: body[0] as 0 | 1 | 2, spore: new Uint8Array(body.subarray(1)) } : undefined;
    case SUB.want:
    case SUB.have: {
      if (body.length % ID_BYTES !== 0 || body.length / ID_BYTES > MAX_WANT_IDS) return undefined;
      const ids: Uint8Array[] = [];
      for (let p = 0; p < body.length; p += ID_BYTES) ids.push(new Uint8Array(body.subarray(p, p + ID_BYTES)));
      return { t: b[1] === SUB.want ? 'want' : 'have', ids };
    }
    case SUB.tomb: return body.length > 0 && body.length <= 2048 ? { t: 'tomb', tomb: new Uint8Array(body) } : undefined;
    case SUB.attest: return body.length > 0 && body.length <= 2048 ? { t: 'attest', attestation: new Uint8Array(body) } : undefined;
    case SUB.refuse: return { t: 'refuse', reason: body.toString('utf8') };
    case SUB.fwd: {
      const id = readId(b, 2);
      if (id === undefined || b.length < id.next + FWD_FIXED_BYTES) return undefined;
      const kind = FWD_KINDS[b[id.next]!];
      const at = id.next + FWD_FIXED_BYTES;
      if (b.length < at + 1) return undefined;
      const entryLen = b[at]!;
      if (entryLen > MAX_FWD_ENTRY_BYTES || b.length < at + 1 + entryLen) return undefined;
      const records = decodeRecords(b, at + 1 + entryLen);
      if (kind === undefined || records === undefined) return undefined;
      const f: MeshFrame = { t: 'fwd', id: id.id, kind, hops: b[id.next + 1]!, slot: b.readUIntBE(id.next + 2, 6), waited: b.readUInt32BE(id.next + 8), records };
      return entryLen === 0 ? f : { ...f, entry: b.subarray(at + 1, at + 1 + entryLen).toString('utf8') };
    }
    case SUB.fwdoffer: {
      const id = readId(b, 2);
      if (id === undefined || b.length < id.next + 12) return undefined;
      const records = decodeRecords(b, id.next + 12);
      return records === undefined ? undefined : { t: 'fwdoffer', id: id.id, slot: b.readUIntBE(id.next, 6), reservedTo: b.readUIntBE(id.next + 6, 6), records };
    }
    case SUB.ping:
    case SUB.pong: return body.length === 4 ? { t: b[1] === SUB.ping ? 'ping' : 'pong', n: body.readUInt32BE(0) } : undefined;
    default: return undefined;
  }
}
