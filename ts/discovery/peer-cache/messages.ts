/**
 * Cache-gossip frames (one hop, inside an authenticated Noise link):
 *
 *   u8 0x43 ('C') | u8 version | u8 kind | body
 *   sync, delta:   u8 count | (u16 len ‖ record)*
 *   request:       u32 nonce | u8 max
 *   response:      u32 nonce | u8 count | (u16 len ‖ record)*
 *   ping, pong:    u32 nonce
 *
 * Little-endian; every length is checked before anything is copied. Records
 * are passed through verbatim and verified by the receiver (record.ts), so
 * the frame itself needs no signature: the link authenticates the sender and
 * the record's signature authenticates its origin.
 */
import { CACHE_WIRE_VERSION, FRAME_CACHE, KIND, LIMITS, type CacheFrameKind } from './constants.js';

export type CacheFrame =
  | { readonly kind: 'sync' | 'delta'; readonly records: readonly Uint8Array[] }
  | { readonly kind: 'request'; readonly nonce: number; readonly max: number }
  | { readonly kind: 'response'; readonly nonce: number; readonly records: readonly Uint8Array[] }
  | { readonly kind: 'ping' | 'pong'; readonly nonce: number };

const NAME_OF = new Map<number, CacheFrame['kind']>(Object.entries(KIND).map(([k, v]) => [v, k as CacheFrame['kind']]));

export function isCacheFrame(frame: Uint8Array): boolean {
  return frame.length >= 1 && frame[0] === FRAME_CACHE;
}

/**
 * Encode; records that would push the frame past LIMITS.maxFrameBytes or the
 * per-frame count are left out (the caller learns how many went in).
 */
export function encodeCacheFrame(f: CacheFrame): { frame: Buffer; recordsSent: number } {
  const head = Buffer.of(FRAME_CACHE, CACHE_WIRE_VERSION, KIND[f.kind] as CacheFrameKind);
  const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
  if (f.kind === 'ping' || f.kind === 'pong') return { frame: Buffer.concat([head, u32(f.nonce)]), recordsSent: 0 };
  if (f.kind === 'request') return { frame: Buffer.concat([head, u32(f.nonce), Buffer.of(Math.min(255, Math.max(0, f.max)))]), recordsSent: 0 };
  const prefix = f.kind === 'response' ? [head, u32(f.nonce)] : [head];
  const records = (f as { readonly records: readonly Uint8Array[] }).records;
  let size = prefix.reduce((n, b) => n + b.length, 0) + 1;
  const parts: Buffer[] = [];
  for (const r of records) {
    if (parts.length / 2 >= LIMITS.maxRecordsPerFrame || size + 2 + r.length > LIMITS.maxFrameBytes || r.length > 0xffff) break;
    const len = Buffer.alloc(2);
    len.writeUInt16LE(r.length);
    parts.push(len, Buffer.from(r));
    size += 2 + r.length;
  }
  const count = parts.length / 2;
  return { frame: Buffer.concat([...prefix, Buffer.of(count), ...parts]), recordsSent: count };
}

export type DecodeFrameResult = { readonly ok: true; readonly frame: CacheFrame } | { readonly ok: false; readonly reason: 'malformed' | 'oversize' };

/** Never throws: a bad frame is a reason. */
export function decodeCacheFrame(bytes: Uint8Array): DecodeFrameResult {
  if (bytes.length > LIMITS.maxFrameBytes) return { ok: false, reason: 'oversize' };
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = { ok: false, reason: 'malformed' } as const;
  if (b.length < 3 || b[0] !== FRAME_CACHE || b[1] !== CACHE_WIRE_VERSION) return bad;
  const kind = NAME_OF.get(b[2]!);
  if (kind === undefined) return bad;
  if (kind === 'ping' || kind === 'pong') return b.length === 7 ? { ok: true, frame: { kind, nonce: b.readUInt32LE(3) } } : bad;
  if (kind === 'request') return b.length === 8 ? { ok: true, frame: { kind, nonce: b.readUInt32LE(3), max: b[7]! } } : bad;
  let o = 3;
  let nonce = 0;
  if (kind === 'response') {
    if (b.length < 8) return bad;
    nonce = b.readUInt32LE(3);
    o = 7;
  }
  if (o >= b.length) return bad;
  const count = b[o++]!;
  if (count > LIMITS.maxRecordsPerFrame) return bad;
  const records: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (o + 2 > b.length) return bad;
    const len = b.readUInt16LE(o);
    o += 2;
    if (len === 0 || len > LIMITS.maxRecordBytes || o + len > b.length) return bad;
    records.push(b.subarray(o, o + len));
    o += len;
  }
  if (o !== b.length) return bad;
  return { ok: true, frame: kind === 'response' ? { kind, nonce, records } : { kind, records } };
}
