import test from 'ava';
import { mkdtempSync, writeFileSync, statSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  loadOrCreateIdentity, ephemeralIdentity, peerIdFromPublicKey, isPeerId, verifySignature, tightenKeyFileMode, IDENTITY_FILE,
} from '../../ts/core/identity.js';
import { blake3 } from '../../ts/core/native.js';
import { isLagoonError } from '../../ts/core/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lagoon-id-'));

test('creates a key on first start with mode 0600 and reuses it afterwards', async (t) => {
  const dir = tmp();
  const a = await loadOrCreateIdentity(dir);
  const path = join(dir, IDENTITY_FILE);
  t.is(statSync(path).mode & 0o777, 0o600);
  const before = readFileSync(path, 'utf8');
  const b = await loadOrCreateIdentity(dir);
  t.is(b.peerId, a.peerId);
  t.is(readFileSync(path, 'utf8'), before, 'file never rewritten');
});

test('peer_id is b3b3/ + hex(BLAKE3(BLAKE3(public key)))', (t) => {
  const id = ephemeralIdentity();
  t.true(isPeerId(id.peerId));
  t.is(id.peerId, 'b3b3/' + blake3(blake3(id.publicKey)).toString('hex'));
  t.is(id.publicKey.length, 32);
  // Not a SHA-256 or single hash by accident.
  t.not(id.peerId.slice(5), createHash('sha256').update(id.publicKey).digest('hex'));
  t.not(id.peerId.slice(5), blake3(id.publicKey).toString('hex'));
});

test('peerIdFromPublicKey rejects keys of the wrong length', (t) => {
  const err = t.throws(() => peerIdFromPublicKey(Buffer.alloc(31)));
  t.true(isLagoonError(err, 'ERR_INVALID_ARGUMENT'));
});

test('concurrent first starts on one data directory agree on one key', async (t) => {
  const dir = tmp();
  const ids = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateIdentity(dir)));
  t.is(new Set(ids.map((i) => i.peerId)).size, 1);
});

test('a corrupt key file is an error naming the file, never a new identity', async (t) => {
  const dir = tmp();
  const path = join(dir, IDENTITY_FILE);
  writeFileSync(path, 'garbage', { mode: 0o600 });
  const err = await t.throwsAsync(loadOrCreateIdentity(dir));
  t.true(isLagoonError(err, 'ERR_IDENTITY_CORRUPT'));
  t.true(err!.message.includes(path));
  t.is(readFileSync(path, 'utf8'), 'garbage', 'the bad file is left for the operator');
});

test('a key of the wrong algorithm is rejected', async (t) => {
  const dir = tmp();
  const { generateKeyPairSync } = await import('node:crypto');
  const pem = generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  writeFileSync(join(dir, IDENTITY_FILE), pem, { mode: 0o600 });
  const err = await t.throwsAsync(loadOrCreateIdentity(dir));
  t.true(isLagoonError(err, 'ERR_IDENTITY_CORRUPT'));
  t.regex(err!.message, /x25519.*Ed25519/);
});

test('signatures verify with the raw public key and fail when tampered', (t) => {
  const id = ephemeralIdentity();
  const msg = Buffer.from('hello mesh');
  const sig = id.sign(msg);
  t.true(verifySignature(id.publicKey, msg, sig));
  t.false(verifySignature(id.publicKey, Buffer.from('hello mesH'), sig));
  t.false(verifySignature(ephemeralIdentity().publicKey, msg, sig));
  t.false(verifySignature(id.publicKey, msg, sig.subarray(1)));
});

test('a group-readable key file is tightened to 0600', async (t) => {
  const dir = tmp();
  const id = await loadOrCreateIdentity(dir);
  chmodSync(id.path!, 0o644);
  t.true(await tightenKeyFileMode(id.path!));
  t.is(statSync(id.path!).mode & 0o777, 0o600);
  t.false(await tightenKeyFileMode(id.path!));
});
