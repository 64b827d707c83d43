/**
 * The mesh HELLO codec: one binary frame, little-endian, every length checked
 * before anything is copied. See docs/mesh-hello.md for the table and rules.
 *
 *   u8  type 0x48 | u8 major | u8 minor | u8 flags
 *   [32] publicKey | u64 timestampMs | [16] nonce | u32 capabilities
 *   str8 peerId | str8 nodeName | str8 siteName
 *   [u64 spiralSlot]            flags & 1
 *   [u64 height ‖ u64 work]     flags & 2   (VDF status)
 *   [str8 yggAddr]              flags & 4
 *   [str8 yggPeerUri]           flags & 8
 *   TLV tail: (u8 tag ≥ 1 ‖ u16 len ‖ value)*, tags strictly ascending
 *
 * str8 = u8 length ‖ UTF-8. Flag bits 4..7 must be zero. The whole frame is
 * at most HELLO_LIMITS.maxHelloBytes. Fields added in a later minor version go
 * in the TLV tail, so a v1.0 decoder reads a v1.x HELLO and keeps unknown
 * extensions as opaque bytes.
 */
import { LagoonError } from '../../core/errors.js';
import { FRAME_HELLO, HELLO_KEY_LEN, HELLO_LIMITS, HELLO_NONCE_LEN, HELLO_VERSION } from './constants.js';

export interface HelloVersion { readonly major: number; readonly minor: number }
export interface VdfStatus {
  /** Length of our VDF chain, in windows. */
  readonly height: number;
  /** Cumulative verified work (u64). Used to settle SPIRAL slot conflicts. */
  readonly verifiedWork: bigint;
}
/** A TLV field this decoder does not know; kept opaque for round trips and logs. */
export interface HelloExtension { readonly tag: number; readonly value: Uint8Array }

export interface Hello {
  readonly protocolVersion: HelloVersion;
  readonly peerId: string;
  /** Raw Ed25519 public key; must equal the key proven by the link handshake. */
  readonly publicKey: Uint8Array;
  readonly nodeName: string;
  readonly siteName: string;
  readonly spiralSlot: number | null;
  readonly vdf: VdfStatus | null;
  /** Yggdrasil overlay address (`200:…`), filled once Ygg runs. */
  readonly yggAddr: string | null;
  /** `tcp://[200:…]:9443`: the first Ygg peer for a joiner (seed 000). */
  readonly yggPeerUri: string | null;
  /** CAPABILITY bits; unknown bits are kept. */
  readonly capabilities: number;
  /** Sender's wall clock, Unix ms. */
  readonly timestampMs: number;
  readonly nonce: Uint8Array;
  readonly extensions: readonly HelloExtension[];
}

const FLAG_SLOT = 1;
const FLAG_VDF = 2;
const FLAG_YGG_ADDR = 4;
const FLAG_YGG_URI = 8;
const KNOWN_FLAGS = FLAG_SLOT | FLAG_VDF | FLAG_YGG_ADDR | FLAG_YGG_URI;
const HEADER_BYTES = 4;
const U64_MAX = (1n << 64n) - 1n;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type TextKind = 'ascii' | 'utf8';
interface StrSpec { readonly name: string; readonly max: number; readonly kind: TextKind }
const PEER_ID: StrSpec = { name: 'peerId', max: HELLO_LIMITS.maxPeerIdBytes, kind: 'ascii' };
const NODE_NAME: StrSpec = { name: 'nodeName', max: HELLO_LIMITS.maxNodeNameBytes, kind: 'utf8' };
const SITE_NAME: StrSpec = { name: 'siteName', max: HELLO_LIMITS.maxSiteNameBytes, kind: 'utf8' };
const YGG_ADDR: StrSpec = { name: 'yggAddr', max: HELLO_LIMITS.maxYggAddrBytes, kind: 'ascii' };
const YGG_URI: StrSpec = { name: 'yggPeerUri', max: HELLO_LIMITS.maxYggPeerUriBytes, kind: 'ascii' };

/** C0 controls and DEL never belong in a name (they would forge log lines); ASCII fields are printable only. */
function badText(s: string, kind: TextKind): boolean {
  return kind === 'ascii' ? !/^[\x21-\x7e]*$/.test(s) : /[\x00-\x1f\x7f]/.test(s);
}

// ---------------------------------------------------------------- encode

function strBytes(s: string, spec: StrSpec): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length > spec.max) throw LagoonError.invalidArgument(`hello ${spec.name} is ${b.length} bytes, at most ${spec.max}`);
  if (badText(s, spec.kind)) throw LagoonError.invalidArgument(`hello ${spec.name} holds characters not allowed in it`);
  return b;
}

function safeInt(v: number, name: string): bigint {
  if (!Number.isSafeInteger(v) || v < 0) throw LagoonError.invalidArgument(`hello ${name} must be a non-negative safe integer, got ${v}`);
  return BigInt(v);
}

/** Encode a HELLO. Throws ERR_INVALID_ARGUMENT (API misuse) on out-of-bounds fields. */
export function encodeHello(h: Hello): Buffer {
  const { major, minor } = h.protocolVersion;
  if (!isU8(major) || !isU8(minor)) throw LagoonError.invalidArgument('hello protocolVersion parts must be u8');
  if (h.publicKey.length !== HELLO_KEY_LEN) throw LagoonError.invalidArgument(`hello publicKey must be ${HELLO_KEY_LEN} bytes`);
  if (h.nonce.length !== HELLO_NONCE_LEN) throw LagoonError.invalidArgument(`hello nonce must be ${HELLO_NONCE_LEN} bytes`);
  if (!Number.isInteger(h.capabilities) || h.capabilities < 0 || h.capabilities > 0xffffffff) throw LagoonError.invalidArgument('hello capabilities must be a u32');
  const parts: Buffer[] = [];
  const u64 = (v: bigint): void => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); parts.push(b); };
  const str = (s: string, spec: StrSpec): void => { const b = strBytes(s, spec); parts.push(Buffer.of(b.length), b); };
  const flags = (h.spiralSlot !== null ? FLAG_SLOT : 0) | (h.vdf !== null ? FLAG_VDF : 0)
    | (h.yggAddr !== null ? FLAG_YGG_ADDR : 0) | (h.yggPeerUri !== null ? FLAG_YGG_URI : 0);
  parts.push(Buffer.of(FRAME_HELLO, major, minor, flags), Buffer.from(h.publicKey));
  u64(safeInt(h.timestampMs, 'timestampMs'));
  parts.push(Buffer.from(h.nonce));
  const caps = Buffer.alloc(4); caps.writeUInt32LE(h.capabilities); parts.push(caps);
  str(h.peerId, PEER_ID); str(h.nodeName, NODE_NAME); str(h.siteName, SITE_NAME);
  if (h.spiralSlot !== null) u64(safeInt(h.spiralSlot, 'spiralSlot'));
  if (h.vdf !== null) {
    u64(safeInt(h.vdf.height, 'vdf.height'));
    if (h.vdf.verifiedWork < 0n || h.vdf.verifiedWork > U64_MAX) throw LagoonError.invalidArgument('hello vdf.verifiedWork must be a u64');
    u64(h.vdf.verifiedWork);
  }
  if (h.yggAddr !== null) str(h.yggAddr, YGG_ADDR);
  if (h.yggPeerUri !== null) str(h.yggPeerUri, YGG_URI);
  encodeExtensions(h.extensions, parts);
  const out = Buffer.concat(parts);
  if (out.length > HELLO_LIMITS.maxHelloBytes) throw LagoonError.invalidArgument(`hello is ${out.length} bytes, at most ${HELLO_LIMITS.maxHelloBytes}`);
  return out;
}

function encodeExtensions(exts: readonly HelloExtension[], parts: Buffer[]): void {
  if (exts.length > HELLO_LIMITS.maxExtensions) throw LagoonError.invalidArgument(`hello carries ${exts.length} extensions, at most ${HELLO_LIMITS.maxExtensions}`);
  let last = 0;
  for (const e of exts) {
    if (!isU8(e.tag) || e.tag <= last) throw LagoonError.invalidArgument('hello extension tags must be u8, ≥ 1, strictly ascending');
    if (e.value.length > 0xffff) throw LagoonError.invalidArgument('hello extension value too long');
    last = e.tag;
    const head = Buffer.alloc(3);
    head[0] = e.tag;
    head.writeUInt16LE(e.value.length, 1);
    parts.push(head, Buffer.from(e.value));
  }
}

function isU8(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xff;
}

// ---------------------------------------------------------------- decode

/** Bounds-checked cursor; every read fails with ERR_PROTOCOL past the end. */
class Reader {
  at = 0;
  constructor(private readonly b: Buffer) {}
  get left(): number { return this.b.length - this.at; }
  take(n: number, what: string): Buffer {
    if (n > this.left) throw malformed(`truncated ${what}`);
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u8(what: string): number { return this.take(1, what)[0] as number; }
  u16(what: string): number { return this.take(2, what).readUInt16LE(0); }
  u32(what: string): number { return this.take(4, what).readUInt32LE(0); }
  u64(what: string): bigint { return this.take(8, what).readBigUInt64LE(0); }
  safe(what: string): number {
    const v = this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} above 2^53`);
    return Number(v);
  }
  str(spec: StrSpec): string {
    const n = this.u8(`${spec.name} length`);
    if (n > spec.max) throw malformed(`${spec.name} is ${n} bytes, at most ${spec.max}`);
    let s: string;
    try { s = utf8.decode(this.take(n, spec.name)); } catch (err) {
      if (err instanceof LagoonError) throw err;
      throw malformed(`${spec.name} is not UTF-8`);
    }
    if (badText(s, spec.kind)) throw malformed(`${spec.name} holds characters not allowed in it`);
    return s;
  }
}

function malformed(what: string): LagoonError {
  return LagoonError.protocol(`hello malformed: ${what}`);
}

/** The version a HELLO frame claims, or null when the bytes are not a HELLO at all. Never throws. */
export function peekHelloVersion(bytes: Uint8Array): HelloVersion | null {
  if (bytes.length < 3 || bytes[0] !== FRAME_HELLO) return null;
  return { major: bytes[1] as number, minor: bytes[2] as number };
}

/** True when a link frame is a HELLO (by its type byte). */
export function isHelloFrame(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === FRAME_HELLO;
}

/**
 * Decode a HELLO of our major version. Hostile bytes give a LagoonError
 * ERR_PROTOCOL (origin 'peer') and nothing else; at most maxHelloBytes are
 * ever copied.
 */
export function decodeHello(bytes: Uint8Array): Hello {
  try {
    return decodeUnchecked(bytes);
  } catch (err) {
    if (err instanceof LagoonError && err.code === 'ERR_PROTOCOL') throw err;
    throw LagoonError.protocol('hello malformed', err);
  }
}

function decodeUnchecked(bytes: Uint8Array): Hello {
  if (bytes.length > HELLO_LIMITS.maxHelloBytes) throw malformed(`${bytes.length} bytes, at most ${HELLO_LIMITS.maxHelloBytes}`);
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (r.u8('type') !== FRAME_HELLO) throw malformed('not a HELLO frame');
  const major = r.u8('version');
  const minor = r.u8('version');
  if (major !== HELLO_VERSION.major) throw LagoonError.protocol(`hello version ${major}.${minor} is not ${HELLO_VERSION.major}.x`);
  const flags = r.u8('flags');
  if ((flags & ~KNOWN_FLAGS) !== 0) throw malformed(`unknown flag bits 0x${flags.toString(16)}`);
  const publicKey = Uint8Array.from(r.take(HELLO_KEY_LEN, 'publicKey'));
  const timestampMs = r.safe('timestampMs');
  const nonce = Uint8Array.from(r.take(HELLO_NONCE_LEN, 'nonce'));
  const capabilities = r.u32('capabilities');
  const peerId = r.str(PEER_ID);
  const nodeName = r.str(NODE_NAME);
  const siteName = r.str(SITE_NAME);
  const spiralSlot = (flags & FLAG_SLOT) !== 0 ? r.safe('spiralSlot') : null;
  const vdf = (flags & FLAG_VDF) !== 0 ? { height: r.safe('vdf.height'), verifiedWork: r.u64('vdf.verifiedWork') } : null;
  const yggAddr = (flags & FLAG_YGG_ADDR) !== 0 ? r.str(YGG_ADDR) : null;
  const yggPeerUri = (flags & FLAG_YGG_URI) !== 0 ? r.str(YGG_URI) : null;
  const extensions = decodeExtensions(r);
  return {
    protocolVersion: { major, minor }, peerId, publicKey, nodeName, siteName, spiralSlot, vdf,
    yggAddr, yggPeerUri, capabilities, timestampMs, nonce, extensions,
  };
}

function decodeExtensions(r: Reader): HelloExtension[] {
  const out: HelloExtension[] = [];
  let last = 0;
  while (r.left > 0) {
    if (out.length === HELLO_LIMITS.maxExtensions) throw malformed(`more than ${HELLO_LIMITS.maxExtensions} extensions`);
    const tag = r.u8('extension tag');
    if (tag <= last) throw malformed('extension tags not strictly ascending');
    last = tag;
    const len = r.u16('extension length');
    out.push({ tag, value: Uint8Array.from(r.take(len, `extension ${tag}`)) });
  }
  return out;
}
