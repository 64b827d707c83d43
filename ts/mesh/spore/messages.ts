/**
 * SPORE wire format (version 1). All integers are unsigned LEB128 varints.
 *
 *   message := version:u8 range*
 *   range   := bound mode:u8 payload
 *   bound   := varint(ts + 1, or 0 for +∞) prefixLen:u8 prefix[prefixLen]
 *   payload := ε                                  (mode 0, Skip)
 *            | fingerprint[16]                    (mode 1, Fingerprint)
 *            | varint(count) id[16]×count         (mode 2, IdList)
 *
 * A range covers [previous range's bound, its own bound); the first starts at
 * the bottom. Decoding checks, before allocating anything: total size ≤
 * MAX_MESSAGE_BYTES, known version and modes, prefixLen ≤ 16, strictly
 * increasing bounds, and that each count fits in the bytes left. A bad
 * message is data, not an exception: `decodeMessage` returns a coded error.
 */
import { LagoonError } from '../../core/errors.js';
import {
  FP_BYTES,
  ID_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_PREFIX_BYTES,
  MAX_RANGES,
  MAX_TS,
  MODE_FINGERPRINT,
  MODE_IDLIST,
  MODE_SKIP,
  SPORE_VERSION,
} from './constants.js';
import { compareIds, type Bound } from './items.js';
import { decodeVarint, encodeVarint } from './varint.js';

export type Range =
  | { readonly upper: Bound; readonly mode: 'skip' }
  | { readonly upper: Bound; readonly mode: 'fingerprint'; readonly fp: Uint8Array }
  | { readonly upper: Bound; readonly mode: 'idlist'; readonly ids: readonly Uint8Array[] };

export interface SporeMessage {
  readonly ranges: readonly Range[];
}

export type DecodeResult = { ok: true; msg: SporeMessage } | { ok: false; error: LagoonError };

export function boundBytes(b: Bound): number {
  return encodeVarint(b.ts === Infinity ? 0 : b.ts + 1).length + 1 + b.prefix.length;
}

export function rangeBytes(r: Range): number {
  const base = boundBytes(r.upper) + 1;
  if (r.mode === 'skip') return base;
  if (r.mode === 'fingerprint') return base + FP_BYTES;
  return base + encodeVarint(r.ids.length).length + r.ids.length * ID_BYTES;
}

export function encodeMessage(msg: SporeMessage): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(SPORE_VERSION)];
  for (const r of msg.ranges) {
    parts.push(encodeVarint(r.upper.ts === Infinity ? 0 : r.upper.ts + 1), Uint8Array.of(r.upper.prefix.length), r.upper.prefix);
    if (r.mode === 'skip') parts.push(Uint8Array.of(MODE_SKIP));
    else if (r.mode === 'fingerprint') parts.push(Uint8Array.of(MODE_FINGERPRINT), r.fp);
    else parts.push(Uint8Array.of(MODE_IDLIST), encodeVarint(r.ids.length), ...r.ids);
  }
  const out = Buffer.concat(parts);
  if (out.length > MAX_MESSAGE_BYTES) throw LagoonError.invalidArgument(`SPORE message of ${out.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function bad(reason: string): DecodeResult {
  return { ok: false, error: LagoonError.protocol(`spore: ${reason}`) };
}

function compareBounds(a: Bound, b: Bound): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return compareIds(a.prefix, b.prefix);
}

export function decodeMessage(buf: Uint8Array): DecodeResult {
  if (buf.length > MAX_MESSAGE_BYTES) return bad(`message of ${buf.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  if (buf.length < 1) return bad('empty message');
  if (buf[0] !== SPORE_VERSION) return bad(`unsupported version ${buf[0]}`);
  const ranges: Range[] = [];
  let off = 1;
  let prev: Bound | undefined;
  while (off < buf.length) {
    if (ranges.length >= MAX_RANGES) return bad('too many ranges');
    const t = decodeVarint(buf, off);
    if (t === undefined) return bad('truncated bound');
    const [tsEnc, o1] = t;
    if (tsEnc - 1 > MAX_TS) return bad('bound timestamp out of range');
    if (o1 >= buf.length) return bad('truncated bound');
    const plen = buf[o1]!;
    if (plen > MAX_PREFIX_BYTES) return bad(`bound prefix of ${plen} bytes`);
    const o2 = o1 + 1 + plen;
    if (o2 >= buf.length) return bad('truncated range');
    const upper: Bound = { ts: tsEnc === 0 ? Infinity : tsEnc - 1, prefix: buf.slice(o1 + 1, o2) };
    if (prev !== undefined && (prev.ts === Infinity || compareBounds(prev, upper) >= 0)) return bad('bounds not increasing');
    prev = upper;
    const mode = buf[o2]!;
    off = o2 + 1;
    if (mode === MODE_SKIP) {
      ranges.push({ upper, mode: 'skip' });
    } else if (mode === MODE_FINGERPRINT) {
      if (off + FP_BYTES > buf.length) return bad('truncated fingerprint');
      ranges.push({ upper, mode: 'fingerprint', fp: buf.slice(off, off + FP_BYTES) });
      off += FP_BYTES;
    } else if (mode === MODE_IDLIST) {
      const c = decodeVarint(buf, off);
      if (c === undefined) return bad('truncated id count');
      const [count, o3] = c;
      if (count > (buf.length - o3) / ID_BYTES) return bad(`id count ${count} exceeds the message`);
      const ids: Uint8Array[] = [];
      for (let i = 0; i < count; i++) ids.push(buf.slice(o3 + i * ID_BYTES, o3 + (i + 1) * ID_BYTES));
      ranges.push({ upper, mode: 'idlist', ids });
      off = o3 + count * ID_BYTES;
    } else {
      return bad(`unknown mode ${mode}`);
    }
  }
  return { ok: true, msg: { ranges } };
}
