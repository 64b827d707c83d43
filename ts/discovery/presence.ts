/**
 * Signed presence messages: the JSON a peer POSTs to a rendezvous server's
 * `/publish` (seed 001's shape, so existing clients keep working) plus an
 * optional Ed25519 signature by the node key.
 *
 *   { type: 'online' | 'update' | 'offline', peerId, content, email,
 *     avatarHash, addrs, ts, publicKey?, sig? }
 *
 * The signature covers a canonical encoding (a domain tag, then the JSON
 * array of the fields in a fixed order), so key order, whitespace and extra
 * fields in the posted JSON never change what was signed. `publicKey` is the
 * raw 32-byte key in hex; `peerId` must be the one derived from it, so a
 * valid signature proves the sender holds the key the peer_id names.
 *
 * Pure functions only: parsing never throws on peer input, it returns a
 * reason the HTTP layer turns into a 400.
 */
import { isPeerId, peerIdFromPublicKey, verifySignature, type Identity } from '../core/identity.js';

export type PresenceType = 'online' | 'update' | 'offline';

/** Field limits (issue 7): beyond them a publish is refused with 400. */
export const PRESENCE_LIMITS = Object.freeze({
  peerIdChars: 256,
  contentChars: 4096,
  emailChars: 320,
  avatarHashChars: 256,
  addrs: 20,
  addrChars: 256,
});

const DOMAIN = 'lagoon-presence-v1\n';

export interface PresenceFields {
  readonly type: PresenceType;
  readonly peerId: string;
  readonly content: string;
  readonly email: string;
  readonly avatarHash: string;
  readonly addrs: readonly string[];
  /** Sender's wall clock, Unix ms. */
  readonly ts: number;
}

export interface PresenceMessage extends PresenceFields {
  /** Hex Ed25519 public key; present together with `sig`. */
  readonly publicKey?: string;
  /** Hex signature over `canonicalPresence(fields)`. */
  readonly sig?: string;
}

export type ParseResult = { ok: true; msg: PresenceMessage } | { ok: false; reason: string };

/** The signature's verdict: `unsigned` is allowed (old clients), `forged` never is. */
export type Verdict = 'verified' | 'unsigned' | 'forged';

export function canonicalPresence(f: PresenceFields): Buffer {
  return Buffer.from(DOMAIN + JSON.stringify([f.type, f.peerId, f.content, f.email, f.avatarHash, [...f.addrs], f.ts]), 'utf8');
}

export function signPresence(identity: Identity, f: Omit<PresenceFields, 'peerId'>): PresenceMessage {
  const fields: PresenceFields = { ...f, peerId: identity.peerId, addrs: [...f.addrs] };
  return { ...fields, publicKey: identity.publicKey.toString('hex'), sig: identity.sign(canonicalPresence(fields)).toString('hex') };
}

export function verifyPresence(msg: PresenceMessage): Verdict {
  if (msg.sig === undefined || msg.publicKey === undefined) return 'unsigned';
  const key = Buffer.from(msg.publicKey, 'hex');
  if (key.length !== 32 || !isPeerId(msg.peerId) || peerIdFromPublicKey(key) !== msg.peerId) return 'forged';
  return verifySignature(key, canonicalPresence(msg), Buffer.from(msg.sig, 'hex')) ? 'verified' : 'forged';
}

function str(v: unknown, name: string, max: number, required: boolean): string | { reason: string } {
  if (v === undefined || v === null) return required ? { reason: `${name} is required` } : '';
  if (typeof v !== 'string') return { reason: `${name} must be a string` };
  if (required && v === '') return { reason: `${name} must not be empty` };
  if (v.length > max) return { reason: `${name} is longer than ${max} characters` };
  return v;
}

/** Validate a parsed JSON body. `peerID` (seed 001's spelling) is accepted for `peerId`. */
export function parsePresence(value: unknown): ParseResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'body must be a JSON object' };
  const o = value as Record<string, unknown>;
  if (o.type !== 'online' && o.type !== 'update' && o.type !== 'offline') return { ok: false, reason: 'type must be online, update or offline' };
  const peerId = str(o.peerId ?? o.peerID, 'peerId', PRESENCE_LIMITS.peerIdChars, true);
  const content = str(o.content, 'content', PRESENCE_LIMITS.contentChars, false);
  const email = str(o.email, 'email', PRESENCE_LIMITS.emailChars, false);
  const avatarHash = str(o.avatarHash, 'avatarHash', PRESENCE_LIMITS.avatarHashChars, false);
  for (const s of [peerId, content, email, avatarHash]) if (typeof s !== 'string') return { ok: false, reason: s.reason };
  const addrs = o.addrs ?? [];
  if (!Array.isArray(addrs)) return { ok: false, reason: 'addrs must be an array of strings' };
  if (addrs.length > PRESENCE_LIMITS.addrs) return { ok: false, reason: `more than ${PRESENCE_LIMITS.addrs} addrs` };
  for (const a of addrs) {
    if (typeof a !== 'string' || a === '' || a.length > PRESENCE_LIMITS.addrChars) return { ok: false, reason: `each addr must be a string of 1..${PRESENCE_LIMITS.addrChars} characters` };
  }
  if (typeof o.ts !== 'number' || !Number.isSafeInteger(o.ts) || o.ts <= 0) return { ok: false, reason: 'ts must be a positive integer (Unix ms)' };
  const signed = o.sig !== undefined || o.publicKey !== undefined;
  if (signed && (typeof o.sig !== 'string' || !/^[0-9a-f]{128}$/.test(o.sig) || typeof o.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(o.publicKey))) {
    return { ok: false, reason: 'publicKey (64 hex) and sig (128 hex) must be given together' };
  }
  const msg: PresenceMessage = {
    type: o.type, peerId: peerId as string, content: content as string, email: email as string, avatarHash: avatarHash as string,
    addrs: addrs as string[], ts: o.ts,
    ...(signed ? { publicKey: o.publicKey as string, sig: o.sig as string } : {}),
  };
  return { ok: true, msg };
}
