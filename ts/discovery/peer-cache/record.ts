/**
 * Signed address records: what a broadcasting node says about itself (its
 * dialable mesh addresses, capabilities, NAT type), signed with its node key.
 * Only these records travel in cache gossip, so a silent node, which never
 * signs one, never has its address passed on by anybody.
 *
 *   u8 version | [32] publicKey | u64 seq | u32 capabilities | u8 natType
 *   u8 count | (u8 len ‖ ASCII address)* | [64] Ed25519 signature
 *
 * The signature covers RECORD_DOMAIN ‖ everything before it. `seq` is the
 * origin's wall clock in ms when it signed, kept strictly increasing, so it
 * is both the replay/staleness order and the record's age. The peer_id is
 * derived from the key, never carried.
 */
import { LagoonError } from '../../core/errors.js';
import { peerIdFromPublicKey, verifySignature } from '../../core/identity.js';
import { LIMITS, NAT_TYPES, RECORD_DOMAIN, RECORD_VERSION, type NatType } from './constants.js';

export interface RecordFields {
  readonly seq: number;
  readonly capabilities: number;
  readonly natType: NatType;
  readonly addresses: readonly string[];
}

export interface SignedRecord extends RecordFields {
  readonly peerId: string;
  readonly publicKey: Buffer;
  /** The whole record as signed and sent (passed on verbatim, never re-encoded). */
  readonly bytes: Buffer;
}

const KEY = 32;
const SIG = 64;
const DOMAIN = Buffer.from(RECORD_DOMAIN, 'utf8');

/**
 * A mesh address another node could dial: tcp/tls/ws/wss, printable ASCII,
 * host and port present. Memory addresses never leave a process.
 */
export function isShareableAddress(a: string): boolean {
  if (a.length === 0 || a.length > LIMITS.maxAddrBytes) return false;
  // Explicit port always (URL would hide a default one such as wss's 443); host a name, IPv4 or [IPv6].
  const m = /^(?:tcp|tls|ws|wss):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})(?:\/[\x21-\x7e]*)?$/.exec(a);
  if (m === null) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}

function checkFields(f: RecordFields): void {
  if (!Number.isSafeInteger(f.seq) || f.seq <= 0) throw LagoonError.invalidArgument(`record seq must be a positive safe integer, got ${f.seq}`);
  if (!Number.isInteger(f.capabilities) || f.capabilities < 0 || f.capabilities > 0xffffffff) throw LagoonError.invalidArgument('record capabilities must be a u32');
  if (!NAT_TYPES.includes(f.natType)) throw LagoonError.invalidArgument(`unknown NAT type ${f.natType}`);
  if (f.addresses.length > LIMITS.maxAddrs) throw LagoonError.invalidArgument(`record holds ${f.addresses.length} addresses, at most ${LIMITS.maxAddrs}`);
  for (const a of f.addresses) if (!isShareableAddress(a)) throw LagoonError.invalidArgument(`not a shareable mesh address: ${JSON.stringify(a)}`);
}

function encodeBody(publicKey: Uint8Array, f: RecordFields): Buffer {
  const head = Buffer.alloc(1 + KEY + 8 + 4 + 1 + 1);
  let o = head.writeUInt8(RECORD_VERSION, 0);
  Buffer.from(publicKey).copy(head, o); o += KEY;
  o = head.writeBigUInt64LE(BigInt(f.seq), o);
  o = head.writeUInt32LE(f.capabilities, o);
  o = head.writeUInt8(NAT_TYPES.indexOf(f.natType), o);
  head.writeUInt8(f.addresses.length, o);
  const parts = [head];
  for (const a of f.addresses) { const b = Buffer.from(a, 'ascii'); parts.push(Buffer.of(b.length), b); }
  return Buffer.concat(parts);
}

/** Sign our own record. Throws ERR_INVALID_ARGUMENT on bad fields (API misuse). */
export function signRecord(publicKey: Uint8Array, sign: (msg: Uint8Array) => Uint8Array, f: RecordFields): SignedRecord {
  if (publicKey.length !== KEY) throw LagoonError.invalidArgument('record public key must be 32 bytes');
  checkFields(f);
  const body = encodeBody(publicKey, f);
  const sig = sign(Buffer.concat([DOMAIN, body]));
  return { ...f, addresses: [...f.addresses], peerId: peerIdFromPublicKey(publicKey), publicKey: Buffer.from(publicKey), bytes: Buffer.concat([body, sig]) };
}

export type DecodeResult =
  | { readonly ok: true; readonly record: SignedRecord }
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' };

/** Parse and verify a record from a peer. Never throws: bad input is a reason. */
export function decodeRecord(bytes: Uint8Array): DecodeResult {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fixed = 1 + KEY + 8 + 4 + 1 + 1;
  if (b.length < fixed + SIG || b.length > LIMITS.maxRecordBytes || b[0] !== RECORD_VERSION) return { ok: false, reason: 'malformed' };
  const publicKey = Buffer.from(b.subarray(1, 1 + KEY));
  let o = 1 + KEY;
  const seq64 = b.readBigUInt64LE(o); o += 8;
  const capabilities = b.readUInt32LE(o); o += 4;
  const natType = NAT_TYPES[b[o++]!];
  const count = b[o++]!;
  if (natType === undefined || count > LIMITS.maxAddrs || seq64 === 0n || seq64 > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'malformed' };
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    if (o >= b.length - SIG) return { ok: false, reason: 'malformed' };
    const len = b[o++]!;
    if (o + len > b.length - SIG) return { ok: false, reason: 'malformed' };
    const a = b.toString('latin1', o, o + len);
    o += len;
    if (!isShareableAddress(a)) return { ok: false, reason: 'malformed' };
    addresses.push(a);
  }
  if (o !== b.length - SIG) return { ok: false, reason: 'malformed' };
  if (!verifySignature(publicKey, Buffer.concat([DOMAIN, b.subarray(0, o)]), b.subarray(o))) return { ok: false, reason: 'forged' };
  return { ok: true, record: { peerId: peerIdFromPublicKey(publicKey), publicKey, seq: Number(seq64), capabilities, natType, addresses, bytes: Buffer.from(b) } };
}
