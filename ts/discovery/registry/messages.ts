/**
 * Bootstrap registry requests (seed 004), signed by the peer's node key:
 *
 *   register:   { peerId, publicKey, addrs, broadcast: true, ts, nonce, sig }
 *   unregister: { peerId, publicKey, ts, nonce, sig }
 *
 * The signature covers a canonical encoding that includes the action, so a
 * signed unregister can never be replayed as a register or the reverse.
 * `nonce` (16 random bytes, hex) makes every request unique; the registry
 * remembers recent ones. Parsing is pure and never throws on peer input.
 */
import { randomBytes } from 'node:crypto';
import { isPeerId, peerIdFromPublicKey, verifySignature, type Identity } from '../../core/identity.js';

export type RegistryAction = 'register' | 'unregister';

/** At most this many addresses per registration (each costs the registry a dial-back). */
export const MAX_REGISTER_ADDRS = 4;
const DOMAIN = 'lagoon-bootstrap-v1\n';

export interface RegistryRequest {
  readonly action: RegistryAction;
  readonly peerId: string;
  readonly publicKey: string;
  /** Mesh addresses (register only), e.g. `tcp://203.0.113.5:9443`. */
  readonly addrs: readonly string[];
  readonly broadcast: boolean;
  readonly ts: number;
  readonly nonce: string;
  readonly sig: string;
}

export function canonicalRequest(r: Omit<RegistryRequest, 'sig' | 'publicKey'>): Buffer {
  return Buffer.from(DOMAIN + JSON.stringify([r.action, r.peerId, [...r.addrs], r.broadcast, r.ts, r.nonce]), 'utf8');
}

export function signRequest(identity: Identity, action: RegistryAction, addrs: readonly string[], ts: number): RegistryRequest {
  const body = { action, peerId: identity.peerId, addrs: action === 'register' ? [...addrs] : [], broadcast: action === 'register', ts, nonce: randomBytes(16).toString('hex') };
  return { ...body, publicKey: identity.publicKey.toString('hex'), sig: identity.sign(canonicalRequest(body)).toString('hex') };
}

/** The JSON body to send (the action is the endpoint, not a field). */
export function requestBody(r: RegistryRequest): Record<string, unknown> {
  const { action: _action, ...rest } = r;
  return r.action === 'register' ? rest : { peerId: r.peerId, publicKey: r.publicKey, ts: r.ts, nonce: r.nonce, sig: r.sig };
}

export type ParsedRequest = { ok: true; req: RegistryRequest } | { ok: false; reason: string };

export function parseRequest(action: RegistryAction, value: unknown): ParsedRequest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'body must be a JSON object' };
  const o = value as Record<string, unknown>;
  if (typeof o.peerId !== 'string' || !isPeerId(o.peerId)) return { ok: false, reason: 'peerId must be a b3b3/ peer id' };
  if (typeof o.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(o.publicKey)) return { ok: false, reason: 'publicKey must be 64 hex characters' };
  if (typeof o.sig !== 'string' || !/^[0-9a-f]{128}$/.test(o.sig)) return { ok: false, reason: 'sig must be 128 hex characters' };
  if (typeof o.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(o.nonce)) return { ok: false, reason: 'nonce must be 32 hex characters' };
  if (typeof o.ts !== 'number' || !Number.isSafeInteger(o.ts) || o.ts <= 0) return { ok: false, reason: 'ts must be a positive integer (Unix ms)' };
  let addrs: string[] = [];
  let broadcast = false;
  if (action === 'register') {
    if (o.broadcast !== true) return { ok: false, reason: 'only broadcasting peers are listed: broadcast must be true' };
    broadcast = true;
    if (!Array.isArray(o.addrs) || o.addrs.length === 0 || o.addrs.length > MAX_REGISTER_ADDRS) return { ok: false, reason: `addrs must list 1..${MAX_REGISTER_ADDRS} addresses` };
    for (const a of o.addrs) if (typeof a !== 'string' || a.length === 0 || a.length > 256) return { ok: false, reason: 'each addr must be a string of 1..256 characters' };
    addrs = o.addrs as string[];
  }
  return { ok: true, req: { action, peerId: o.peerId, publicKey: o.publicKey, addrs, broadcast, ts: o.ts, nonce: o.nonce, sig: o.sig } };
}

/** The key must be the one the peerId names, and the signature must verify. */
export function verifyRequest(r: RegistryRequest): boolean {
  const key = Buffer.from(r.publicKey, 'hex');
  if (peerIdFromPublicKey(key) !== r.peerId) return false;
  return verifySignature(key, canonicalRequest(r), Buffer.from(r.sig, 'hex'));
}
