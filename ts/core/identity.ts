/**
 * A node's identity is an Ed25519 key pair kept in `<dataDir>/identity.key`.
 * `peer_id = "b3b3/" + hex(BLAKE3(BLAKE3(public_key)))`; node and site names
 * are metadata only.
 *
 * The key is created on first start and never regenerated: a missing file
 * means "new node", but an unreadable or corrupt one is an error that names
 * the file, because silently minting a new identity would make the node a
 * stranger to every peer that knew it.
 */
import { generateKeyPairSync, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFile, writeFile, link, unlink, mkdir, stat, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LagoonError } from './errors.js';
import { blake3 } from './native.js';

export const IDENTITY_FILE = 'identity.key';
const PEER_ID_PREFIX = 'b3b3/';

export interface Identity {
  readonly peerId: string;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Buffer;
  readonly privateKey: KeyObject;
  /** Path of the key file, or null for an in-memory identity. */
  readonly path: string | null;
  sign(message: Uint8Array): Buffer;
}

export function peerIdFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw LagoonError.invalidArgument(`Ed25519 public key must be 32 bytes, got ${publicKey.length}`);
  return PEER_ID_PREFIX + blake3(blake3(publicKey)).toString('hex');
}

export function isPeerId(s: string): boolean {
  return /^b3b3\/[0-9a-f]{64}$/.test(s);
}

export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return verify(null, message, key, signature);
}

function fromPrivateKey(privateKey: KeyObject, path: string | null): Identity {
  const jwk = privateKey.export({ format: 'jwk' });
  const publicKey = Buffer.from(jwk.x as string, 'base64url');
  return Object.freeze({
    peerId: peerIdFromPublicKey(publicKey),
    publicKey,
    privateKey,
    path,
    sign: (message: Uint8Array) => sign(null, message, privateKey),
  });
}

/** A fresh identity that lives only in memory (tests, simulators). */
export function ephemeralIdentity(): Identity {
  return fromPrivateKey(generateKeyPairSync('ed25519').privateKey, null);
}

/** Load `<dataDir>/identity.key`, creating it (mode 0600) if it does not exist. */
export async function loadOrCreateIdentity(dataDir: string): Promise<Identity> {
  const path = join(dataDir, IDENTITY_FILE);
  const existing = await readKeyFile(path);
  if (existing !== null) return fromPrivateKey(parseKey(existing, path), path);

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  // Write a temp file, then hard-link it into place: link() fails with EEXIST
  // instead of overwriting, so two processes racing on one data directory
  // agree on a single key.
  const tmp = join(dataDir, `.${IDENTITY_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, pem, { mode: 0o600, flag: 'wx', flush: true });
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new LagoonError('ERR_IDENTITY_IO', `cannot create identity file ${path}: ${(err as Error).message}`, { cause: err });
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const text = await readKeyFile(path);
  if (text === null) throw new LagoonError('ERR_IDENTITY_IO', `identity file ${path} vanished while it was being created`);
  return fromPrivateKey(parseKey(text, path), path);
}

/** True when the key file can be read by group or others (the caller warns and tightens it). */
export async function tightenKeyFileMode(path: string): Promise<boolean> {
  const st = await stat(path);
  if ((st.mode & 0o077) === 0) return false;
  await chmod(path, 0o600);
  return true;
}

async function readKeyFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LagoonError('ERR_IDENTITY_IO', `cannot read identity file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function parseKey(text: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new LagoonError('ERR_IDENTITY_CORRUPT',
      `identity file ${path} is not a valid PEM private key; restore it from a backup, or move it away to start as a new node`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new LagoonError('ERR_IDENTITY_CORRUPT', `identity file ${path} holds a ${key.asymmetricKeyType} key; expected Ed25519`);
  }
  return key;
}
