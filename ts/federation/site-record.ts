/**
 * Site records: proof that a node serves a server name.
 *
 * A site (the `per.example` of `#room:per.example`) has its own Ed25519 key,
 * kept in a file (LAGOON_SITE_KEY_FILE, default `<dataDir>/site.key`,
 * generated on first start for single-node sites; copy it to every node of a
 * multi-node site). Each node signs a record with it:
 *   { site, key, nodes: [peer_id…], issuedMs }
 * listing the node peer_ids that serve the name. A visiting server accepts a
 * node for a name only when the record's signature verifies with the site
 * key, the record names exactly that server, the node's link peer_id (proven
 * by the Noise handshake) is listed, the key is the one it trusts for the
 * name (configured or pinned, see trust.ts), and `issuedMs` is not older than
 * the newest record it has seen for the name (no rollback).
 */
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LagoonError } from '../core/errors.js';
import { isPeerId, verifySignature } from '../core/identity.js';
import { FEDERATION_LIMITS, SITE_RECORD_SIGNING_CONTEXT } from './constants.js';

export interface SiteRecordWire {
  readonly site: string;
  /** Site public key, 64 hex chars. */
  readonly key: string;
  readonly nodes: readonly string[];
  /** Wall-clock ms when the record was signed; newer replaces older. */
  readonly issuedMs: number;
  /** Ed25519 signature by the site key, 128 hex chars. */
  readonly sig: string;
}

export interface SiteKey {
  readonly publicKeyHex: string;
  readonly path: string | null;
  sign(message: Uint8Array): Buffer;
}

function recordBytes(r: Omit<SiteRecordWire, 'sig'>): Buffer {
  // Fixed field order: the signed bytes are canonical without a JSON canonicaliser.
  const body = JSON.stringify({ site: r.site, key: r.key, nodes: r.nodes, issuedMs: r.issuedMs });
  return Buffer.from(SITE_RECORD_SIGNING_CONTEXT + body, 'utf8');
}

export function signSiteRecord(key: SiteKey, site: string, nodes: readonly string[], issuedMs: number): SiteRecordWire {
  const unsigned = { site, key: key.publicKeyHex, nodes: [...nodes], issuedMs };
  return { ...unsigned, sig: key.sign(recordBytes(unsigned)).toString('hex') };
}

export function verifySiteRecordSignature(r: SiteRecordWire): boolean {
  return verifySignature(Buffer.from(r.key, 'hex'), recordBytes(r), Buffer.from(r.sig, 'hex'));
}

function bad(what: string): LagoonError {
  return LagoonError.protocol(`site record has a bad ${what}`);
}

/** Shape check of a record from the wire (the signature is checked by the caller). */
export function parseSiteRecordWire(raw: unknown): SiteRecordWire {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('shape');
  const r = raw as Record<string, unknown>;
  if (typeof r.site !== 'string' || r.site === '' || Buffer.byteLength(r.site) > FEDERATION_LIMITS.maxServerNameBytes) throw bad('site');
  if (typeof r.key !== 'string' || !/^[0-9a-f]{64}$/.test(r.key)) throw bad('key');
  if (typeof r.sig !== 'string' || !/^[0-9a-f]{128}$/.test(r.sig)) throw bad('signature');
  if (typeof r.issuedMs !== 'number' || !Number.isSafeInteger(r.issuedMs) || r.issuedMs < 0) throw bad('issuedMs');
  if (!Array.isArray(r.nodes) || r.nodes.length === 0 || r.nodes.length > FEDERATION_LIMITS.maxSiteNodes) throw bad('node list');
  for (const n of r.nodes) if (typeof n !== 'string' || !isPeerId(n)) throw bad('node peer_id');
  return { site: r.site, key: r.key, nodes: r.nodes as string[], issuedMs: r.issuedMs, sig: r.sig };
}

function fromPrivateKey(privateKey: KeyObject, path: string | null): SiteKey {
  const jwk = privateKey.export({ format: 'jwk' });
  return Object.freeze({
    publicKeyHex: Buffer.from(jwk.x as string, 'base64url').toString('hex'),
    path,
    sign: (m: Uint8Array) => sign(null, m, privateKey),
  });
}

export function ephemeralSiteKey(): SiteKey {
  return fromPrivateKey(generateKeyPairSync('ed25519').privateKey, null);
}

/**
 * Load the site key (PEM, Ed25519), creating it with mode 0600 when the file
 * does not exist. A corrupt file is an error naming it: a silently new site
 * key would make every visitor that pinned the old one refuse this site.
 */
export async function loadOrCreateSiteKey(path: string): Promise<SiteKey> {
  let text = await readOrNull(path);
  if (text === null) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(tmp, pem, { mode: 0o600, flag: 'wx', flush: true });
    // link() refuses to overwrite: two processes racing on one file agree on one key.
    try { await link(tmp, path); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw siteKeyIo(path, err); } finally { await unlink(tmp).catch(() => undefined); }
    text = await readOrNull(path);
    if (text === null) throw siteKeyIo(path, new Error('vanished while being created'));
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new LagoonError('ERR_CONFIG', `site key file ${path} is not a valid PEM private key`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw LagoonError.config(`site key file ${path} holds a ${key.asymmetricKeyType} key; expected Ed25519`);
  return fromPrivateKey(key, path);
}

function siteKeyIo(path: string, err: unknown): LagoonError {
  return new LagoonError('ERR_CONFIG', `cannot create site key file ${path}: ${(err as Error).message}`, { cause: err });
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LagoonError('ERR_CONFIG', `cannot read site key file ${path}: ${(err as Error).message}`, { cause: err });
  }
}
