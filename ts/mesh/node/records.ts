/**
 * Peer records: what one node says about itself (its SPIRAL slot, the
 * addresses it broadcasts, its name) plus the VDF attestations its neighbours
 * signed about it. Signed by the origin, carried in SPORE records (one per
 * origin, higher seq replaces lower), so a record can travel any number of
 * hops and still be checked.
 *
 * The seq is the origin's wall clock in ms (kept strictly increasing), so a
 * restarted node's new record replaces its old one without persisted counters.
 */
import { signedBytes, type SporeRecord } from '../spore/store.js';
import type { MeshCrypto } from './crypto.js';

export const PEER_RECORD_VERSION = 1;
export const MAX_ADDRS = 8;
export const MAX_ADDR_BYTES = 200;
export const MAX_NAME_BYTES = 64;
/** Attestations a record carries at most (the heaviest, one per attester). */
export const MAX_ATTESTATIONS = 4;
/** Splice claims a record carries at most: one per axis (docs/spiral.md, "Splices as claims"). */
export const MAX_SPLICE_CLAIMS = 10;
/** Grants a record carries at most: one per zigzag link. */
export const MAX_GRANTS = 20;

/** A splice this node claims as a defect's owner u (its own slot): defect (u, v) on `axis`, link x–y removed. */
export interface SpliceClaimInfo { readonly v: number; readonly axis: number; readonly x: number; readonly y: number }
/** This node grants its zigzag link to `other` to the claim with key `key`. */
export interface GrantInfo { readonly other: number; readonly key: number }

export interface PeerInfo {
  readonly publicKey: Uint8Array;
  readonly slot: number;
  readonly addrs: readonly string[];
  readonly name: string;
  /** Signed VDF attestations by this node's neighbours about it. */
  readonly attestations: readonly Uint8Array[];
  /** Splice claims (the exact-degree rule, docs/spiral.md); absent = none. */
  readonly splices?: readonly SpliceClaimInfo[];
  /** Grants of its zigzag links to splice claims; absent = none. */
  readonly grants?: readonly GrantInfo[];
}

export interface PeerRecord {
  readonly origin: string;
  readonly seq: number;
  readonly info: PeerInfo;
  readonly record: SporeRecord;
}

interface Wire { v: number; pk: string; slot: number; addrs: string[]; name: string; att: string[]; sp?: number[][]; gr?: number[][] }

const isSlot = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isTuple = (t: unknown, n: number): t is number[] => Array.isArray(t) && t.length === n && t.every(isSlot);

export function encodeInfo(info: PeerInfo): Uint8Array {
  const w: Wire = {
    v: PEER_RECORD_VERSION, pk: Buffer.from(info.publicKey).toString('base64'), slot: info.slot,
    addrs: [...info.addrs], name: info.name, att: info.attestations.map((a) => Buffer.from(a).toString('base64')),
  };
  // Only when present: records without them stay byte for byte what they were.
  if (info.splices !== undefined && info.splices.length > 0) w.sp = info.splices.map((c) => [c.v, c.axis, c.x, c.y]);
  if (info.grants !== undefined && info.grants.length > 0) w.gr = info.grants.map((g) => [g.other, g.key]);
  return Buffer.from(JSON.stringify(w), 'utf8');
}

/** Decode and bound-check a payload; undefined when anything is off. Never throws. */
export function decodeInfo(payload: Uint8Array): PeerInfo | undefined {
  let w: Partial<Wire>;
  try {
    w = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<Wire>;
  } catch {
    return undefined;
  }
  if (w === null || typeof w !== 'object' || w.v !== PEER_RECORD_VERSION) return undefined;
  if (typeof w.pk !== 'string' || !Number.isSafeInteger(w.slot) || (w.slot as number) < 0) return undefined;
  if (!Array.isArray(w.addrs) || w.addrs.length > MAX_ADDRS || !w.addrs.every((a) => typeof a === 'string' && Buffer.byteLength(a) <= MAX_ADDR_BYTES)) return undefined;
  if (typeof w.name !== 'string' || Buffer.byteLength(w.name) > MAX_NAME_BYTES) return undefined;
  if (!Array.isArray(w.att) || w.att.length > MAX_ATTESTATIONS || !w.att.every((a) => typeof a === 'string')) return undefined;
  if (w.sp !== undefined && (!Array.isArray(w.sp) || w.sp.length > MAX_SPLICE_CLAIMS || !w.sp.every((t) => isTuple(t, 4) && t[1]! < 10))) return undefined;
  if (w.gr !== undefined && (!Array.isArray(w.gr) || w.gr.length > MAX_GRANTS || !w.gr.every((t) => isTuple(t, 2)))) return undefined;
  const info: PeerInfo = {
    publicKey: new Uint8Array(Buffer.from(w.pk, 'base64')), slot: w.slot as number, addrs: w.addrs, name: w.name,
    attestations: w.att.map((a) => new Uint8Array(Buffer.from(a, 'base64'))),
    ...(w.sp !== undefined ? { splices: w.sp.map(([v, axis, x, y]) => ({ v: v!, axis: axis!, x: x!, y: y! })) } : {}),
    ...(w.gr !== undefined ? { grants: w.gr.map(([other, key]) => ({ other: other!, key: key! })) } : {}),
  };
  return info;
}

export function makeRecord(crypto: MeshCrypto, seq: number, info: PeerInfo): PeerRecord {
  const payload = encodeInfo(info);
  const unsigned = { origin: crypto.peerId, seq, payload };
  const record: SporeRecord = { ...unsigned, signature: crypto.sign(signedBytes(unsigned)) };
  return { origin: crypto.peerId, seq, info, record };
}

/** Parse a verified SPORE record into a peer record (the store verified it already). */
export function peerRecordOf(record: SporeRecord): PeerRecord | undefined {
  const info = decodeInfo(record.payload);
  return info === undefined ? undefined : { origin: record.origin, seq: record.seq, info, record };
}

/** The store's check: payload parses and the origin's key signed it. */
export function verifyPeerRecord(crypto: MeshCrypto, record: SporeRecord): boolean {
  const info = decodeInfo(record.payload);
  if (info === undefined) return false;
  return crypto.verify(record.origin, info.publicKey, signedBytes(record), record.signature);
}

/**
 * Verified VDF work behind a record: the sum over distinct attesters (never the
 * subject itself) of the steps each one signed. Nothing the subject reports
 * about itself counts; an attestation that does not verify, names another
 * subject or repeats an attester adds nothing.
 */
export function verifiedWorkOf(crypto: MeshCrypto, r: PeerRecord): bigint {
  const best = new Map<string, number>();
  for (const a of r.info.attestations) {
    const c = crypto.checkAttestation(a);
    if (c === undefined || c.subject !== r.origin || c.attester === r.origin) continue;
    best.set(c.attester, Math.max(best.get(c.attester) ?? 0, c.steps));
  }
  let sum = 0n;
  for (const s of best.values()) sum += BigInt(Math.max(0, Math.floor(s)));
  return sum;
}
