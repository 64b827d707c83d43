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

export interface PeerInfo {
  readonly publicKey: Uint8Array;
  readonly slot: number;
  readonly addrs: readonly string[];
  readonly name: string;
  /** Signed VDF attestations by this node's neighbours about it. */
  readonly attestations: readonly Uint8Array[];
}

export interface PeerRecord {
  readonly origin: string;
  readonly seq: number;
  readonly info: PeerInfo;
  readonly record: SporeRecord;
}

interface Wire { v: number; pk: string; slot: number; addrs: string[]; name: string; att: string[] }

export function encodeInfo(info: PeerInfo): Uint8Array {
  const w: Wire = {
    v: PEER_RECORD_VERSION, pk: Buffer.from(info.publicKey).toString('base64'), slot: info.slot,
    addrs: [...info.addrs], name: info.name, att: info.attestations.map((a) => Buffer.from(a).toString('base64')),
  };
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
  return {
    publicKey: new Uint8Array(Buffer.from(w.pk, 'base64')), slot: w.slot as number, addrs: w.addrs, name: w.name,
    attestations: w.att.map((a) => new Uint8Array(Buffer.from(a, 'base64'))),
  };
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
