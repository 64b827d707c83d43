/**
 * The gossip codec: canonical binary frames, little-endian, every length
 * checked before anything is copied. One value has exactly one encoding
 * (fixed-width integers, length-prefixed strings, no optional trailing bytes),
 * so a signature over the bytes is a signature over the value. Table and
 * rules in docs/gossip.md.
 *
 *   frame   := u8 0x47 | u8 ttl | u8 hops | u8 version | u8 kind | rest
 *   signed  := rest = [32] origin | u64 timestampMs | [16] id | u16 bodyLen | body | [64] sig
 *              sig = Ed25519(origin, DOMAIN_MSG ‖ frame[3 .. end−64])
 *   control := rest = u8 count | ([32] origin ‖ [16] id ‖ u8 hops)*   (IHAVE, GRAFT, PRUNE: one hop, unsigned)
 *   record  := [32] key | u64 seq | u64 issuedAtMs | u32 caps | u8 flags | u8 n | str8* | u8 m | str8* | [64] sig
 *              sig = Ed25519(key, DOMAIN_RECORD ‖ record[0 .. end−64])
 *
 * ttl and hops change at every hop, so they sit outside the signed bytes; a
 * receiver caps ttl at its configured maximum for the kind.
 *
 * IP-sharing rule, structurally: the only type that can carry an address is
 * `PeerRecord`, and a PeerRecord exists only when it was signed by the key it
 * describes with the broadcast flag set (`signRecord` for our own, `decode*`
 * for a received one, which refuses a record without the flag). Addresses a
 * node observes on its direct links are `ObservedAddress` (observed.ts), which
 * this module never imports.
 */
import { CONTROL, FRAME_GOSSIP, GOSSIP_LIMITS, GOSSIP_VERSION, ID_BYTES, KEY_BYTES, KIND, MID_BYTES, SIG_BYTES,
  type ControlKind, type DropReason, type SignedKind } from './constants.js';

/** Signs with the node key. `publicKey` is the raw 32-byte Ed25519 key. */
export interface Signer {
  readonly publicKey: Uint8Array;
  sign(bytes: Uint8Array): Uint8Array;
}
export type Verify = (publicKey: Uint8Array, bytes: Uint8Array, signature: Uint8Array) => boolean;

const DOMAIN_MSG = Buffer.from('lagoon/gossip/msg/v1\0', 'latin1');
const DOMAIN_RECORD = Buffer.from('lagoon/gossip/record/v1\0', 'latin1');
const FLAG_BROADCAST = 1;
const FLAG_FRESH = 2;
const PREFIX_BYTES = 5;
const SIGNED_HEAD_BYTES = KEY_BYTES + 8 + ID_BYTES + 2;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface RecordFields {
  /** Increases with every new record from the same key; older ones are ignored. */
  readonly seq: number;
  /** Origin's wall clock when it signed, Unix ms. */
  readonly issuedAtMs: number;
  readonly capabilities: number;
  /** Where the peer accepts mesh links (`tcp://host:port`, …): the addresses it chose to publish. */
  readonly addrs: readonly string[];
  /** What the peer serves (e.g. repository names), for PEER_REQUEST matching. */
  readonly topics: readonly string[];
}

const TOKEN: unique symbol = Symbol('peer-record');

/** A broadcasting peer's self-signed record: the one carrier of addresses in gossip. */
export class PeerRecord implements RecordFields {
  readonly keyHex: string;
  /** @internal Constructed only by signRecord / decoding (the token is module-private). */
  constructor(
    token: typeof TOKEN,
    readonly publicKey: Uint8Array,
    readonly seq: number,
    readonly issuedAtMs: number,
    readonly capabilities: number,
    readonly addrs: readonly string[],
    readonly topics: readonly string[],
    /** The canonical signed encoding, as it travels. */
    readonly bytes: Uint8Array,
  ) {
    if (token !== TOKEN) throw new TypeError('PeerRecord is built only by signRecord or the decoder');
    this.keyHex = Buffer.from(publicKey).toString('hex');
    Object.freeze(this);
  }
}

export type Body =
  /** `fresh`: the sender has not carried a tree payload yet (cold start); see tree.ts. */
  | { readonly kind: typeof KIND.hello; readonly capabilities: number; readonly fresh: boolean; readonly record: PeerRecord | null }
  | { readonly kind: typeof KIND.announce | typeof KIND.update; readonly record: PeerRecord }
  | { readonly kind: typeof KIND.request; readonly maxResults: number; readonly topic: string }
  | { readonly kind: typeof KIND.response; readonly requester: Uint8Array; readonly requestId: Uint8Array; readonly records: readonly PeerRecord[] }
  | { readonly kind: typeof KIND.heartbeat; readonly seq: number };

export interface SignedMessage {
  readonly kind: SignedKind;
  readonly ttl: number;
  readonly hops: number;
  readonly origin: Uint8Array;
  readonly timestampMs: number;
  readonly id: Uint8Array;
  readonly body: Body;
  /** The frame as received (ttl/hops as they arrived). */
  readonly frame: Uint8Array;
  /** origin ‖ id as a latin1 string: the message key (dedup, IHAVE, GRAFT). */
  readonly mid: string;
}

/** A message key in a control frame; `hops` is how far the sender's copy travelled (IHAVE; 0 otherwise). */
export interface ControlEntry { readonly mid: string; readonly hops: number }

export type Decoded =
  | { readonly type: 'signed'; readonly msg: SignedMessage }
  | { readonly type: 'control'; readonly kind: ControlKind; readonly entries: readonly ControlEntry[] }
  | { readonly type: 'drop'; readonly reason: DropReason; readonly detail: string };

/** origin ‖ id as a Map key. */
export function midOf(origin: Uint8Array, id: Uint8Array): string {
  return Buffer.concat([origin, id]).toString('latin1');
}

// ---------------------------------------------------------------- encode

class Writer {
  readonly parts: Buffer[] = [];
  bytes(b: Uint8Array): this { this.parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength)); return this; }
  u8(v: number): this { this.parts.push(Buffer.of(v)); return this; }
  u16(v: number): this { const b = Buffer.alloc(2); b.writeUInt16LE(v); this.parts.push(b); return this; }
  u32(v: number): this { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.parts.push(b); return this; }
  u64(v: number): this { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.parts.push(b); return this; }
  str(s: string, max: number, what: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > max) throw new RangeError(`gossip ${what} is ${b.length} bytes, at most ${max}`);
    return this.u8(b.length).bytes(b);
  }
  done(): Buffer { return Buffer.concat(this.parts); }
}

function checkU64(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`gossip ${what} must be a non-negative safe integer, got ${v}`);
}

function checkText(s: string, ascii: boolean, what: string): void {
  if (ascii ? !/^[\x21-\x7e]+$/.test(s) : /[\x00-\x1f\x7f]/.test(s)) throw new RangeError(`gossip ${what} holds characters not allowed in it`);
}

/** Our own broadcast record, signed. Throws RangeError (API misuse) on out-of-bounds fields. */
export function signRecord(signer: Signer, f: RecordFields): PeerRecord {
  checkU64(f.seq, 'record seq');
  checkU64(f.issuedAtMs, 'record issuedAtMs');
  if (!Number.isInteger(f.capabilities) || f.capabilities < 0 || f.capabilities > 0xffffffff) throw new RangeError('gossip capabilities must be a u32');
  if (f.addrs.length > GOSSIP_LIMITS.maxAddrs) throw new RangeError(`gossip record carries ${f.addrs.length} addresses, at most ${GOSSIP_LIMITS.maxAddrs}`);
  if (f.topics.length > GOSSIP_LIMITS.maxTopics) throw new RangeError(`gossip record carries ${f.topics.length} topics, at most ${GOSSIP_LIMITS.maxTopics}`);
  const w = new Writer().bytes(signer.publicKey).u64(f.seq).u64(f.issuedAtMs).u32(f.capabilities).u8(FLAG_BROADCAST).u8(f.addrs.length);
  for (const a of f.addrs) { checkText(a, true, 'address'); w.str(a, GOSSIP_LIMITS.maxAddrBytes, 'address'); }
  w.u8(f.topics.length);
  for (const t of f.topics) { checkText(t, false, 'topic'); w.str(t, GOSSIP_LIMITS.maxTopicBytes, 'topic'); }
  const unsigned = w.done();
  const sig = signer.sign(Buffer.concat([DOMAIN_RECORD, unsigned]));
  const bytes = Buffer.concat([unsigned, sig]);
  return new PeerRecord(TOKEN, Buffer.from(signer.publicKey), f.seq, f.issuedAtMs, f.capabilities, Object.freeze([...f.addrs]), Object.freeze([...f.topics]), bytes);
}

export interface MessageFields {
  readonly ttl: number;
  readonly timestampMs: number;
  /** 16 bytes from the node's RNG: with the origin key, the message key. */
  readonly id: Uint8Array;
  readonly body: Body;
}

function encodeBody(w: Writer, body: Body): void {
  switch (body.kind) {
    case KIND.hello:
      w.u32(body.capabilities).u8((body.record !== null ? FLAG_BROADCAST : 0) | (body.fresh ? FLAG_FRESH : 0));
      if (body.record !== null) w.bytes(body.record.bytes);
      return;
    case KIND.announce:
    case KIND.update:
      w.bytes(body.record.bytes);
      return;
    case KIND.request:
      if (!Number.isInteger(body.maxResults) || body.maxResults < 1 || body.maxResults > GOSSIP_LIMITS.maxResponseRecords) throw new RangeError('gossip request maxResults out of range');
      if (body.topic !== '') checkText(body.topic, false, 'topic');
      w.u8(body.maxResults).str(body.topic, GOSSIP_LIMITS.maxTopicBytes, 'topic');
      return;
    case KIND.response:
      if (body.records.length > GOSSIP_LIMITS.maxResponseRecords) throw new RangeError('gossip response carries too many records');
      if (body.requester.length !== KEY_BYTES || body.requestId.length !== ID_BYTES) throw new RangeError('gossip response requester/requestId size');
      w.bytes(body.requester).bytes(body.requestId).u8(body.records.length);
      for (const r of body.records) w.bytes(r.bytes);
      return;
    case KIND.heartbeat:
      checkU64(body.seq, 'heartbeat seq');
      w.u64(body.seq);
      return;
  }
}

/** Encode and sign a message from `signer`. Throws RangeError (API misuse) on bad fields or a frame over the limit. */
export function signMessage(signer: Signer, m: MessageFields): Uint8Array {
  if (m.id.length !== ID_BYTES) throw new RangeError(`gossip id must be ${ID_BYTES} bytes`);
  if (!Number.isInteger(m.ttl) || m.ttl < 0 || m.ttl > 255) throw new RangeError('gossip ttl must be a u8');
  checkU64(m.timestampMs, 'timestampMs');
  const body = new Writer();
  encodeBody(body, m.body);
  const bodyBytes = body.done();
  const region = new Writer().u8(GOSSIP_VERSION).u8(m.body.kind).bytes(signer.publicKey).u64(m.timestampMs).bytes(m.id).u16(bodyBytes.length).bytes(bodyBytes).done();
  const sig = signer.sign(Buffer.concat([DOMAIN_MSG, region]));
  const frame = Buffer.concat([Buffer.of(FRAME_GOSSIP, m.ttl, 0), region, sig]);
  if (frame.length > GOSSIP_LIMITS.maxFrameBytes) throw new RangeError(`gossip frame is ${frame.length} bytes, at most ${GOSSIP_LIMITS.maxFrameBytes}`);
  return frame;
}

/** A copy of `frame` with new ttl and hops (the unsigned bytes). */
export function withHop(frame: Uint8Array, ttl: number, hops: number): Uint8Array {
  const out = Uint8Array.from(frame);
  out[1] = ttl;
  out[2] = Math.min(255, hops);
  return out;
}

const ENTRY_BYTES = MID_BYTES + 1;

/** IHAVE / GRAFT / PRUNE with up to maxControlIds message keys (latin1 strings from `midOf`). */
export function encodeControl(kind: ControlKind, entries: readonly ControlEntry[]): Uint8Array {
  if (entries.length > GOSSIP_LIMITS.maxControlIds) throw new RangeError('gossip control frame carries too many ids');
  const out = Buffer.alloc(PREFIX_BYTES + 1 + entries.length * ENTRY_BYTES);
  out[0] = FRAME_GOSSIP; out[3] = GOSSIP_VERSION; out[4] = kind; out[5] = entries.length;
  entries.forEach((e, i) => {
    if (e.mid.length !== MID_BYTES) throw new RangeError('gossip message key must be 48 bytes');
    const at = PREFIX_BYTES + 1 + i * ENTRY_BYTES;
    out.write(e.mid, at, 'latin1');
    out[at + MID_BYTES] = Math.min(255, e.hops);
  });
  return out;
}

/** The message key of a signed frame, read without decoding or verifying (accounting only). */
export function signedFrameMid(frame: Uint8Array): string {
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const at = PREFIX_BYTES;
  return b.toString('latin1', at, at + KEY_BYTES) + b.toString('latin1', at + KEY_BYTES + 8, at + KEY_BYTES + 8 + ID_BYTES);
}

export function isGossipFrame(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === FRAME_GOSSIP;
}

// ---------------------------------------------------------------- decode

/** Thrown inside the decoder only; turned into a `drop` result. */
class Bad extends Error {
  constructor(readonly reason: DropReason, detail: string) { super(detail); }
}

interface Cursor { readonly b: Buffer; at: number }

function take(c: Cursor, n: number, what: string): Buffer {
  if (n > c.b.length - c.at) throw new Bad('malformed', `truncated ${what}`);
  const out = c.b.subarray(c.at, c.at + n);
  c.at += n;
  return out;
}
const u8 = (c: Cursor, w: string): number => take(c, 1, w)[0] as number;
const u32 = (c: Cursor, w: string): number => take(c, 4, w).readUInt32LE(0);
function u64(c: Cursor, w: string): number {
  const v = take(c, 8, w).readBigUInt64LE(0);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Bad('malformed', `${w} above 2^53`);
  return Number(v);
}
function str(c: Cursor, max: number, ascii: boolean, w: string, allowEmpty = false): string {
  const n = u8(c, `${w} length`);
  if (n > max) throw new Bad('malformed', `${w} is ${n} bytes, at most ${max}`);
  if (n === 0 && !allowEmpty) throw new Bad('malformed', `empty ${w}`);
  let s: string;
  try { s = utf8.decode(take(c, n, w)); } catch (err) {
    if (err instanceof Bad) throw err;
    throw new Bad('malformed', `${w} is not UTF-8`);
  }
  if (s !== '' && (ascii ? !/^[\x21-\x7e]+$/.test(s) : /[\x00-\x1f\x7f]/.test(s))) throw new Bad('malformed', `${w} holds characters not allowed in it`);
  return s;
}

function readRecord(c: Cursor, verify: Verify): PeerRecord {
  const start = c.at;
  const key = take(c, KEY_BYTES, 'record key');
  const seq = u64(c, 'record seq');
  const issuedAtMs = u64(c, 'record issuedAtMs');
  const caps = u32(c, 'record caps');
  const flags = u8(c, 'record flags');
  // No record without the broadcast flag: a silent peer has no record at all.
  if (flags !== FLAG_BROADCAST) throw new Bad('malformed', 'record flags must be exactly "broadcast"');
  const nAddr = u8(c, 'address count');
  if (nAddr > GOSSIP_LIMITS.maxAddrs) throw new Bad('malformed', `record carries ${nAddr} addresses`);
  const addrs: string[] = [];
  for (let i = 0; i < nAddr; i++) addrs.push(str(c, GOSSIP_LIMITS.maxAddrBytes, true, 'address'));
  const nTopic = u8(c, 'topic count');
  if (nTopic > GOSSIP_LIMITS.maxTopics) throw new Bad('malformed', `record carries ${nTopic} topics`);
  const topics: string[] = [];
  for (let i = 0; i < nTopic; i++) topics.push(str(c, GOSSIP_LIMITS.maxTopicBytes, false, 'topic'));
  const unsigned = c.b.subarray(start, c.at);
  const sig = take(c, SIG_BYTES, 'record signature');
  if (!verify(key, Buffer.concat([DOMAIN_RECORD, unsigned]), sig)) throw new Bad('forged', 'record signature does not verify');
  const bytes = Buffer.from(c.b.subarray(start, c.at));
  return new PeerRecord(TOKEN, Buffer.from(key), seq, issuedAtMs, caps, Object.freeze(addrs), Object.freeze(topics), bytes);
}

function readBody(c: Cursor, kind: SignedKind, origin: Buffer, verify: Verify): Body {
  const own = (r: PeerRecord): PeerRecord => {
    if (!origin.equals(r.publicKey)) throw new Bad('forged', 'record key differs from the message origin');
    return r;
  };
  switch (kind) {
    case KIND.hello: {
      const capabilities = u32(c, 'capabilities');
      const flags = u8(c, 'hello flags');
      if ((flags & ~(FLAG_BROADCAST | FLAG_FRESH)) !== 0) throw new Bad('malformed', 'unknown hello flags');
      return { kind, capabilities, fresh: (flags & FLAG_FRESH) !== 0, record: (flags & FLAG_BROADCAST) !== 0 ? own(readRecord(c, verify)) : null };
    }
    case KIND.announce:
    case KIND.update:
      return { kind, record: own(readRecord(c, verify)) };
    case KIND.request: {
      const maxResults = u8(c, 'maxResults');
      if (maxResults < 1 || maxResults > GOSSIP_LIMITS.maxResponseRecords) throw new Bad('malformed', `maxResults ${maxResults}`);
      return { kind, maxResults, topic: str(c, GOSSIP_LIMITS.maxTopicBytes, false, 'topic', true) };
    }
    case KIND.response: {
      const requester = Buffer.from(take(c, KEY_BYTES, 'requester'));
      const requestId = Buffer.from(take(c, ID_BYTES, 'requestId'));
      const n = u8(c, 'record count');
      if (n > GOSSIP_LIMITS.maxResponseRecords) throw new Bad('malformed', `response carries ${n} records`);
      const records: PeerRecord[] = [];
      for (let i = 0; i < n; i++) records.push(readRecord(c, verify));
      return { kind, requester, requestId, records };
    }
    case KIND.heartbeat:
      return { kind, seq: u64(c, 'heartbeat seq') };
  }
}

const SIGNED_KINDS = new Set<number>(Object.values(KIND));
const CONTROL_KINDS = new Set<number>(Object.values(CONTROL));

function decodeUnchecked(b: Buffer, verify: Verify): Decoded {
  if (b.length > GOSSIP_LIMITS.maxFrameBytes) throw new Bad('oversize', `frame is ${b.length} bytes`);
  const c: Cursor = { b, at: 0 };
  if (u8(c, 'type') !== FRAME_GOSSIP) throw new Bad('malformed', 'not a gossip frame');
  const ttl = u8(c, 'ttl');
  const hops = u8(c, 'hops');
  const version = u8(c, 'version');
  if (version !== GOSSIP_VERSION) throw new Bad('malformed', `version ${version}`);
  const kind = u8(c, 'kind');
  if (CONTROL_KINDS.has(kind)) {
    if (ttl !== 0 || hops !== 0) throw new Bad('malformed', 'control frames have ttl 0 and hops 0');
    const n = u8(c, 'id count');
    if (n > GOSSIP_LIMITS.maxControlIds) throw new Bad('malformed', `control frame carries ${n} ids`);
    const entries: ControlEntry[] = [];
    for (let i = 0; i < n; i++) entries.push({ mid: take(c, MID_BYTES, 'message key').toString('latin1'), hops: u8(c, 'hops') });
    if (c.at !== b.length) throw new Bad('malformed', 'trailing bytes');
    return { type: 'control', kind: kind as ControlKind, entries };
  }
  if (!SIGNED_KINDS.has(kind)) throw new Bad('malformed', `unknown kind ${kind}`);
  if (b.length < PREFIX_BYTES + SIGNED_HEAD_BYTES + SIG_BYTES) throw new Bad('malformed', 'truncated message');
  const origin = take(c, KEY_BYTES, 'origin');
  const timestampMs = u64(c, 'timestamp');
  const id = take(c, ID_BYTES, 'id');
  const bodyLen = take(c, 2, 'body length').readUInt16LE(0);
  if (c.at + bodyLen + SIG_BYTES !== b.length) throw new Bad('malformed', 'body length does not match the frame');
  // Verify the envelope before reading the body, so a forged frame costs one verify at most.
  const sigAt = b.length - SIG_BYTES;
  if (!verify(origin, Buffer.concat([DOMAIN_MSG, b.subarray(3, sigAt)]), b.subarray(sigAt))) throw new Bad('forged', 'signature does not verify');
  const bodyCursor: Cursor = { b: b.subarray(0, sigAt), at: c.at };
  const body = readBody(bodyCursor, kind as SignedKind, origin, verify);
  if (bodyCursor.at !== sigAt) throw new Bad('malformed', 'trailing bytes in body');
  const o = Buffer.from(origin);
  const i = Buffer.from(id);
  return { type: 'signed', msg: { kind: kind as SignedKind, ttl, hops, origin: o, timestampMs, id: i, body, frame: b, mid: midOf(o, i) } };
}

/**
 * Decode and verify a frame. Hostile bytes give `{ type: 'drop', reason }`
 * and nothing else: this never throws on input.
 */
export function decodeFrame(bytes: Uint8Array, verify: Verify): Decoded {
  try {
    return decodeUnchecked(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), verify);
  } catch (err) {
    if (err instanceof Bad) return { type: 'drop', reason: err.reason, detail: err.message };
    return { type: 'drop', reason: 'malformed', detail: (err as Error).message };
  }
}
